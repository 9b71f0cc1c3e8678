"""What the scorer returns: scores with their named parts, and the results built on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = [
    "PathwayScore",
    "PipelineCounts",
    "ProvisionScore",
    "Recommendation",
    "Scored",
    "SkillBreakdown",
    "VacancyMatch",
]


@dataclass(frozen=True)
class Scored:
    """A score, its named contributions (they sum to ``score``) and the raw parts in [0, 1]."""

    score: float
    contributions: dict[str, float]
    values: dict[str, float]
    confidence: float
    confidence_label: Literal["low", "medium", "high"]
    n_evidence: int
    n_weak: int


@dataclass(frozen=True)
class SkillBreakdown:
    """A target's skill columns by status, essential first within each group.

    ``partly_from[i]`` is the narrower skill held (or taught) that partly covers ``partly[i]``.
    """

    have: np.ndarray
    adds: np.ndarray
    adds_second: np.ndarray
    partly: np.ndarray
    partly_from: np.ndarray
    missing: np.ndarray
    essential: frozenset[int]

    @property
    def missing_essential(self) -> np.ndarray:
        return self.missing[[int(c) in self.essential for c in self.missing]]


@dataclass(frozen=True)
class PathwayScore:
    """A course (or two) leading to a target occupation, scored and explained in numbers."""

    course: int
    offering: int
    target: int
    scored: Scored
    skills: SkillBreakdown
    coverage_now: float
    coverage_after: float
    essential_after: float
    travel: str
    level_step: int | None
    next_start: int | None
    vacancies: np.ndarray  # rows of the target's live vacancies in reach, best first
    n_vacancies: int
    second_course: int = -1
    second_offering: int = -1
    second_travel: str | None = None
    second_level_step: int | None = None


@dataclass(frozen=True)
class VacancyMatch:
    """A vacancy in reach, scored for the learner as they are now."""

    vacancy: int
    ready: bool
    scored: Scored
    skills: SkillBreakdown
    coverage: float
    essential_coverage: float
    travel: str


@dataclass(frozen=True)
class Recommendation:
    """Everything recommended for one learner, with counts for explaining empty lists."""

    pathways: list[PathwayScore]
    two_step: list[PathwayScore]
    ready_now: list[VacancyMatch]
    close: list[VacancyMatch]
    n_courses_in_reach: int
    n_targets: int
    unmatched_skills: np.ndarray  # learner skills no course teaches and no target or vacancy asks
    n_vacancies_in_reach: int = 0
    vacancies_by_sector: dict[int, int] = field(default_factory=dict)  # live, in reach


@dataclass(frozen=True)
class ProvisionScore:
    """A course supplying a vacancy's or demand's skills, in reach of where the job is."""

    course: int
    offering: int
    scored: Scored
    essential_coverage: float
    optional_coverage: float
    covered: np.ndarray
    partly: np.ndarray
    travel: str


@dataclass(frozen=True)
class PipelineCounts:
    """Per learner: ready for the target now, or matched to a course pathway leading there."""

    ready: np.ndarray
    via_course: np.ndarray
    best_course: np.ndarray
