"""``link-skills`` and ``normalise-titles``: text in, one JSON line per input line out.

Neither touches the database. stdout carries only JSON lines; progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TextIO

import click
from flask import current_app
from flask.cli import with_appcontext

_BATCH = 256  # lines linked at once: big enough for batched encoding, small enough to stream


def _batches(stream: TextIO) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in stream:
        batch.append(line.rstrip("\r\n"))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _emit(record: dict[str, object]) -> None:
    click.echo(json.dumps(record, ensure_ascii=False))


def _progress(total_hint: int | None, unit: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    return tqdm(total=total_hint, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty())


@click.command("link-skills")
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Skills per line, the best whatever their score.",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=None,
    help="Keep only skills scoring at least this.",
)
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
@with_appcontext
def link_skills(top_k: int, min_score: float | None, source: TextIO) -> None:
    """Link each line of SOURCE (a file, or - for stdin) to ESCO skills, as JSON lines."""
    from skillsmatch.services.linking import get_skill_linker

    linker = get_skill_linker(current_app.config["CACHE_DIR"], progress=True)
    with _progress(None, " lines") as bar:
        for batch in _batches(source):
            for text, result in zip(
                batch, linker.link_statements(batch, top_k, min_score), strict=True
            ):
                record: dict[str, object] = {
                    "text": text,
                    "skills": [
                        {"uri": s.uri, "label": s.label, "score": round(s.score, 4)}
                        for s in result.skills
                    ],
                }
                if result.reason:
                    record["reason"] = result.reason
                _emit(record)
            bar.update(len(batch))


@click.command("normalise-titles")
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Occupations per title, the best whatever their score.",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=None,
    help="Keep only occupations scoring at least this.",
)
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
@with_appcontext
def normalise_titles(top_k: int, min_score: float | None, source: TextIO) -> None:
    """Map each job title in SOURCE (a file, or - for stdin) to ESCO occupations and SOC 2020."""
    from skillsmatch.services.linking import get_title_normaliser

    normaliser = get_title_normaliser(current_app.config["CACHE_DIR"], progress=True)
    with _progress(None, " titles") as bar:
        for batch in _batches(source):
            for title, found in zip(
                batch, normaliser.normalise(batch, top_k, min_score), strict=True
            ):
                _emit(
                    {
                        "text": title,
                        "occupations": [
                            {
                                "uri": o.uri,
                                "label": o.label,
                                "score": round(o.score, 4),
                                "soc2020": o.soc2020,
                            }
                            for o in found
                        ],
                    }
                )
            bar.update(len(batch))


COMMANDS = [link_skills, normalise_titles]
