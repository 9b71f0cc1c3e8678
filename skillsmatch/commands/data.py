"""Commands that create the database, load Greater Essex data and report what is loaded."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from skillsmatch.extensions import db
from skillsmatch.loaders.report import LoadReport


@contextmanager
def _transaction() -> Iterator[None]:
    """Commit everything a loader did, or nothing if it fails."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _echo(reports: LoadReport | list[LoadReport]) -> None:
    for report in reports if isinstance(reports, list) else [reports]:
        click.echo(report.summary())


class _LazyReaders:
    """The linker and normaliser, built only when a loader has new rows to read."""

    def __init__(self, cache: Path) -> None:
        self._cache = cache

    @functools.cached_property
    def skill_linker(self) -> Any:
        from skillsmatch.services.linking import get_skill_linker

        click.echo("Preparing the ESCO skill linker (embeddings cached after the first run)...")
        return get_skill_linker(self._cache)

    @functools.cached_property
    def title_normaliser(self) -> Any:
        from skillsmatch.services.linking import get_title_normaliser

        click.echo("Preparing the job-title normaliser (embeddings cached after the first run)...")
        return get_title_normaliser(self._cache)


def _readers() -> _LazyReaders:
    return _LazyReaders(Path(current_app.config["CACHE_DIR"]))


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema through migrations."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database schema is up to date.")


@click.command("load-reference")
@with_appcontext
def load_reference() -> None:
    """Load districts, priority sectors, SOC 2020, SIC 2007 and the ESCO taxonomy."""
    from skillsmatch.loaders import reference as ref

    steps: list[Callable[..., LoadReport | list[LoadReport]]] = [
        ref.load_districts,
        ref.load_sectors,
        ref.load_soc,
        ref.load_sic,
        ref.load_esco,
    ]
    for step in steps:
        with _transaction():
            _echo(step(db.session, _data_dir()))


@click.command("load-courses")
@with_appcontext
def load_courses() -> None:
    """Load approved apprenticeship standards as courses, with the skills they teach."""
    from skillsmatch.loaders.standards import load_standards

    readers = _readers()
    with _transaction():
        _echo(load_standards(db.session, readers, _data_dir()))


@click.command("load-vacancies")
@with_appcontext
def load_vacancies() -> None:
    """Load the shipped Greater Essex NHS Jobs adverts as vacancies."""
    from skillsmatch.loaders.vacancies import load_nhs_vacancies

    readers = _readers()
    with _transaction():
        _echo(load_nhs_vacancies(db.session, readers, _data_dir()))


@click.command("generate-demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed; same seed, same data.")
@with_appcontext
def generate_demo(seed: int) -> None:
    """Generate the labelled demo providers, course offerings, employers, demand and accounts."""
    from skillsmatch.loaders.demo import generate_demo_data

    with _transaction():
        _echo(generate_demo_data(db.session, seed=seed, instance=Path(current_app.instance_path)))


@click.command("load-all")
@click.pass_context
def load_all(ctx: click.Context) -> None:
    """Create the schema and load everything the site needs (re-running adds nothing twice)."""
    for command in (init_db, load_reference, load_courses, load_vacancies, generate_demo):
        ctx.invoke(command)


@click.command("extract-nhs-adverts")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the extract (default: the shipped data file).",
)
@with_appcontext
def extract_nhs_adverts(source: Path, out: Path | None) -> None:
    """Write the Greater Essex adverts of an NHS Jobs dump, with personal data removed."""
    from skillsmatch.loaders.vacancies import NHS_EXTRACT
    from skillsmatch.loaders.vacancies import extract_nhs_adverts as extract

    target = out or _data_dir() / NHS_EXTRACT
    read, written = extract(source, target, _data_dir())
    click.echo(f"read {read} adverts, wrote {written} in Greater Essex to {target}")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@with_appcontext
def stats(as_json: bool) -> None:
    """Print row counts per table and courses, vacancies and demands per sector x district."""
    from skillsmatch.stats import collect_stats, format_stats

    result = collect_stats(db.session)
    click.echo(json.dumps(result, indent=2) if as_json else format_stats(result))


COMMANDS = [
    init_db,
    load_reference,
    load_courses,
    load_vacancies,
    generate_demo,
    load_all,
    extract_nhs_adverts,
    stats,
]


@click.command("demo-accounts")
@with_appcontext
def demo_accounts() -> None:
    """Print the demo account for each role and where the site is."""
    from skillsmatch.loaders.demo import read_demo_accounts

    accounts = read_demo_accounts(Path(current_app.instance_path))
    click.echo("SkillsMatch is starting on http://127.0.0.1:5000/")
    if accounts:
        click.echo("Demo accounts, one per role (role, e-mail, password):")
        click.echo(accounts.rstrip())
    else:
        click.echo("No demo accounts yet: run `skillsmatch generate-demo`.")
    click.echo("Sign in at http://127.0.0.1:5000/sign-in")


COMMANDS.append(demo_accounts)
