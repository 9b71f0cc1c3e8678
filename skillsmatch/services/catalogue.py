"""The public course catalogue: search with filters and pages, and one course in detail."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.loaders.standards import has_supplied_job_titles
from skillsmatch.models import Course, CourseOffering, CourseSkill, District, Sector
from skillsmatch.services.reach import ReachMap

PER_PAGE = 20
LEVELS = tuple(range(2, 8))
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class CourseFilters:
    """What a searcher asked for; empty values mean "any"."""

    text: str = ""
    sector: str | None = None  # a sector slug
    district: str | None = None  # a district code: offerings in reach of it (or online)
    level: int | None = None


@dataclass(frozen=True)
class CourseHit:
    public_id: uuid.UUID
    title: str
    level: int | None
    sector_name: str | None
    offerings: int
    demo_offerings: int


@dataclass(frozen=True)
class CoursePage:
    hits: list[CourseHit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def shows_demo(self) -> bool:
        return any(h.demo_offerings for h in self.hits)


@dataclass(frozen=True)
class OfferingRow:
    provider: str
    district: str  # "Online" for online delivery
    mode: str
    start_dates: list[str]
    places: int
    is_demo: bool


@dataclass(frozen=True)
class SkillRow:
    label: str
    skill_type: str
    provenance: str
    score: float


@dataclass(frozen=True)
class CourseDetail:
    course: Course
    sector_name: str | None
    skills: list[SkillRow]
    offerings: list[OfferingRow]
    # The job titles are SkillsMatch's, not the standard's own (it lists none).
    job_titles_supplied: bool = False

    @property
    def shows_demo(self) -> bool:
        return self.course.is_demo or any(o.is_demo for o in self.offerings)


def _offering_filter(session: Session, district_code: str | None) -> sa.ColumnElement[bool]:
    """Offerings in reach of the district: there, next door or online (one definition, reach)."""
    if district_code is None:
        return sa.true()
    district_id = session.scalar(sa.select(District.id).where(District.code == district_code))
    if district_id is None:
        return sa.false()
    in_reach = ReachMap.load(session).districts_in_reach(district_id)
    return sa.or_(CourseOffering.district_id.in_(in_reach), CourseOffering.district_id.is_(None))


def search_courses(
    session: Session, filters: CourseFilters, page: int = 1, per_page: int = PER_PAGE
) -> CoursePage:
    """One page of courses matching every filter, by title."""
    if page < 1:
        raise ValueError(f"page must be 1 or more, not {page}")
    conditions: list[sa.ColumnElement[bool]] = []
    text = " ".join(filters.text.split())[:MAX_QUERY_LENGTH]
    for word in text.split():
        conditions.append(Course.title.icontains(word, autoescape=True))
    if filters.sector:
        conditions.append(
            Course.sector_id.in_(sa.select(Sector.id).where(Sector.slug == filters.sector))
        )
    if filters.level is not None:
        conditions.append(Course.level == filters.level)
    offering_ok = _offering_filter(session, filters.district)
    if filters.district:
        conditions.append(Course.id.in_(sa.select(CourseOffering.course_id).where(offering_ok)))
    total = session.scalar(sa.select(sa.func.count()).select_from(Course).where(*conditions)) or 0
    rows = session.execute(
        sa.select(Course.id, Course.public_id, Course.title, Course.level, Sector.name)
        .outerjoin(Sector, Course.sector_id == Sector.id)
        .where(*conditions)
        .order_by(Course.title, Course.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    counts: dict[int, tuple[int, int]] = {}
    if rows:
        for course_id, n, demo in session.execute(
            sa.select(
                CourseOffering.course_id,
                sa.func.count(),
                sa.func.sum(sa.case((CourseOffering.is_demo, 1), else_=0)),
            )
            .where(CourseOffering.course_id.in_([r.id for r in rows]), offering_ok)
            .group_by(CourseOffering.course_id)
        ):
            counts[course_id] = (n, int(demo or 0))
    hits = [
        CourseHit(r.public_id, r.title, r.level, r.name, *counts.get(r.id, (0, 0))) for r in rows
    ]
    return CoursePage(hits, total, page, per_page)


def course_detail(session: Session, public_id: uuid.UUID) -> CourseDetail | None:
    """A course with its skills (most certain first) and where it runs; None if unknown."""
    course = session.scalar(
        sa.select(Course)
        .where(Course.public_id == public_id)
        .options(
            selectinload(Course.sector),
            selectinload(Course.skills).selectinload(CourseSkill.skill),
            selectinload(Course.offerings).selectinload(CourseOffering.provider),
            selectinload(Course.offerings).selectinload(CourseOffering.district),
        )
    )
    if course is None:
        return None
    skills = sorted(
        (SkillRow(s.skill.label, s.skill.skill_type, s.provenance, s.score) for s in course.skills),
        key=lambda s: (-s.score, s.label),
    )
    offerings = sorted(
        (
            OfferingRow(
                provider=o.provider.name,
                district=o.district.name if o.district else "Online",
                mode=o.mode,
                start_dates=list(o.start_dates),
                places=o.places,
                is_demo=o.is_demo or o.provider.is_demo,
            )
            for o in course.offerings
        ),
        key=lambda o: (o.district == "Online", o.district, o.provider),
    )
    supplied = has_supplied_job_titles(course.kind, course.reference, course.job_titles)
    sector_name = course.sector.name if course.sector else None
    return CourseDetail(course, sector_name, skills, offerings, supplied)


def sector_choices(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of every priority sector, by name."""
    return [
        (r.slug, r.name)
        for r in session.execute(sa.select(Sector.slug, Sector.name).order_by(Sector.name))
    ]


def district_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every district, by name."""
    return [
        (r.code, r.name)
        for r in session.execute(sa.select(District.code, District.name).order_by(District.name))
    ]
