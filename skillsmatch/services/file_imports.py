"""Importing a CSV or JSON Lines file of courses or vacancies: the one code path behind the
command line's ``import-courses`` and ``import-vacancies`` and the site's upload pages.

A file is read and checked row by row against the districts and sectors in the database, then
imported in the caller's transaction: all rows or none, or only the valid rows when the caller
asks to skip the others. Nothing here commits; the caller commits once ``imported`` is true, and
otherwise nothing has changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from skillsmatch import reference_data as rd
from skillsmatch.imports import (
    MAX_FILE_BYTES,
    Checked,
    ImportFileError,
    Lookups,
    Record,
    Schema,
    read_records,
)
from skillsmatch.loaders.report import LoadReport, SkippedRow
from skillsmatch.loaders.standards import Readers
from skillsmatch.models import District, Sector
from skillsmatch.services.skill_suggestions import skill_linker

# Why a whole file was refused, besides what ``read_records`` says about the file itself.
NO_DISTRICTS = "no districts are loaded"
NO_VALID_ROWS = "no row is valid, so nothing was imported"

ReadersFactory = Callable[[], Readers]
Checker = Callable[[list[Any], Lookups], Checked]
Conflicts = Callable[[Session, Checked], None]
Importer = Callable[[Session, Checked, ReadersFactory, str], LoadReport]


@dataclass
class ImportOutcome:
    """What came of a file: refused as a whole (``error``), refused for its rows, or imported."""

    read: int = 0
    problems: list[SkippedRow] = field(default_factory=list)
    error: str | None = None
    # Rows that passed every check (imported, or importable with the others skipped).
    valid: int = 0
    report: LoadReport | None = None

    @property
    def imported(self) -> bool:
        return self.report is not None

    @property
    def loaded(self) -> int:
        return self.report.loaded if self.report else 0

    @property
    def present(self) -> int:
        return self.report.present if self.report else 0

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    @property
    def skipped(self) -> int:
        return len(self.bad_lines)


Outcome = TypeVar("Outcome", bound=ImportOutcome)


def lookups(session: Session, data_dir: Path) -> Lookups:
    """The districts, Greater Essex postcode districts and sectors loaded in the database."""
    districts = session.execute(sa.select(District.code, District.name)).all()
    codes = {code for code, _ in districts}
    postcodes = {k: v for k, v in rd.read_postcode_districts(data_dir).items() if v in codes}
    sectors = session.execute(sa.select(Sector.slug, Sector.name)).all()
    return Lookups.build(districts, postcodes, sectors)


def app_readers() -> Readers:
    """The app's skill linker and title normaliser (tests put small ones in app.extensions)."""
    normaliser = current_app.extensions.get("title_normaliser")
    if normaliser is None:
        from skillsmatch.services.linking import get_title_normaliser

        normaliser = get_title_normaliser(Path(current_app.config["CACHE_DIR"]))
        current_app.extensions["title_normaliser"] = normaliser
    return Readers(skill_linker(), normaliser)


def import_file(
    session: Session,
    path: Path,
    schema: Schema,
    check: Checker,
    conflicts: Conflicts,
    importer: Importer,
    *,
    skip_invalid: bool,
    data_dir: Path,
    get_readers: ReadersFactory,
    name: str,
    max_bytes: int = MAX_FILE_BYTES,
    prepare: Callable[[Record], Record] | None = None,
    outcome_type: type[Outcome] = ImportOutcome,  # type: ignore[assignment]
) -> Outcome:
    """Read, check and import a file into ``session``; ``outcome.imported`` says whether it was.

    ``prepare`` may adjust each record before it is checked (a provider's rows are its own).
    Any problem refuses the whole file unless ``skip_invalid``; a file with no valid row is
    refused either way. The readers are asked for only when rows are imported.
    """
    try:
        records = read_records(path, schema, max_bytes)
    except ImportFileError as exc:
        return outcome_type(error=str(exc))
    if prepare is not None:
        records = [prepare(r) for r in records]
    found = lookups(session, data_dir)
    if not found.districts:
        return outcome_type(error=NO_DISTRICTS)
    checked = check(records, found)
    conflicts(session, checked)
    outcome = outcome_type(
        read=checked.read, problems=list(checked.problems), valid=len(checked.rows)
    )
    if outcome.problems and not skip_invalid:
        return outcome
    if not checked.rows:
        outcome.error = NO_VALID_ROWS
        return outcome
    outcome.report = importer(session, checked, get_readers, name)
    return outcome


def template_csv(columns: Iterable[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A CSV file to fill in: the header and some example rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
