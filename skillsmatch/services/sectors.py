"""The seven priority sectors as the public sees them: what defines each and what it holds."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.config import DATA_DIR
from skillsmatch.models import Course, Sector, SectorCode, SocUnitGroup, Vacancy


@dataclass(frozen=True)
class Code:
    code: str
    title: str


@dataclass(frozen=True)
class SectorOverview:
    slug: str
    name: str
    routes: list[str]
    sic2007: list[Code]
    soc2020: list[Code]
    courses: int
    vacancies: int


@lru_cache(maxsize=4)
def sic_headings(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """SIC 2007 code (division, group, class or subclass) -> its ONS description."""
    headings: dict[str, str] = {}
    path = data_dir / "ons-sic2007" / "sic2007_structure.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            level = (row.get("Level headings") or "").strip()
            column = {
                "Division": "Division",
                "Group": "Group",
                "Class": "Class",
                "Sub Class": "Sub Class",
            }.get(level)
            if column and (code := (row.get(column) or "").strip()) not in ("", "na"):
                headings[code] = (row.get("Description") or "").strip()
    return headings


def sector_overviews(session: Session, data_dir: Path = DATA_DIR) -> list[SectorOverview]:
    """Every priority sector with its defining codes and its courses and vacancies, counted."""
    codes: dict[int, dict[str, list[str]]] = {}
    for sector_id, scheme, code in session.execute(
        sa.select(SectorCode.sector_id, SectorCode.scheme, SectorCode.code).order_by(
            SectorCode.code
        )
    ):
        codes.setdefault(sector_id, {}).setdefault(scheme, []).append(code)
    soc_titles = dict(session.execute(sa.select(SocUnitGroup.code, SocUnitGroup.title)).all())
    sic_titles = sic_headings(data_dir)
    courses = dict(
        session.execute(
            sa.select(Course.sector_id, sa.func.count()).group_by(Course.sector_id)
        ).all()
    )
    vacancies = dict(
        session.execute(
            sa.select(Vacancy.sector_id, sa.func.count()).group_by(Vacancy.sector_id)
        ).all()
    )
    overviews = []
    for sector in session.scalars(sa.select(Sector).order_by(Sector.name)):
        mine = codes.get(sector.id, {})
        overviews.append(
            SectorOverview(
                slug=sector.slug,
                name=sector.name,
                routes=sorted(mine.get("route", [])),
                sic2007=[Code(c, sic_titles.get(c, "")) for c in mine.get("sic2007", [])],
                soc2020=[Code(c, soc_titles.get(c, "")) for c in mine.get("soc2020", [])],
                courses=courses.get(sector.id, 0),
                vacancies=vacancies.get(sector.id, 0),
            )
        )
    return overviews
