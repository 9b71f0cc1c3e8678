"""The learner pipeline of a job, and how many learners saved a pathway towards an occupation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ml.pathway_scoring import SkillSets
from skillsmatch.models import Learner, LearnerSkill, SavedPathway, SkillDemand, Vacancy
from skillsmatch.services.pathways.index import PathwayIndex
from skillsmatch.services.pathways.jobs import (
    _Job,
    _job_from_demand,
    _job_from_vacancy,
    _job_requirement,
)
from skillsmatch.services.pathways.views import LearnerRef, PipelineResult

__all__ = ["learner_pipeline", "saved_pathway_counts"]


def learner_pipeline(
    index: PathwayIndex,
    session: Session,
    target: Vacancy | SkillDemand,
    today: date | None = None,
) -> PipelineResult:
    """Learners ready for a vacancy or demand now or on a pathway to it, with the names of
    those who agreed to be visible to employers (for employers' pages only)."""
    job = (
        _job_from_vacancy(session, target, None)
        if isinstance(target, Vacancy)
        else _job_from_demand(session, target)
    )
    req, _ = _job_requirement(index, job)
    return _pipeline(index, session, job, req, today or date.today(), named=True)


def _pipeline(
    index: PathwayIndex, session: Session, job: _Job, req: SkillSets, today: date, named: bool
) -> PipelineResult:
    """Learners interested in the job's sector (or in none chosen), who can reach its location,
    with confirmed skills: ready now, or a course in their reach gets them there."""
    saved = (
        saved_pathway_counts(session, [job.occupation_id]).get(job.occupation_id, 0)
        if job.occupation_id is not None
        else 0
    )
    if not len(req.row(0)[0]):
        return PipelineResult(0, 0, 0, saved=saved)
    learners = list(
        session.scalars(
            sa.select(Learner)
            .options(
                selectinload(Learner.skills),
                selectinload(Learner.sectors),
                selectinload(Learner.user),
            )
            .where(Learner.skills.any(LearnerSkill.confirmed.is_(True)))
            .order_by(Learner.id)
        )
    )
    job_home = job.district_id if job.district_id in index.partition else None
    chosen = []
    for learner in learners:
        sectors = {s.id for s in learner.sectors}
        if sectors and job.sector_id is not None and job.sector_id not in sectors:
            continue
        # The learner must be able to get to the job: the same rule as for courses.
        if index.reach.travel(learner.district_id, job_home) is None:
            continue
        chosen.append(learner)
    if not chosen:
        return PipelineResult(0, 0, 0, saved=saved)
    sets = SkillSets.from_lists(
        [
            [
                index.skill_col[s.skill_id]
                for s in lr.skills
                if s.confirmed and s.skill_id in index.skill_col
            ]
            for lr in chosen
        ]
    )
    counts = index.scorer.pipeline(
        req,
        sets,
        np.array([index.home_partition(lr.district_id) for lr in chosen], dtype=np.int64),
        np.array([lr.level if lr.level is not None else -1 for lr in chosen], dtype=np.int64),
        index.travel_table(),
        today.toordinal(),
    )
    people: list[LearnerRef] = []
    if named:
        for i, lr in enumerate(chosen):
            if not lr.visible_to_employers or not (counts.ready[i] or counts.via_course[i]):
                continue
            course = (
                index.courses[int(counts.best_course[i])].title
                if counts.best_course[i] >= 0
                else None
            )
            people.append(
                LearnerRef(
                    lr.id,
                    lr.public_id,
                    (lr.user.display_name if lr.user else "") or "A learner",
                    index.district_name.get(lr.district_id) if lr.district_id else None,
                    "ready now" if counts.ready[i] else "on a pathway",
                    course,
                )
            )
    return PipelineResult(
        ready_now=int(counts.ready.sum()),
        on_pathway=int((counts.via_course & ~counts.ready).sum()),
        considered=len(chosen),
        named=people,
        saved=saved,
    )


def saved_pathway_counts(
    session: Session, occupation_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Occupation id -> how many learners saved a pathway towards it (counts only)."""
    query = sa.select(
        SavedPathway.occupation_id, sa.func.count(sa.distinct(SavedPathway.learner_id))
    ).group_by(SavedPathway.occupation_id)
    if occupation_ids is not None:
        ids = list(set(occupation_ids))
        if not ids:
            return {}
        query = query.where(SavedPathway.occupation_id.in_(ids))
    return {oid: int(n) for oid, n in session.execute(query)}
