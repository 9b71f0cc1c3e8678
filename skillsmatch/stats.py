"""Counts of what is loaded: rows per table and provision/demand per sector x district."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import Base, Course, CourseOffering, District, Sector, SkillDemand, Vacancy


def collect_stats(session: Session) -> dict[str, Any]:
    """``{"tables": {name: count}, "coverage": [...]}``, one coverage entry per sector x district.

    ``courses`` counts distinct courses with an offering located in the district; online
    offerings are in reach everywhere and are counted separately in ``online_courses``.
    """
    tables = {
        name: session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for name, table in sorted(Base.metadata.tables.items())
    }
    sectors = session.execute(
        sa.select(Sector.id, Sector.slug, Sector.name).order_by(Sector.name)
    ).all()
    districts = session.execute(
        sa.select(District.id, District.code, District.name).order_by(District.name)
    ).all()

    def counts(stmt: sa.Select[Any]) -> dict[tuple[int, int], int]:
        return {(s, d): n for s, d, n in session.execute(stmt)}

    courses = counts(
        sa.select(
            Course.sector_id, CourseOffering.district_id, sa.func.count(sa.distinct(Course.id))
        )
        .join(CourseOffering.course)
        .group_by(Course.sector_id, CourseOffering.district_id)
    )
    vacancies = counts(
        sa.select(Vacancy.sector_id, Vacancy.district_id, sa.func.count()).group_by(
            Vacancy.sector_id, Vacancy.district_id
        )
    )
    demands = counts(
        sa.select(SkillDemand.sector_id, SkillDemand.district_id, sa.func.count()).group_by(
            SkillDemand.sector_id, SkillDemand.district_id
        )
    )
    online = dict(
        session.execute(
            sa.select(Course.sector_id, sa.func.count(sa.distinct(Course.id)))
            .join(CourseOffering.course)
            .where(CourseOffering.district_id.is_(None))
            .group_by(Course.sector_id)
        ).all()
    )
    coverage = [
        {
            "sector": s_name,
            "sector_slug": slug,
            "district": d_code,
            "district_name": d_name,
            "courses": courses.get((s_id, d_id), 0),
            "online_courses": online.get(s_id, 0),
            "vacancies": vacancies.get((s_id, d_id), 0),
            "demands": demands.get((s_id, d_id), 0),
        }
        for s_id, slug, s_name in sectors
        for d_id, d_code, d_name in districts
    ]
    return {"tables": tables, "coverage": coverage}


def format_stats(stats: dict[str, Any]) -> str:
    """The same figures as plain-text tables."""
    lines = ["Rows per table:"]
    lines += [f"  {name:<22} {count:>8}" for name, count in stats["tables"].items()]
    lines += ["", "Courses / vacancies / demands per sector x district:"]
    lines.append(
        f"  {'sector':<38} {'district':<18} {'courses':>7} {'vacancies':>9} {'demands':>7}"
    )
    for cell in stats["coverage"]:
        lines.append(
            f"  {cell['sector']:<38} {cell['district_name']:<18} "
            f"{cell['courses']:>7} {cell['vacancies']:>9} {cell['demands']:>7}"
        )
    return "\n".join(lines)
