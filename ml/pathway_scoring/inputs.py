"""What the scorer reads: the catalogue it is fitted on and one learner's query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ml.pathway_scoring.skill_sets import SkillSets

__all__ = ["Catalogue", "LearnerQuery"]


@dataclass(frozen=True)
class Catalogue:
    """Courses, offerings, target occupations and vacancies as arrays.

    Vectors are unit-length float32 rows (a zero row when there is no text). Levels are -1 when
    unknown. ``offering_starts`` holds each offering's start dates as day numbers
    (``date.toordinal()``), padded with -1. ``course_targets[k, t]`` in (0, 1] marks target
    occupations a course is listed as leading to, with how sure that listing is.
    """

    n_skills: int
    n_partitions: int
    broader: np.ndarray  # (n_pairs, 2): narrower column, broader column
    course_vectors: np.ndarray
    course_skills: SkillSets
    course_level: np.ndarray
    course_targets: sp.csr_matrix
    offering_course: np.ndarray
    offering_partition: np.ndarray
    offering_places: np.ndarray
    offering_starts: np.ndarray
    target_vectors: np.ndarray
    target_skills: SkillSets
    target_sector: np.ndarray
    vacancy_vectors: np.ndarray
    vacancy_skills: SkillSets
    vacancy_partition: np.ndarray
    vacancy_target: np.ndarray
    vacancy_sector: np.ndarray
    vacancy_closing: np.ndarray  # day number of the closing date; a very large value when open

    def __post_init__(self) -> None:
        k, t, v = len(self.course_vectors), len(self.target_vectors), len(self.vacancy_vectors)
        checks = {
            "course_skills rows": (self.course_skills.n_rows, k),
            "course_level": (len(self.course_level), k),
            "course_targets shape": (self.course_targets.shape, (k, t)),
            "target_skills rows": (self.target_skills.n_rows, t),
            "target_sector": (len(self.target_sector), t),
            "vacancy_skills rows": (self.vacancy_skills.n_rows, v),
            "vacancy_partition": (len(self.vacancy_partition), v),
            "vacancy_target": (len(self.vacancy_target), v),
            "vacancy_sector": (len(self.vacancy_sector), v),
            "vacancy_closing": (len(self.vacancy_closing), v),
            "offering arrays": (
                {
                    len(self.offering_partition),
                    len(self.offering_places),
                    len(self.offering_starts),
                },
                {len(self.offering_course)},
            ),
        }
        for name, (got, want) in checks.items():
            if got != want:
                raise ValueError(f"{name} is {got}, expected {want}")
        for name, part in (
            ("offering", self.offering_partition),
            ("vacancy", self.vacancy_partition),
        ):
            if len(part) and (part.min() < 0 or part.max() > self.n_partitions):
                raise ValueError(f"{name} partitions must be in 0..{self.n_partitions}")
        if len(self.offering_course) and (
            self.offering_course.min() < 0 or self.offering_course.max() >= k
        ):
            raise ValueError("offering_course must name course rows")


@dataclass(frozen=True)
class LearnerQuery:
    """One learner: profile vector, skills held, level, sectors of interest and reach.

    ``travel[p]`` says how partition ``p`` is reached from home (a key of ``travel_factors``)
    or None when it is out of reach; its length is ``n_partitions + 1``. ``today`` is a day
    number. An empty ``sectors`` means any sector.
    """

    vector: np.ndarray
    skills: np.ndarray
    strength: np.ndarray
    level: int | None
    sectors: frozenset[int]
    travel: Sequence[str | None]
    today: int
