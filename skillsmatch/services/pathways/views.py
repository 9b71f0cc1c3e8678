"""The results the pathway services return: pathways, vacancy matches, provision, pipelines.

Plain, frozen objects holding ids, names, percentages and explanations, ready for a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ml.pathway_scoring import Scored

__all__ = [
    "CourseStep",
    "LearnerPathways",
    "LearnerRef",
    "Notice",
    "Pathway",
    "PipelineResult",
    "ProvisionCourse",
    "ProvisionResult",
    "ScoreView",
    "SkillItem",
    "VacancyMatchView",
    "VacancyRef",
]


@dataclass(frozen=True)
class Notice:
    """Why a result is empty or partial, and what to do about it. ``code`` is stable."""

    code: str
    message: str


@dataclass(frozen=True)
class SkillItem:
    id: int
    label: str
    essential: bool
    via: str | None = None  # for a partly covered skill: the narrower skill that covers it


@dataclass(frozen=True)
class ScoreView:
    """A score out of 100 with its named parts, and how sure it is, in words."""

    score: int
    parts: list[tuple[str, float]]  # (plain label, contribution out of 100), largest first
    confidence: str  # "low", "medium" or "high"
    confidence_reason: str
    raw: Scored


@dataclass(frozen=True)
class CourseStep:
    course_id: int
    public_id: Any
    reference: str
    title: str
    level: int | None
    duration_months: int | None
    max_funding: int | None
    offering_id: int
    provider: str
    district: str | None
    mode: str
    travel: str
    next_start: date | None
    places: int
    level_step: int | None


@dataclass(frozen=True)
class VacancyRef:
    vacancy_id: int
    public_id: Any
    title: str
    employer: str
    district: str | None
    closing_date: date | None


@dataclass(frozen=True)
class Pathway:
    """One or two courses leading to an occupation, with what the learner has, gains and lacks."""

    courses: list[CourseStep]
    occupation_id: int
    occupation: str
    sector: str | None
    have: list[SkillItem]
    adds: list[SkillItem]
    adds_second: list[SkillItem]
    partly: list[SkillItem]
    missing: list[SkillItem]
    coverage_now: int  # % of the occupation's skills (weighted), now
    coverage_after: int  # and after the course(s)
    duration_months: int | None
    funding: int | None
    vacancies: list[VacancyRef]
    n_vacancies: int
    n_sector_vacancies: int
    score: ScoreView
    explanation: str

    @property
    def missing_essential(self) -> list[SkillItem]:
        return [s for s in self.missing if s.essential]


@dataclass(frozen=True)
class VacancyMatchView:
    vacancy: VacancyRef
    ready: bool
    travel: str
    have: list[SkillItem]
    partly: list[SkillItem]
    missing: list[SkillItem]
    coverage: int
    essential_coverage: int
    score: ScoreView
    explanation: str


@dataclass(frozen=True)
class LearnerPathways:
    """Everything SkillsMatch suggests for one learner, and notices where it cannot."""

    pathways: list[Pathway]
    two_step: list[Pathway]
    ready_now: list[VacancyMatchView]
    close: list[VacancyMatchView]
    notices: list[Notice]

    @property
    def explanation(self) -> str:
        return " ".join(n.message for n in self.notices)

    def has(self, code: str) -> bool:
        return any(n.code == code for n in self.notices)


@dataclass(frozen=True)
class ProvisionCourse:
    course: CourseStep
    essential_coverage: int  # % of the job's essential skills the course supplies
    optional_coverage: int
    covered: list[SkillItem]
    partly: list[SkillItem]
    score: ScoreView
    explanation: str


@dataclass(frozen=True)
class LearnerRef:
    """A learner who agreed to be seen by employers: for employers' eyes only."""

    learner_id: int
    public_id: Any
    name: str
    district: str | None
    status: str  # "ready now" or "on a pathway"
    course: str | None


@dataclass(frozen=True)
class PipelineResult:
    """Learners ready for a job or matched to a pathway leading there.

    The counts include everyone; ``named`` holds only learners who agreed to be visible to
    employers, kept apart so that only employers' pages show them.
    """

    ready_now: int
    on_pathway: int
    considered: int
    named: list[LearnerRef] = field(default_factory=list)
    # Learners who saved a pathway towards the job's occupation (whatever their skills now).
    saved: int = 0

    @property
    def total(self) -> int:
        return self.ready_now + self.on_pathway


@dataclass(frozen=True)
class ProvisionResult:
    """Courses in reach of a vacancy or skill demand that supply its skills, and the pipeline."""

    kind: str  # "vacancy" or "demand"
    target_id: int
    title: str
    district: str | None
    essential: list[SkillItem]
    optional: list[SkillItem]
    courses: list[ProvisionCourse]
    pipeline: PipelineResult | None  # counts only: ``named`` is always empty here
    notices: list[Notice]

    @property
    def explanation(self) -> str:
        return " ".join(n.message for n in self.notices)

    def has(self, code: str) -> bool:
        return any(n.code == code for n in self.notices)
