"""Vacancy or skill demand -> the courses in reach that supply its skills."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from ml.pathway_scoring import ProvisionScore
from skillsmatch.models import SkillDemand, Vacancy
from skillsmatch.services.pathways.explanations import (
    GREATER_ESSEX,
    _course_words,
    _names,
    _score_view,
    _score_words,
)
from skillsmatch.services.pathways.index import PathwayIndex, _dimension
from skillsmatch.services.pathways.jobs import (
    SkillExtractor,
    _Job,
    _job_from_demand,
    _job_from_vacancy,
    _job_requirement,
)
from skillsmatch.services.pathways.pipeline import _pipeline
from skillsmatch.services.pathways.views import Notice, ProvisionCourse, ProvisionResult

__all__ = ["provision_for_demand", "provision_for_vacancy"]


def provision_for_vacancy(
    index: PathwayIndex,
    session: Session,
    vacancy: Vacancy,
    extract: SkillExtractor | None = None,
    today: date | None = None,
    with_pipeline: bool = True,
) -> ProvisionResult:
    """Courses in reach of a vacancy's location that supply its skills, ranked, with coverage
    of its essential and optional skills in %, and how many learners are heading there.

    ``extract`` (text -> [(skill id, score)]) is tried on the advert when the vacancy has no
    stated skills and no occupation to borrow them from.
    """
    return _provision(
        index, session, _job_from_vacancy(session, vacancy, extract), today, with_pipeline
    )


def provision_for_demand(
    index: PathwayIndex,
    session: Session,
    demand: SkillDemand,
    today: date | None = None,
    with_pipeline: bool = True,
) -> ProvisionResult:
    """As ``provision_for_vacancy``, for an employer's skill demand."""
    return _provision(index, session, _job_from_demand(session, demand), today, with_pipeline)


def _provision(
    index: PathwayIndex, session: Session, job: _Job, today: date | None, with_pipeline: bool
) -> ProvisionResult:
    today = today or date.today()
    notices: list[Notice] = []
    req, _ = _job_requirement(index, job)
    cols, ess, _ = req.row(0)
    essential_cols = frozenset(int(c) for c in cols[ess])
    essential = [index.item(int(c), True) for c in cols[ess]]
    optional = [index.item(int(c), False) for c in cols[~ess]]
    district = index.district_name.get(job.district_id) if job.district_id else None
    if job.district_id is not None and job.district_id not in index.partition:
        notices.append(
            Notice(
                "district-outside-area",
                f"This {job.kind} is not located in {GREATER_ESSEX}, so only online courses are "
                "considered.",
            )
        )
    elif job.district_id is None:
        notices.append(
            Notice(
                f"{job.kind}-no-district",
                f"This {job.kind} has no location, so only online courses are considered.",
            )
        )
    if not len(cols):
        notices.append(
            Notice(
                "no-skills-in-" + job.kind,
                f"No skills could be found for this {job.kind} ('{job.title}'): it states none, "
                "it is linked to no occupation to borrow them from"
                + (", and none were recognised in its text" if job.kind == "vacancy" else "")
                + ". Add the skills it needs to see which courses supply them.",
            )
        )
        return ProvisionResult(job.kind, job.id, job.title, district, [], [], [], None, notices)
    if job.skills_from == "occupation":
        notices.append(
            Notice(
                "skills-from-occupation",
                f"This {job.kind} states no skills, so those of its occupation are used.",
            )
        )
    elif job.skills_from == "text":
        notices.append(
            Notice(
                "skills-from-text",
                "This vacancy states no skills, so those recognised in its advert text are used.",
            )
        )
    home = job.district_id if job.district_id in index.partition else None
    travel = index.travel_from(home)
    vector = _dimension_zero(index) if not job.text.strip() else index.embed(job.text)
    found = index.scorer.provision(req, vector, travel)
    training = index.courses_training_for(job.title)
    if training is not None:
        # Supplying some of a job's skills is not training for it: keep the courses the title
        # matcher says lead to this job, most relevant first.
        found = sorted(
            (p for p in found if p.course in training), key=lambda p: -training[p.course]
        )
        if not training:
            notices.append(
                Notice(
                    "no-course-trains",
                    f"No course in the catalogue trains for '{job.title}'.",
                )
            )
        elif not found:
            names = sorted({index.courses[c].title for c in training})
            notices.append(
                Notice(
                    "training-out-of-reach",
                    f"Courses that train for '{job.title}' ({', '.join(names[:3])}"
                    + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                    + f") have no offering in reach of {district or 'this location'}.",
                )
            )
    courses = [_provision_view(index, p, essential_cols, today) for p in found]
    if not courses and training is None:
        notices.append(
            Notice(
                "no-provision",
                f"No course in reach of {district or 'this location'} supplies any of the "
                f"{len(cols)} skills this {job.kind} asks for: a gap in provision.",
            )
        )
    pipeline = _pipeline(index, session, job, req, today, named=False) if with_pipeline else None
    return ProvisionResult(
        job.kind, job.id, job.title, district, essential, optional, courses, pipeline, notices
    )


def _dimension_zero(index: PathwayIndex) -> np.ndarray:
    return np.zeros(_dimension(index.encoder), dtype=np.float32)


def _provision_view(
    index: PathwayIndex, p: ProvisionScore, essential: frozenset[int], today: date
) -> ProvisionCourse:
    step = index.course_step(p.course, p.offering, None, p.travel, today)
    covered = index.items(p.covered, essential)
    partly = index.items(p.partly, essential)
    score = _score_view(p.scored)
    ess_pct = round(100 * p.essential_coverage)
    opt_pct = round(100 * p.optional_coverage)
    text = (
        f"{_course_words(step)} supplies {ess_pct}% of the essential skills and {opt_pct}% of "
        f"the optional ones"
        + (f": {_names(covered)}" if covered else "")
        + "."
        + (f" Partly: {_names(partly, 3)}." if partly else "")
        + " "
        + _score_words(score)
    )
    return ProvisionCourse(step, ess_pct, opt_pct, covered, partly, score, text)
