"""Commands that import providers' courses and employers' vacancies from CSV or JSON Lines files.

By default an import is all or nothing: one invalid row and nothing changes. With
``--skip-invalid`` the valid rows go in and each skipped row is reported. Either way the import is
one transaction, and re-importing a file adds nothing twice: courses are keyed by reference (and
offerings by course, provider, district and mode), vacancies by reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, cast

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from skillsmatch.commands.data import _readers, _transaction
from skillsmatch.extensions import db
from skillsmatch.imports import (
    COURSES,
    VACANCIES,
    Checked,
    Schema,
    check_courses,
    check_vacancies,
    is_standard_reference,
)
from skillsmatch.loaders.reference import sector_map
from skillsmatch.loaders.report import LoadReport, SkippedRow
from skillsmatch.loaders.standards import Readers, attach_occupations, attach_overview_skills
from skillsmatch.loaders.vacancies import build_vacancies
from skillsmatch.models import (
    Course,
    CourseOffering,
    District,
    Occupation,
    Provider,
    Sector,
    Skill,
    Vacancy,
)
from skillsmatch.services.file_imports import (
    NO_DISTRICTS,
    NO_VALID_ROWS,
    Checker,
    Conflicts,
    Importer,
    ReadersFactory,
    import_file,
)
from skillsmatch.services.file_imports import (
    lookups as lookups,
)  # re-exported: callers import it from here

IMPORT_SOURCE = "import"
# The command line's words for a refused file, with what to do about it.
_REFUSALS = {
    NO_DISTRICTS: "no districts loaded; run `skillsmatch load-reference`",
    NO_VALID_ROWS: "no valid rows; nothing imported",
}
_CHUNK = 500  # keeps IN (...) lists well under SQLite's bound-parameter limit


class ImportRefused(click.ClickException):
    """A refused import: one line on stderr, exit status 1, nothing changed."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def build_readers() -> Readers:
    """The real skill linker and title normaliser (slow the first time: they embed ESCO)."""
    return cast(Readers, _readers())


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _new_report(name: str, checked: Checked) -> LoadReport:
    """A report counting each skipped row once, under its first problem."""
    report = LoadReport(name, read=checked.read)
    seen: set[int] = set()
    for problem in checked.problems:
        if problem.row not in seen:
            seen.add(problem.row)
            report.skip(problem.row, problem.field, problem.reason)
    return report


def _reject(checked: Checked, rejected: dict[int, tuple[str, str]]) -> None:
    """Move rows found to clash with the database from the valid rows to the problems."""
    if not rejected:
        return
    checked.rows = [r for r in checked.rows if r["line"] not in rejected]
    checked.problems.extend(SkippedRow(line, f, reason) for line, (f, reason) in rejected.items())
    checked.problems.sort(key=lambda p: p.row)


def run_import(
    path: Path,
    schema: Schema,
    check: Checker,
    conflicts: Conflicts,
    importer: Importer,
    skip_invalid: bool,
) -> LoadReport:
    """Read, check and import a file in one transaction; ``ImportRefused`` if nothing may change."""
    with _transaction():
        outcome = import_file(
            db.session,
            path,
            schema,
            check,
            conflicts,
            importer,
            skip_invalid=skip_invalid,
            data_dir=Path(current_app.config["DATA_DIR"]),
            # Looked up at call time so that tests can stand in small readers.
            get_readers=lambda: build_readers(),
            name=f"{schema.kind} from {path.name}",
        )
        for p in outcome.problems:
            click.echo(f"{path}: line {p.row}: {p.field}: {p.reason}", err=True)
        if outcome.report is not None:
            return outcome.report
        if outcome.error is not None:
            raise ImportRefused(f"{path}: {_REFUSALS.get(outcome.error, outcome.error)}")
        hint = f" (--skip-invalid imports the {outcome.valid} valid rows)" if outcome.valid else ""
        raise ImportRefused(
            f"{path}: {outcome.skipped} of {outcome.read} rows invalid; nothing imported{hint}"
        )


# --- courses ------------------------------------------------------------------------------------


def course_conflicts(session: Session, checked: Checked) -> None:
    """Rows whose reference is another provider's course, or an unknown apprenticeship standard."""
    owners = dict(session.execute(sa.select(Provider.id, Provider.name)).all())
    existing = {
        ref: (kind, owner)
        for ref, kind, owner in session.execute(
            sa.select(Course.reference, Course.kind, Course.owner_provider_id)
        )
    }
    rejected: dict[int, tuple[str, str]] = {}
    for row in checked.rows:
        ref = row["reference"]
        if ref in existing:
            kind, owner = existing[ref]
            theirs = owners[owner].lower() if owner is not None else None
            if kind == "provider" and theirs not in (None, row["provider"].lower()):
                rejected[row["line"]] = ("reference", f"{ref} is another provider's course")
        elif is_standard_reference(ref):
            rejected[row["line"]] = (
                "reference",
                f"{ref} looks like an apprenticeship standard, but no such standard is loaded",
            )
    _reject(checked, rejected)


def import_course_rows(
    session: Session, checked: Checked, get_readers: ReadersFactory, name: str = "courses"
) -> LoadReport:
    """Add each row's offering, creating its provider and (provider's own) course if new."""
    report = _new_report(name, checked)
    district_ids = dict(session.execute(sa.select(District.code, District.id)).all())
    sector_ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
    sectors = sector_map(session)
    providers = {p.name.lower(): p for p in session.scalars(sa.select(Provider))}
    refs = sorted({r["reference"] for r in checked.rows})
    courses = {
        c.reference: c
        for chunk in _chunks(refs)
        for c in session.scalars(sa.select(Course).where(Course.reference.in_(chunk)))
    }
    created: list[Course] = []
    for row in checked.rows:
        provider = providers.get(row["provider"].lower())
        if provider is None:
            provider = Provider(name=row["provider"], is_demo=False)
            session.add(provider)
            session.flush()  # its id owns the courses created below
            providers[provider.name.lower()] = provider
        course = courses.get(row["reference"])
        if course is None:
            slug = sectors.for_route(row["route"])
            course = _new_course(row, provider, sector_ids.get(slug) if slug else None)
            session.add(course)
            courses[course.reference] = course
            created.append(course)
        district_id = district_ids[row["district_code"]] if row["district_code"] else None
        if any(
            o.provider is provider and o.district_id == district_id and o.mode == row["mode"]
            for o in course.offerings
        ):
            report.present += 1
            continue
        course.offerings.append(
            CourseOffering(
                provider=provider,
                district_id=district_id,
                mode=row["mode"],
                start_dates=row["start_dates"],
                places=row["places"],
                is_demo=False,
            )
        )
        report.loaded += 1
    if created:
        readers = get_readers()
        _attach_skills(session, created, readers.skill_linker)
        _attach_occupations(session, created, readers.title_normaliser, sector_ids)
    return report


def _new_course(row: dict[str, Any], provider: Provider, sector_id: int | None) -> Course:
    return Course(
        reference=row["reference"],
        kind="provider",
        title=row["title"],
        level=row["level"],
        duration_months=row["duration_months"],
        route=row["route"],
        max_funding=row["max_funding"],
        overview=row["overview"],
        job_titles=row["job_titles"],
        sector_id=sector_id,
        owner_provider_id=provider.id,
        is_demo=False,
    )


def _attach_skills(session: Session, courses: list[Course], linker: Any) -> None:
    skill_ids = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    texts = [f"{c.title}\n{c.overview}".strip() for c in courses]
    attach_overview_skills(courses, texts, linker, skill_ids)


def _attach_occupations(
    session: Session, courses: list[Course], normaliser: Any, sector_ids: dict[str, int]
) -> None:
    """The ESCO occupations a course's title and job titles name; its sector if not yet known,
    from the first of them that maps to one."""
    rows = session.execute(
        sa.select(Occupation.uri, Occupation.id, Occupation.soc2020, Occupation.isco08)
    ).all()
    attach_occupations(courses, normaliser, {r.uri: r.id for r in rows})
    groups = {r.id: (r.soc2020, r.isco08) for r in rows}
    sectors = sector_map(session)
    for course in courses:
        for link in course.occupations:
            if course.sector_id is not None:
                break
            slug = sectors.for_occupation(*groups[link.occupation_id])
            if slug:
                course.sector_id = sector_ids.get(slug)


# --- vacancies ----------------------------------------------------------------------------------


def vacancy_conflicts(session: Session, checked: Checked) -> None:
    """Vacancies clash with nothing: one already imported under its reference is left as it is."""


def import_vacancy_rows(
    session: Session, checked: Checked, get_readers: ReadersFactory, name: str = "vacancies"
) -> LoadReport:
    """Add the vacancies not imported before, with occupation, sector and skills from their text."""
    report = _new_report(name, checked)
    present = set(
        session.scalars(sa.select(Vacancy.source_ref).where(Vacancy.source == IMPORT_SOURCE))
    )
    fresh = [r for r in checked.rows if r["source_ref"] not in present]
    report.present = len(checked.rows) - len(fresh)
    if fresh:
        vacancies = build_vacancies(session, get_readers(), fresh, source=IMPORT_SOURCE)
        sector_ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
        for vacancy, row in zip(vacancies, fresh, strict=True):
            if row["sector"]:  # the file's sector wins over the one inferred from the title
                vacancy.sector_id = sector_ids[row["sector"]]
        session.add_all(vacancies)
    report.loaded = len(fresh)
    return report


# --- commands -----------------------------------------------------------------------------------

_FILE = click.argument("file", type=click.Path(path_type=Path))
_SKIP_INVALID = click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows and report each skipped one "
    "(default: any invalid row stops the import).",
)


@click.command("import-courses")
@_FILE
@_SKIP_INVALID
@with_appcontext
def import_courses(file: Path, skip_invalid: bool) -> None:
    """Import course offerings from a CSV or JSON Lines FILE.

    Columns: reference, title, level (1-8), provider, district (ONS code or name; may be blank
    for online courses), places; optional duration_months, mode (in-person, online, blended),
    start_dates (YYYY-MM-DD;...), route, overview, job_titles (a;b), max_funding.
    """
    report = run_import(
        file, COURSES, check_courses, course_conflicts, import_course_rows, skip_invalid
    )
    click.echo(report.summary())


@click.command("import-vacancies")
@_FILE
@_SKIP_INVALID
@with_appcontext
def import_vacancies(file: Path, skip_invalid: bool) -> None:
    """Import vacancies from a CSV or JSON Lines FILE; contact details are removed from the text.

    Columns: reference, title, description (HTML or text), district (ONS code, name or Greater
    Essex postcode); optional employer, salary_min, salary_max, date_posted, closing_date
    (YYYY-MM-DD), sector (slug or name).
    """
    report = run_import(
        file, VACANCIES, check_vacancies, vacancy_conflicts, import_vacancy_rows, skip_invalid
    )
    click.echo(report.summary())


COMMANDS = [import_courses, import_vacancies]
