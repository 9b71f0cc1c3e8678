"""The skills board's data management: what the catalogue holds, and vacancies imported for the
whole area from a file (an advert extract), through the command line's importer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.commands.imports import IMPORT_SOURCE, import_vacancy_rows, vacancy_conflicts
from skillsmatch.imports import VACANCIES, check_vacancies
from skillsmatch.loaders.standards import Readers
from skillsmatch.loaders.vacancies import NHS_SOURCE
from skillsmatch.models import Base, Vacancy
from skillsmatch.models.base import DemoMixin
from skillsmatch.services import file_imports
from skillsmatch.services.employer_needs import VACANCY_SOURCE
from skillsmatch.stats import collect_stats

# --- what the catalogue holds -------------------------------------------------------------------

# (table, what a page calls its rows). Learners are a count and nothing more.
CATALOGUE = (
    ("course", "Courses"),
    ("course_offering", "Course offerings"),
    ("provider", "Course providers"),
    ("employer", "Employers"),
    ("skill_demand", "Employer skill needs"),
    ("vacancy", "Vacancies"),
    ("learner", "Learners"),
)
REFERENCE = (
    ("district", "Local authority districts"),
    ("sector", "Priority sectors"),
    ("skill", "ESCO skills"),
    ("occupation", "ESCO occupations"),
    ("occupation_skill", "ESCO occupation and skill relations"),
    ("soc_unit_group", "SOC 2020 unit groups"),
    ("sic_activity", "SIC 2007 activities"),
)
RECORDS = (
    ("gap_snapshot", "Gap snapshots"),
    ("audit_event", "Audit events"),
)
VACANCY_SOURCES = {
    NHS_SOURCE: "NHS Jobs adverts shipped with SkillsMatch",
    IMPORT_SOURCE: "Imported from files",
    VACANCY_SOURCE: "Posted by employers",
}


@dataclass(frozen=True)
class HeldRow:
    label: str
    rows: int
    # Rows generated as demo data; None where this kind of row is never demo data.
    demo: int | None = None


@dataclass(frozen=True)
class Coverage:
    """How many of the sector x district cells have each kind of data."""

    cells: int
    with_courses: int
    with_vacancies: int
    with_demands: int
    demand_without_local_course: int


@dataclass(frozen=True)
class CatalogueOverview:
    catalogue: list[HeldRow]
    reference: list[HeldRow]
    records: list[HeldRow]
    vacancy_sources: list[HeldRow]
    coverage: Coverage

    @property
    def includes_demo(self) -> bool:
        return any(r.demo for r in self.catalogue)


def _demo_counts(session: Session) -> dict[str, int]:
    """Demo rows of every table whose rows may be demo data."""
    counts = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if issubclass(model, DemoMixin):
            counts[mapper.local_table.name] = (
                session.scalar(sa.select(sa.func.count()).select_from(model).where(model.is_demo))
                or 0
            )
    return counts


def catalogue_overview(session: Session) -> CatalogueOverview:
    """Rows per kind of data (``collect_stats``), demo rows apart, vacancies by where they come
    from, and how many sector x district cells hold courses, vacancies and demand."""
    stats = collect_stats(session)
    tables: dict[str, int] = stats["tables"]
    demo = _demo_counts(session)

    def rows(names: tuple[tuple[str, str], ...]) -> list[HeldRow]:
        return [HeldRow(label, tables[name], demo.get(name)) for name, label in names]

    by_source: dict[str, dict[bool, int]] = {}
    for source, is_demo, count in session.execute(
        sa.select(Vacancy.source, Vacancy.is_demo, sa.func.count()).group_by(
            Vacancy.source, Vacancy.is_demo
        )
    ):
        by_source.setdefault(source, {})[bool(is_demo)] = count
    sources = [
        HeldRow(VACANCY_SOURCES.get(source, source), sum(n.values()), n.get(True, 0))
        for source, n in sorted(by_source.items(), key=lambda item: _source_order(item[0]))
    ]
    cells: list[dict[str, Any]] = stats["coverage"]
    coverage = Coverage(
        cells=len(cells),
        with_courses=sum(1 for c in cells if c["courses"] or c["online_courses"]),
        with_vacancies=sum(1 for c in cells if c["vacancies"]),
        with_demands=sum(1 for c in cells if c["demands"]),
        demand_without_local_course=sum(
            1 for c in cells if (c["demands"] or c["vacancies"]) and not c["courses"]
        ),
    )
    return CatalogueOverview(
        catalogue=rows(CATALOGUE),
        reference=rows(REFERENCE),
        records=rows(RECORDS),
        vacancy_sources=sources,
        coverage=coverage,
    )


def _source_order(source: str) -> tuple[int, str]:
    known = list(VACANCY_SOURCES)
    return (known.index(source) if source in known else len(known), source)


# --- importing vacancies ------------------------------------------------------------------------

# An area-wide advert extract; the shipped 313 NHS Jobs adverts take under 1 MB as JSON Lines.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_COLUMNS = VACANCIES.names
COLUMN_HELP: tuple[tuple[str, bool, str], ...] = (
    (
        "reference",
        True,
        "The advert's reference in its source; an advert already imported "
        "under it is left as it is",
    ),
    ("title", True, "The job title"),
    (
        "description",
        True,
        "The advert's text, plain or HTML: email addresses and phone "
        "numbers are removed before it is kept",
    ),
    ("district", True, "Where the job is: a district name, ONS code or Greater Essex postcode"),
    ("employer", False, "The employer's name"),
    ("salary_min", False, "Lowest salary, in pounds a year"),
    ("salary_max", False, "Highest salary, in pounds a year"),
    ("date_posted", False, "YYYY-MM-DD"),
    ("closing_date", False, "YYYY-MM-DD"),
    ("sector", False, "A priority sector's name; blank to find it from the job title"),
)
assert tuple(c for c, _, _ in COLUMN_HELP) == TEMPLATE_COLUMNS
_TEMPLATE_ROWS = (
    {
        "reference": "ADV-1001",
        "title": "Care assistant",
        "description": "Support residents with personal care and keep accurate care records.",
        "district": "CM1 1AA",
        "employer": "Example Care Homes",
        "salary_min": "23000",
        "salary_max": "25000",
        "date_posted": "2026-09-01",
        "closing_date": "2026-09-30",
        "sector": "",
    },
    {
        "reference": "ADV-1002",
        "title": "Data analyst",
        "description": "<p>Build spreadsheet models and report on service data.</p>",
        "district": "Basildon",
        "employer": "",
        "salary_min": "",
        "salary_max": "",
        "date_posted": "",
        "closing_date": "",
        "sector": "IT, Digital & Creative",
    },
)


def vacancy_template_csv() -> str:
    """A CSV file of vacancies to fill in: the columns, with two example rows."""
    return file_imports.template_csv(TEMPLATE_COLUMNS, _TEMPLATE_ROWS)


def import_vacancy_file(
    session: Session,
    path: Path,
    skip_invalid: bool,
    data_dir: Path,
    name: str = "vacancies",
    get_readers: Callable[[], Readers] = file_imports.app_readers,
    max_bytes: int = UPLOAD_MAX_BYTES,
) -> file_imports.ImportOutcome:
    """Check and import a CSV or JSON Lines file of vacancies as ``skillsmatch import-vacancies``
    does: all or nothing unless ``skip_invalid``, contact details removed from the text. The
    caller commits when ``imported`` is true."""
    return file_imports.import_file(
        session,
        path,
        VACANCIES,
        check_vacancies,
        vacancy_conflicts,
        import_vacancy_rows,
        skip_invalid=skip_invalid,
        data_dir=data_dir,
        get_readers=get_readers,
        name=name,
        max_bytes=max_bytes,
    )
