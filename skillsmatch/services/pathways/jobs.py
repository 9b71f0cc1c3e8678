"""A vacancy or an employer's skill demand as a job to supply: its skills, place and text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ml.pathway_scoring import SkillSets
from skillsmatch.models import SkillDemand, Vacancy
from skillsmatch.services.pathways.index import PathwayIndex
from skillsmatch.services.pathways.readers import (
    INFERRED_FROM_OCCUPATION,
    _occupation_skills,
    _strength,
)


@dataclass(frozen=True)
class _Job:
    kind: str
    id: int
    title: str
    district_id: int | None
    sector_id: int | None
    occupation_id: int | None
    skills: list[tuple[int, bool, float]]  # skill id, essential, strength
    text: str
    skills_from: str  # "stated", "occupation", "text" or "none"


SkillExtractor = Callable[[str], Sequence[tuple[int, float]]]


def _job_from_vacancy(session: Session, vacancy: Vacancy, extract: SkillExtractor | None) -> _Job:
    skills: list[tuple[int, bool, float]] = [
        (s.skill_id, s.importance == "essential", _strength(s.provenance, s.score))
        for s in vacancy.skills
    ]
    source = "stated"
    if not skills and vacancy.occupation_id:
        skills = [
            (sid, ess, INFERRED_FROM_OCCUPATION)
            for sid, ess in _occupation_skills(session, [vacancy.occupation_id]).get(
                vacancy.occupation_id, []
            )
        ]
        source = "occupation"
    text = f"{vacancy.title}. {vacancy.description or ''}".strip()
    if not skills and extract is not None:
        skills = [(sid, True, _strength("advert", score)) for sid, score in extract(text)]
        source = "text"
    return _Job(
        "vacancy",
        vacancy.id,
        vacancy.title,
        vacancy.district_id,
        vacancy.sector_id,
        vacancy.occupation_id,
        skills,
        text,
        source if skills else "none",
    )


def _job_from_demand(session: Session, demand: SkillDemand) -> _Job:
    skills = [(s.skill_id, s.importance == "essential", 1.0) for s in demand.skills]
    source = "stated"
    if not skills and demand.occupation_id:
        skills = [
            (sid, ess, INFERRED_FROM_OCCUPATION)
            for sid, ess in _occupation_skills(session, [demand.occupation_id]).get(
                demand.occupation_id, []
            )
        ]
        source = "occupation"
    return _Job(
        "demand",
        demand.id,
        demand.title,
        demand.district_id,
        demand.sector_id,
        demand.occupation_id,
        skills,
        demand.title,
        source if skills else "none",
    )


def _job_requirement(index: PathwayIndex, job: _Job) -> tuple[SkillSets, list[int]]:
    known = [(index.skill_col[s], e, st) for s, e, st in job.skills if s in index.skill_col]
    unknown = [s for s, _, _ in job.skills if s not in index.skill_col]
    req = SkillSets.from_lists(
        [[c for c, _, _ in known]], [[e for _, e, _ in known]], [[st for _, _, st in known]]
    )
    return req, unknown
