"""Reading courses, offerings, occupations and vacancies from the database for the index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ml.pathway_scoring import SkillSets
from skillsmatch.models import (
    Course,
    CourseOccupation,
    CourseOffering,
    CourseSkill,
    Occupation,
    OccupationSkill,
    Provider,
    Vacancy,
    VacancySkill,
)

# How sure a skill link is when nobody confirmed it: skills inferred from an occupation (rather
# than read in a course's statements or a vacancy's advert) are a guess about this course or job.
INFERRED_FROM_OCCUPATION = 0.6
MIN_STRENGTH = 0.05


@dataclass(frozen=True)
class _CourseInfo:
    id: int
    public_id: Any
    reference: str
    title: str
    level: int | None
    duration_months: int | None
    max_funding: int | None


@dataclass(frozen=True)
class _OfferingInfo:
    id: int
    course_row: int
    provider: str
    district_id: int | None
    mode: str
    start_dates: tuple[date, ...]
    places: int


@dataclass(frozen=True)
class _TargetInfo:
    id: int
    label: str
    sector_id: int | None


@dataclass(frozen=True)
class _VacancyInfo:
    id: int
    public_id: Any
    title: str
    employer: str
    district_id: int | None
    closing_date: date | None
    sector_id: int | None


def _strength(provenance: str, score: float | None) -> float:
    """How sure a skill link is: 1 when confirmed, else its linking score; skills borrowed from
    an occupation the course or job was matched to are less sure than its own statements."""
    if provenance == "confirmed":
        return 1.0
    value = min(max(score if score is not None else 0.5, MIN_STRENGTH), 1.0)
    if provenance == "esco-occupation":
        value *= INFERRED_FROM_OCCUPATION
    return float(max(value, MIN_STRENGTH))


def _read_targets(
    session: Session, skill_col: dict[int, int]
) -> tuple[list[_TargetInfo], SkillSets]:
    """Priority-sector occupations that list at least one skill."""
    rows = session.execute(
        sa.select(Occupation.id, Occupation.label, Occupation.sector_id)
        .where(Occupation.sector_id.is_not(None))
        .order_by(Occupation.id)
    ).all()
    rel: dict[int, list[tuple[int, bool]]] = {}
    for occ, skill, relation in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .join(Occupation, Occupation.id == OccupationSkill.occupation_id)
        .where(Occupation.sector_id.is_not(None))
    ):
        rel.setdefault(occ, []).append((skill_col[skill], relation == "essential"))
    targets = [_TargetInfo(i, label, sector) for i, label, sector in rows if rel.get(i)]
    sets = SkillSets.from_lists(
        [[c for c, _ in rel[t.id]] for t in targets],
        essential=[[e for _, e in rel[t.id]] for t in targets],
    )
    return targets, sets


def _read_courses(
    session: Session, skill_col: dict[int, int], target_row: dict[int, int]
) -> tuple[list[_CourseInfo], SkillSets, list[tuple[int, int, float]], list[str]]:
    courses = list(
        session.scalars(
            sa.select(Course)
            .options(selectinload(Course.skills), selectinload(Course.occupations))
            .order_by(Course.id)
        )
    )
    infos, cols, strengths, texts = [], [], [], []
    links: list[tuple[int, int, float]] = []
    for i, c in enumerate(courses):
        infos.append(
            _CourseInfo(
                c.id, c.public_id, c.reference, c.title, c.level, c.duration_months, c.max_funding
            )
        )
        skills: list[CourseSkill] = list(c.skills)
        cols.append([skill_col[s.skill_id] for s in skills])
        strengths.append([_strength(s.provenance, s.score) for s in skills])
        occupations: list[CourseOccupation] = list(c.occupations)
        for link in occupations:
            if link.occupation_id in target_row:
                links.append(
                    (
                        i,
                        target_row[link.occupation_id],
                        float(min(max(link.score, MIN_STRENGTH), 1.0)),
                    )
                )
        jobs = "; ".join((c.job_titles or [])[:8])
        texts.append(f"{c.title}. {c.overview or ''} {'Typical jobs: ' + jobs if jobs else ''}")
    return infos, SkillSets.from_lists(cols, strength=strengths), links, texts


def _read_offerings(session: Session, course_row: dict[int, int]) -> list[_OfferingInfo]:
    rows = session.execute(
        sa.select(
            CourseOffering.id,
            CourseOffering.course_id,
            Provider.name,
            CourseOffering.district_id,
            CourseOffering.mode,
            CourseOffering.start_dates,
            CourseOffering.places,
        )
        .join(Provider, Provider.id == CourseOffering.provider_id)
        .order_by(CourseOffering.id)
    ).all()
    out = []
    for oid, cid, provider, district, mode, starts, places in rows:
        dates = []
        for d in starts or []:
            try:
                dates.append(date.fromisoformat(str(d)))
            except ValueError:
                continue  # a malformed date is no start date; the offering still counts
        out.append(
            _OfferingInfo(
                oid,
                course_row[cid],
                provider,
                district,
                mode,
                tuple(sorted(dates)),
                int(places or 0),
            )
        )
    return out


def _read_vacancies(
    session: Session, skill_col: dict[int, int], target_row: dict[int, int], today: date
) -> tuple[list[_VacancyInfo], SkillSets, list[int], list[str]]:
    """Live vacancies with their skills; a vacancy whose advert gave none borrows its
    occupation's ESCO skills, marked as less sure."""
    vacancies = list(
        session.scalars(
            sa.select(Vacancy)
            .options(selectinload(Vacancy.skills))
            .where(sa.or_(Vacancy.closing_date.is_(None), Vacancy.closing_date >= today))
            .order_by(Vacancy.id)
        )
    )
    occupation_skills = _occupation_skills(
        session, {v.occupation_id for v in vacancies if not v.skills and v.occupation_id}
    )
    infos, cols, ess, strengths, texts, target = [], [], [], [], [], []
    for v in vacancies:
        infos.append(
            _VacancyInfo(
                v.id,
                v.public_id,
                v.title,
                v.employer_name,
                v.district_id,
                v.closing_date,
                v.sector_id,
            )
        )
        c, e, s = _vacancy_skill_rows(
            v.skills, occupation_skills.get(v.occupation_id or -1, []), skill_col
        )
        cols.append(c)
        ess.append(e)
        strengths.append(s)
        target.append(target_row.get(v.occupation_id or -1, -1))
        texts.append(f"{v.title}. {(v.description or '')[:1500]}")
    return infos, SkillSets.from_lists(cols, ess, strengths), target, texts


def _vacancy_skill_rows(
    skills: Sequence[VacancySkill], fallback: Sequence[tuple[int, bool]], skill_col: dict[int, int]
) -> tuple[list[int], list[bool], list[float]]:
    if skills:
        return (
            [skill_col[s.skill_id] for s in skills],
            [s.importance == "essential" for s in skills],
            [_strength(s.provenance, s.score) for s in skills],
        )
    return (
        [skill_col[s] for s, _ in fallback],
        [e for _, e in fallback],
        [INFERRED_FROM_OCCUPATION] * len(fallback),
    )


def _occupation_skills(session: Session, ids: Iterable[int]) -> dict[int, list[tuple[int, bool]]]:
    ids = list(ids)
    out: dict[int, list[tuple[int, bool]]] = {}
    if not ids:
        return out
    for occ, skill, relation in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .where(OccupationSkill.occupation_id.in_(ids))
        .order_by(OccupationSkill.skill_id)
    ):
        out.setdefault(occ, []).append((skill, relation == "essential"))
    return out
