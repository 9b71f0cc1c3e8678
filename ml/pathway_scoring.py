"""Hybrid pathway scoring: learner -> course -> occupation (and its vacancies), vacancy -> courses.

Everything here works on integer positions and arrays, never on the database: skills are columns
``0..n_skills-1``; courses, course offerings, target occupations and vacancies are row numbers;
districts are partitions ``0..n_partitions-1``, and partition ``n_partitions`` stands for "online,
or no district given". The caller maps its ids to these and back and, for each query, says how
every partition is reached from home (``"same district"``, ``"neighbouring district"``,
``"online"`` or None), so that travel has a single definition outside this module.

A score is a weighted sum of named parts, each in [0, 1], with weights summing to 1, so every
score decomposes into contributions a person can read. Parts:

* skills: weighted coverage of the target's skills (essential weigh more than optional); a skill
  held counts 1, a narrower skill of a required one counts ``narrower_credit`` per level of the
  ESCO hierarchy between them;
* gain: the coverage a course adds;
* relevance: how directly a course leads to the target (its listed occupations, else embedding
  similarity between course and target);
* interest: embedding similarity between the learner's profile and the target;
* practical: travel x level step x how soon the course starts (after hard limits: out of reach,
  no places, too big a level step);
* jobs: live vacancies for the target within the learner's reach.

Each score also carries a confidence: ``1 - exp(-evidence / confidence_scale)`` where evidence
sums, over the target skills matched, the strength of the links behind them (a confirmed skill
counts 1, a skill linked from text counts its linking score), so a match resting on a handful of
weakly linked skills says so.

The default weights below are chosen by hand, not tuned: there is no labelled set of good and bad
learner pathways to tune them on. They put most weight on skills (what a person can show),
then on practicality and relevance, and least on embedding similarity, which is the least
explainable part.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ml.vector_index import PartitionedVectorIndex, top_k

__all__ = [
    "DIRECT_WEIGHTS",
    "LEVEL_FACTORS",
    "PATHWAY_WEIGHTS",
    "PROVISION_WEIGHTS",
    "TRAVEL_FACTORS",
    "Catalogue",
    "LearnerQuery",
    "PathwayScore",
    "PathwayScorer",
    "PipelineCounts",
    "ProvisionScore",
    "Recommendation",
    "Scored",
    "SkillBreakdown",
    "SkillSets",
    "VacancyMatch",
    "expand_credit",
    "hierarchy_credit",
]

# Course -> target pathways. Skills first: a pathway is worth most when it leaves the person
# able to show the skills the job asks for. The learner's own profile (interest) weighs enough to
# choose among the many occupations a broad course covers almost equally.
PATHWAY_WEIGHTS: Mapping[str, float] = {
    "skills": 0.30,
    "gain": 0.10,
    "relevance": 0.15,
    "interest": 0.20,
    "practical": 0.15,
    "jobs": 0.10,
}
# Learner -> vacancy now: readiness dominates, a job in the person's sectors is preferred.
DIRECT_WEIGHTS: Mapping[str, float] = {
    "skills": 0.55,
    "interest": 0.20,
    "sector": 0.10,
    "travel": 0.15,
}
# Vacancy or skill demand -> courses: essential skills supplied dominate.
PROVISION_WEIGHTS: Mapping[str, float] = {
    "essential": 0.50,
    "optional": 0.15,
    "relevance": 0.20,
    "travel": 0.15,
}
# A neighbouring district is a longer journey; online suits many but not all.
TRAVEL_FACTORS: Mapping[str, float] = {
    "same district": 1.0,
    "neighbouring district": 0.8,
    "online": 0.9,
}
# Course level minus the learner's level. Steps above the largest listed are out of bounds:
# jumping three levels at once is not a realistic next step.
LEVEL_FACTORS: Mapping[str, float] = {
    "below": 0.7,
    "0": 1.0,
    "1": 1.0,
    "2": 0.5,
    "unknown": 0.9,
}

_NO_DATE = np.iinfo(np.int64).max


# --------------------------------------------------------------------------------------------
# Skill sets and the hierarchy


@dataclass(frozen=True)
class SkillSets:
    """Skills of many rows in CSR layout: row ``i`` holds ``indices[indptr[i]:indptr[i + 1]]``.

    ``essential`` flags required skills (False: optional) and ``strength`` in (0, 1] says how
    sure the link is (1 for a confirmed skill). Columns are sorted and unique within a row.
    """

    indptr: np.ndarray
    indices: np.ndarray
    essential: np.ndarray
    strength: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def from_lists(
        cls,
        skills: Sequence[Sequence[int]],
        essential: Sequence[Sequence[bool]] | None = None,
        strength: Sequence[Sequence[float]] | None = None,
    ) -> SkillSets:
        """Build from one list of columns per row (and matching flags and strengths)."""
        lengths = np.fromiter((len(s) for s in skills), dtype=np.int64, count=len(skills))
        total = int(lengths.sum())
        cols = np.fromiter(itertools.chain.from_iterable(skills), dtype=np.int64, count=total)
        ess = (
            np.ones(total, dtype=bool)
            if essential is None
            else np.fromiter(itertools.chain.from_iterable(essential), dtype=bool, count=total)
        )
        st = (
            np.ones(total, dtype=np.float32)
            if strength is None
            else np.fromiter(itertools.chain.from_iterable(strength), dtype=np.float32, count=total)
        )
        rows = np.repeat(np.arange(len(skills)), lengths)
        return cls.from_coo(len(skills), rows, cols, ess, st)

    @classmethod
    def from_coo(
        cls,
        n_rows: int,
        rows: np.ndarray,
        cols: np.ndarray,
        essential: np.ndarray | None = None,
        strength: np.ndarray | None = None,
    ) -> SkillSets:
        """Build from parallel arrays; a repeated (row, column) keeps any essential flag and the
        strongest link."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        n = len(rows)
        if len(cols) != n:
            raise ValueError("rows and cols must have the same length")
        ess = np.ones(n, dtype=bool) if essential is None else np.asarray(essential, dtype=bool)
        st = (
            np.ones(n, dtype=np.float32)
            if strength is None
            else np.asarray(strength, dtype=np.float32)
        )
        if n and (cols.min() < 0 or rows.min() < 0 or rows.max() >= n_rows):
            raise ValueError("skill columns and row numbers must be non-negative and in range")
        if n and not np.all((st > 0) & (st <= 1)):
            raise ValueError("link strengths must be in (0, 1]")
        width = int(cols.max()) + 1 if n else 1
        key = rows * width + cols
        order = np.argsort(key, kind="stable")
        key = key[order]
        uniq, first = np.unique(key, return_index=True)
        if len(uniq) < n:
            ess_u = np.logical_or.reduceat(ess[order], first) if n else ess
            st_u = np.maximum.reduceat(st[order], first) if n else st
        else:
            ess_u, st_u = ess[order], st[order]
        r = uniq // width
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
        return cls(indptr, (uniq % width).astype(np.int32), ess_u, st_u.astype(np.float32))

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Columns, essential flags and strengths of row ``i``."""
        s, e = self.indptr[i], self.indptr[i + 1]
        return self.indices[s:e], self.essential[s:e], self.strength[s:e]

    def take(self, rows: np.ndarray) -> SkillSets:
        """The given rows, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.indptr[rows + 1] - self.indptr[rows]
        pos = _gather_positions(self.indptr[rows], lengths)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return SkillSets(indptr, self.indices[pos], self.essential[pos], self.strength[pos])

    def matrix(self, values: np.ndarray, n_cols: int) -> sp.csr_matrix:
        """A CSR matrix with this pattern and ``values`` (one per stored skill)."""
        if len(self.indices) and int(self.indices.max()) >= n_cols:
            raise ValueError(f"skill column {int(self.indices.max())} is outside 0..{n_cols - 1}")
        # Copies: scipy may compact a matrix's index arrays in place (eliminate_zeros).
        return sp.csr_matrix(
            (np.asarray(values, dtype=np.float32), self.indices.copy(), self.indptr.copy()),
            shape=(self.n_rows, n_cols),
        )


def _gather_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for each start and length, without a loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total)


def hierarchy_credit(
    n_skills: int,
    narrower: np.ndarray,
    broader: np.ndarray,
    narrower_credit: float = 0.5,
    max_depth: int = 2,
) -> sp.csr_matrix:
    """Credit that holding skill ``s`` gives towards a requirement for skill ``a``: ``E[s, a]``.

    1 on the diagonal; ``narrower_credit ** d`` when ``a`` is ``d <= max_depth`` levels above
    ``s`` in the hierarchy (a narrower skill partly covers a broader one, less the further apart).

    Parameters
    ----------
    n_skills : int
        Number of skill columns.
    narrower, broader : ndarray of int
        Pairs of columns: ``broader[i]`` is a direct parent of ``narrower[i]``.
    narrower_credit : float, default=0.5
        Credit per level, in [0, 1].
    max_depth : int, default=2
        Levels followed upwards.

    Returns
    -------
    credit : scipy.sparse.csr_matrix of shape (n_skills, n_skills), float32
    """
    if not 0.0 <= narrower_credit <= 1.0:
        raise ValueError("narrower_credit must be in [0, 1]")
    narrower = np.asarray(narrower, dtype=np.int64)
    broader = np.asarray(broader, dtype=np.int64)
    if len(narrower) != len(broader):
        raise ValueError("narrower and broader must be pairs of the same length")
    if len(narrower) and (
        min(narrower.min(), broader.min()) < 0 or max(narrower.max(), broader.max()) >= n_skills
    ):
        raise ValueError("hierarchy columns must be in 0..n_skills-1")
    parents: dict[int, list[int]] = {}
    for child, parent in zip(narrower.tolist(), broader.tolist(), strict=True):
        if child != parent:
            parents.setdefault(child, []).append(parent)
    rows = list(range(n_skills))
    cols = list(range(n_skills))
    vals = [1.0] * n_skills
    if narrower_credit > 0:
        for skill, direct in parents.items():
            seen = {skill}
            frontier = set(direct)
            credit = 1.0
            for _ in range(max_depth):
                credit *= narrower_credit
                frontier -= seen
                if not frontier:
                    break
                for ancestor in sorted(frontier):
                    rows.append(skill)
                    cols.append(ancestor)
                    vals.append(credit)
                seen |= frontier
                frontier = {p for f in frontier for p in parents.get(f, ())}
    return sp.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n_skills, n_skills)
    )


def expand_credit(sets: SkillSets, credit: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """What each row's skills cover, through the hierarchy: ``(coverage, evidence)``.

    ``coverage[r, a] = max_s credit[s, a]`` over the row's skills ``s``, and ``evidence`` the
    same with each term multiplied by the strength of the link to ``s``.
    """
    n_skills = credit.shape[0]
    if len(sets.indices) and int(sets.indices.max()) >= n_skills:
        raise ValueError(f"skill column {int(sets.indices.max())} is outside 0..{n_skills - 1}")
    rows = np.repeat(np.arange(sets.n_rows, dtype=np.int64), np.diff(sets.indptr))
    src = sets.indices.astype(np.int64)
    lengths = (credit.indptr[src + 1] - credit.indptr[src]).astype(np.int64)
    pos = _gather_positions(credit.indptr[src].astype(np.int64), lengths)
    r = np.repeat(rows, lengths)
    c = credit.indices[pos].astype(np.int64)
    cov = credit.data[pos]
    evid = cov * np.repeat(sets.strength, lengths)
    key = r * n_skills + c
    order = np.argsort(key, kind="stable")
    key = key[order]
    uniq, first = np.unique(key, return_index=True)
    if len(key):
        cov_u = np.maximum.reduceat(cov[order], first)
        evid_u = np.maximum.reduceat(evid[order], first)
    else:
        cov_u = evid_u = np.empty(0, dtype=np.float32)
    ur, uc = uniq // n_skills, uniq % n_skills
    shape = (sets.n_rows, n_skills)
    return (
        sp.csr_matrix((cov_u.astype(np.float32), (ur, uc)), shape=shape),
        sp.csr_matrix((evid_u.astype(np.float32), (ur, uc)), shape=shape),
    )


# --------------------------------------------------------------------------------------------
# Inputs and results


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


@dataclass(frozen=True)
class _Context:
    """What one ``recommend`` call computes once and every pathway reads."""

    query: LearnerQuery
    credit: np.ndarray
    evidence: np.ndarray
    held: np.ndarray
    now: np.ndarray
    interest: np.ndarray
    jobs: np.ndarray
    reach: list[int]
    q: np.ndarray
    offer: np.ndarray  # per course: best offering's travel x start value
    best_offering: np.ndarray  # per course: that offering's (internal) row


# --------------------------------------------------------------------------------------------
# The estimator


class PathwayScorer(BaseEstimator):
    """Rank course pathways and vacancies for learners, and courses for vacancies.

    Parameters
    ----------
    weights, direct_weights, provision_weights : mapping of str to float or None
        Weights of the named parts of pathway, learner -> vacancy and provision scores; each
        must sum to 1. None uses ``PATHWAY_WEIGHTS``, ``DIRECT_WEIGHTS``, ``PROVISION_WEIGHTS``.
    essential_weight, optional_weight : float, default=1.0, 0.35
        Weight of an essential and an optional skill in coverage.
    narrower_credit : float, default=0.5
        Credit a narrower skill gives towards its broader skill, per level.
    hierarchy_depth : int, default=2
        Hierarchy levels followed for that credit.
    similarity_floor, similarity_ceiling : float, default=0.15, 0.75
        Cosine similarities are mapped linearly from [floor, ceiling] onto [0, 1]
        (all-MiniLM-L6-v2 gives unrelated texts about 0-0.15 and close paraphrases 0.75+).
    travel_factors : mapping of str to float or None
        Factor of each way of reaching an offering or vacancy; None uses ``TRAVEL_FACTORS``.
    level_factors : mapping of str to float or None
        Factor of each level step ("below", "0", "1", ..., "unknown"); steps above the largest
        listed are not offered. None uses ``LEVEL_FACTORS``.
    start_soon_days, start_late_days : int, default=120, 365
        A course starting within ``start_soon_days`` scores 1; later starts fall linearly to
        ``start_late_factor`` at ``start_late_days``.
    start_late_factor : float, default=0.6
    no_start_factor : float, default=0.5
        Factor of an offering with no upcoming start date listed.
    ready_threshold : float, default=0.8
        Share of a vacancy's essential skills (credit-weighted) that makes a learner ready now.
    pipeline_threshold : float, default=0.5
        Coverage after a course that counts a learner as on a pathway to a target.
    jobs_saturation : int, default=20
        Live vacancies in reach at which the jobs part reaches 1 (log scale below).
    confidence_scale : float, default=4.0
        Evidence at which confidence reaches 63%.
    weak_link : float, default=0.5
        Link strengths below this count as weakly linked.
    relevance_top : int, default=50
        Target occupations kept per course by embedding similarity at ``fit``.
    top_k : int, default=10
        Pathways and ready-now vacancies returned.
    max_per_target, max_per_course : int, default=2, 3
        Variety: at most this many pathways to one target, or through one course.
    n_two_step : int, default=3
        Two-step pathways returned.
    two_step_penalty : float, default=0.05
        Subtracted from a two-course pathway's score (a longer route than one course).
    n_vacancy_candidates : int, default=200
        Vacancies re-scored per query from each retrieval channel (skills, embeddings).
    vacancy_search : {"auto", "exact", "ivf"}, default="auto"
        How vacancy vectors are searched (see ``PartitionedVectorIndex``).
    exact_limit, n_probe : int, default=50000, 16
    vector_storage : {"float32", "float16"}, default="float32"

    Attributes
    ----------
    hierarchy_ : scipy.sparse.csr_matrix
        ``hierarchy_credit`` of the catalogue's hierarchy.
    course_credit_, course_evidence_ : scipy.sparse.csr_matrix
        What each course's skills cover through the hierarchy, and with what evidence.
    relevance_ : scipy.sparse.csr_matrix
        Course x target relevance in [0, 1] (listed links and nearest targets by embedding).
    vacancy_index_ : PartitionedVectorIndex
        Vacancy vectors grouped by district.
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        direct_weights: Mapping[str, float] | None = None,
        provision_weights: Mapping[str, float] | None = None,
        essential_weight: float = 1.0,
        optional_weight: float = 0.35,
        narrower_credit: float = 0.5,
        hierarchy_depth: int = 2,
        similarity_floor: float = 0.15,
        similarity_ceiling: float = 0.75,
        travel_factors: Mapping[str, float] | None = None,
        level_factors: Mapping[str, float] | None = None,
        start_soon_days: int = 120,
        start_late_days: int = 365,
        start_late_factor: float = 0.6,
        no_start_factor: float = 0.5,
        ready_threshold: float = 0.8,
        pipeline_threshold: float = 0.5,
        jobs_saturation: int = 20,
        confidence_scale: float = 4.0,
        weak_link: float = 0.5,
        relevance_top: int = 50,
        top_k: int = 10,
        max_per_target: int = 2,
        max_per_course: int = 3,
        n_two_step: int = 3,
        two_step_penalty: float = 0.05,
        n_vacancy_candidates: int = 200,
        vacancy_search: Literal["auto", "exact", "ivf"] = "auto",
        exact_limit: int = 50_000,
        n_probe: int = 16,
        vector_storage: Literal["float32", "float16"] = "float32",
    ) -> None:
        self.weights = weights
        self.direct_weights = direct_weights
        self.provision_weights = provision_weights
        self.essential_weight = essential_weight
        self.optional_weight = optional_weight
        self.narrower_credit = narrower_credit
        self.hierarchy_depth = hierarchy_depth
        self.similarity_floor = similarity_floor
        self.similarity_ceiling = similarity_ceiling
        self.travel_factors = travel_factors
        self.level_factors = level_factors
        self.start_soon_days = start_soon_days
        self.start_late_days = start_late_days
        self.start_late_factor = start_late_factor
        self.no_start_factor = no_start_factor
        self.ready_threshold = ready_threshold
        self.pipeline_threshold = pipeline_threshold
        self.jobs_saturation = jobs_saturation
        self.confidence_scale = confidence_scale
        self.weak_link = weak_link
        self.relevance_top = relevance_top
        self.top_k = top_k
        self.max_per_target = max_per_target
        self.max_per_course = max_per_course
        self.n_two_step = n_two_step
        self.two_step_penalty = two_step_penalty
        self.n_vacancy_candidates = n_vacancy_candidates
        self.vacancy_search = vacancy_search
        self.exact_limit = exact_limit
        self.n_probe = n_probe
        self.vector_storage = vector_storage

    # ---------------------------------------------------------------- parameters and fitting

    def _resolve_params(self) -> None:
        for attr, default in (
            ("weights", PATHWAY_WEIGHTS),
            ("direct_weights", DIRECT_WEIGHTS),
            ("provision_weights", PROVISION_WEIGHTS),
        ):
            given = getattr(self, attr)
            resolved = dict(default if given is None else given)
            if set(resolved) != set(default):
                raise ValueError(
                    f"{attr} must have the parts {sorted(default)}, got {sorted(resolved)}"
                )
            if any(v < 0 for v in resolved.values()) or not math.isclose(
                sum(resolved.values()), 1.0, abs_tol=1e-6
            ):
                raise ValueError(f"{attr} must be non-negative and sum to 1, got {resolved}")
            setattr(self, attr + "_", resolved)
        self.travel_factors_ = dict(
            TRAVEL_FACTORS if self.travel_factors is None else self.travel_factors
        )
        if not all(0 < v <= 1 for v in self.travel_factors_.values()):
            raise ValueError("travel factors must be in (0, 1]")
        levels = dict(LEVEL_FACTORS if self.level_factors is None else self.level_factors)
        if "below" not in levels or "unknown" not in levels:
            raise ValueError("level_factors needs 'below' and 'unknown' entries")
        steps = {int(k): float(v) for k, v in levels.items() if k not in ("below", "unknown")}
        self.level_steps_ = steps
        self.level_below_ = float(levels["below"])
        self.level_unknown_ = float(levels["unknown"])
        if not (self.essential_weight > 0 and self.optional_weight >= 0):
            raise ValueError("essential_weight must be positive and optional_weight non-negative")
        if not self.similarity_ceiling > self.similarity_floor:
            raise ValueError("similarity_ceiling must be above similarity_floor")
        if not 0 < self.ready_threshold <= 1:
            raise ValueError("ready_threshold must be in (0, 1]")

    def fit(self, catalogue: Catalogue, y: None = None) -> PathwayScorer:
        """Precompute coverage through the hierarchy, relevance, and the vacancy index.

        Parameters
        ----------
        catalogue : Catalogue
            Courses, offerings, target occupations and vacancies.
        y : None
            Ignored.

        Returns
        -------
        self : PathwayScorer
        """
        self._resolve_params()
        c = catalogue
        n_skills = int(c.n_skills)
        self.n_skills_ = n_skills
        self.n_partitions_ = int(c.n_partitions)
        broader = np.asarray(c.broader, dtype=np.int64).reshape(-1, 2)
        self.hierarchy_ = hierarchy_credit(
            n_skills, broader[:, 0], broader[:, 1], self.narrower_credit, self.hierarchy_depth
        )
        self.hierarchy_csc_ = self.hierarchy_.tocsc()

        # Courses: what each covers, through the hierarchy.
        self.course_skills_ = c.course_skills
        self.course_credit_, self.course_evidence_ = expand_credit(c.course_skills, self.hierarchy_)
        self.course_credit_.sort_indices()
        self.course_evidence_.sort_indices()
        self.course_credit_csc_ = self.course_credit_.tocsc()
        self.course_evidence_csc_ = self.course_evidence_.tocsc()
        self.course_vectors_ = np.ascontiguousarray(c.course_vectors, dtype=np.float32)
        self.course_level_ = np.asarray(c.course_level, dtype=np.int64)

        # Offerings grouped by course.
        order = np.argsort(np.asarray(c.offering_course), kind="stable")
        self.offering_order_ = order
        self.off_course_ = np.asarray(c.offering_course, dtype=np.int64)[order]
        self.off_partition_ = np.asarray(c.offering_partition, dtype=np.int64)[order]
        self.off_places_ = np.asarray(c.offering_places, dtype=np.int64)[order]
        starts = np.asarray(c.offering_starts, dtype=np.int64)
        starts = starts.reshape(len(order), starts.shape[-1] if starts.ndim == 2 else 0)
        self.off_starts_ = starts[order]
        self.off_courses_, self.off_first_, self.off_count_ = np.unique(
            self.off_course_, return_index=True, return_counts=True
        )

        # Targets.
        self.target_vectors_ = np.ascontiguousarray(c.target_vectors, dtype=np.float32)
        self.target_sector_ = np.asarray(c.target_sector, dtype=np.int64)
        self.target_skills_ = c.target_skills
        (self.target_req_, self.target_ess_, self.target_wsum_, self.target_nress_) = (
            self._requirements(c.target_skills)
        )
        self.target_req_t_ = self.target_req_.T.tocsc()
        self.relevance_ = self._relevance(c.course_targets)

        # Vacancies, grouped by partition (district) so reach reads contiguous slices.
        self.vacancy_index_ = PartitionedVectorIndex(
            method=self.vacancy_search,
            exact_limit=self.exact_limit,
            n_probe=self.n_probe,
            storage=self.vector_storage,
        ).fit(c.vacancy_vectors, np.asarray(c.vacancy_partition))
        vorder = self.vacancy_index_.order_
        identity = np.array_equal(vorder, np.arange(len(vorder)))
        self.vac_order_ = vorder
        self.vac_vectors_ = self.vacancy_index_.vectors_
        skills = c.vacancy_skills if identity else c.vacancy_skills.take(vorder)
        self.vac_skills_ = skills

        def sort(a: np.ndarray) -> np.ndarray:
            a = np.asarray(a, dtype=np.int64)
            return a if identity else a[vorder]

        self.vac_partition_ = sort(c.vacancy_partition)
        self.vac_target_ = sort(c.vacancy_target)
        self.vac_sector_ = sort(c.vacancy_sector)
        self.vac_closing_ = sort(c.vacancy_closing)
        req, ess, self.vac_wsum_, self.vac_ness_ = self._requirements(skills)
        self.vac_slices_: dict[int, tuple[int, int]] = {}
        self.vac_req_parts_: dict[int, sp.csc_matrix] = {}
        self.vac_ess_parts_: dict[int, sp.csc_matrix] = {}
        self.vac_closing_sorted_: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.vac_target_count_: dict[int, np.ndarray] = {}
        self.vac_sector_count_: dict[int, Counter[int]] = {}
        n_targets = len(self.target_vectors_)
        self.vac_by_target_: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        idx = self.vacancy_index_
        for p, s, e in zip(idx.partitions_, idx.starts_, idx.stops_, strict=True):
            p, s, e = int(p), int(s), int(e)
            self.vac_slices_[p] = (s, e)
            # Columns first: a query reads only the postings of the skills the learner covers.
            self.vac_req_parts_[p] = req[s:e].tocsc()
            self.vac_ess_parts_[p] = ess[s:e].tocsc()
            # Counts of vacancies per target and sector; the closed ones are subtracted at query
            # time from the front of the closing-date order.
            tg, sec = self.vac_target_[s:e], self.vac_sector_[s:e]
            by_close = np.argsort(self.vac_closing_[s:e], kind="stable")
            self.vac_closing_sorted_[p] = (
                self.vac_closing_[s:e][by_close],
                tg[by_close],
                sec[by_close],
            )
            self.vac_target_count_[p] = np.bincount(tg[tg >= 0], minlength=n_targets)
            self.vac_sector_count_[p] = Counter(sec[sec >= 0].tolist())
            by = np.argsort(self.vac_target_[s:e], kind="stable")
            self.vac_by_target_[p] = (self.vac_target_[s:e][by], by + s)

        # Which skills anything here teaches or asks for: to explain a profile nothing uses.
        self.taught_ = np.zeros(n_skills, dtype=bool)
        self.taught_[c.course_skills.indices] = True
        self.required_ = np.zeros(n_skills, dtype=bool)
        self.required_[c.target_skills.indices] = True
        self.required_[c.vacancy_skills.indices] = True
        return self

    def _requirements(
        self, sets: SkillSets
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray, np.ndarray]:
        """Weighted requirement matrix, essential indicator, weight sums and essential counts."""
        weights = np.where(sets.essential, self.essential_weight, self.optional_weight)
        req = sets.matrix(weights, self.n_skills_)
        ess = sets.matrix(sets.essential.astype(np.float32), self.n_skills_)
        ess.eliminate_zeros()
        wsum = np.asarray(req.sum(axis=1)).ravel()
        ness = np.diff(ess.indptr).astype(np.float32)
        return req, ess, wsum, ness

    def _unit(self, cosine: np.ndarray) -> np.ndarray:
        lo, hi = self.similarity_floor, self.similarity_ceiling
        return np.clip((np.asarray(cosine, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)

    def _relevance(self, links: sp.csr_matrix) -> sp.csr_matrix:
        """Course x target: max of the listed link and the embedding similarity (top targets)."""
        n_courses, n_targets = len(self.course_vectors_), len(self.target_vectors_)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        keep = min(self.relevance_top, n_targets)
        if keep:
            for start in range(0, n_courses, 1024):
                sims = self._unit(
                    self.course_vectors_[start : start + 1024] @ self.target_vectors_.T
                )
                best = np.argpartition(-sims, keep - 1, axis=1)[:, :keep]
                value = np.take_along_axis(sims, best, axis=1)
                r = np.repeat(np.arange(start, start + len(sims)), keep)
                ok = value.ravel() > 0
                rows.append(r[ok])
                cols.append(best.ravel()[ok])
                vals.append(value.ravel()[ok])
        links = sp.csr_matrix(links, dtype=np.float32)
        if links.shape != (n_courses, n_targets):
            raise ValueError(f"course_targets must be {(n_courses, n_targets)}, got {links.shape}")
        sims = sp.csr_matrix(
            (
                np.concatenate(vals) if vals else np.empty(0, dtype=np.float32),
                (
                    np.concatenate(rows) if rows else np.empty(0, dtype=np.int64),
                    np.concatenate(cols) if cols else np.empty(0, dtype=np.int64),
                ),
            ),
            shape=(n_courses, n_targets),
        )
        # A listed link counts in full where course and target texts agree, half where they do
        # not: links come from matching job titles, which sometimes goes astray.
        coo = links.tocoo()
        agree = self._unit(
            np.einsum("ij,ij->i", self.course_vectors_[coo.row], self.target_vectors_[coo.col])
        )
        vouched = sp.csr_matrix(
            (np.minimum(coo.data, 1.0) * (0.5 + 0.5 * agree), (coo.row, coo.col)),
            shape=(n_courses, n_targets),
        )
        out = sims.maximum(vouched).tocsr()
        out.sort_indices()
        return out

    # ---------------------------------------------------------------- small vectorised pieces

    def learner_credit(
        self, skills: np.ndarray, strength: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense coverage and evidence vectors of one set of skills held."""
        check_is_fitted(self, "hierarchy_")
        skills = np.asarray(skills, dtype=np.int64)
        strength = (
            np.ones(len(skills), dtype=np.float32) if strength is None else np.asarray(strength)
        )
        if len(skills) and (skills.min() < 0 or skills.max() >= self.n_skills_):
            raise ValueError(f"skill columns must be in 0..{self.n_skills_ - 1}")
        sets = SkillSets.from_coo(1, np.zeros(len(skills), dtype=np.int64), skills, None, strength)
        cov, evid = expand_credit(sets, self.hierarchy_)
        return cov.toarray()[0], evid.toarray()[0]

    def _travel(self, travel: Sequence[str | None]) -> np.ndarray:
        if len(travel) != self.n_partitions_ + 1:
            raise ValueError(
                f"travel needs one entry per district plus one for online "
                f"({self.n_partitions_ + 1}), got {len(travel)}"
            )
        out = np.zeros(len(travel), dtype=np.float32)
        for i, label in enumerate(travel):
            if label is not None:
                if label not in self.travel_factors_:
                    raise ValueError(f"unknown travel label {label!r}")
                out[i] = self.travel_factors_[label]
        return out

    def _start_factor(self, today: int) -> tuple[np.ndarray, np.ndarray]:
        """Factor and next start day of every offering (``_NO_DATE`` when none is upcoming)."""
        starts = self.off_starts_
        future = np.where(starts >= today, starts, _NO_DATE)
        nxt = future.min(axis=1) if starts.shape[1] else np.full(len(starts), _NO_DATE)
        has = nxt != _NO_DATE
        days = np.where(has, nxt - today, 0).astype(np.float64)
        span = max(self.start_late_days - self.start_soon_days, 1)
        late = np.clip((days - self.start_soon_days) / span, 0.0, 1.0)
        factor = 1.0 - (1.0 - self.start_late_factor) * late
        return np.where(has, factor, self.no_start_factor).astype(np.float32), nxt

    def _level_factor(self, course_level: np.ndarray, level: int | None) -> np.ndarray:
        out = np.full(len(course_level), self.level_unknown_, dtype=np.float32)
        if level is None or level < 0:
            return out
        known = course_level >= 0
        step = course_level - level
        out[known & (step < 0)] = self.level_below_
        out[known & (step > max(self.level_steps_, default=0))] = 0.0
        for s, f in self.level_steps_.items():
            out[known & (step == s)] = f
        return out

    def _best_offerings(self, offering_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per course, the best offering's value (0 when none is feasible) and its row (-1)."""
        n_courses = len(self.course_vectors_)
        best = np.zeros(n_courses, dtype=np.float32)
        row = np.full(n_courses, -1, dtype=np.int64)
        if not len(offering_value):
            return best, row
        first = self.off_first_
        top = np.maximum.reduceat(offering_value, first)
        hit = offering_value == np.repeat(top, self.off_count_)
        pos = np.where(hit, np.arange(len(offering_value)), len(offering_value))
        chosen = np.minimum.reduceat(pos, first)
        best[self.off_courses_] = top
        row[self.off_courses_] = np.where(top > 0, chosen, -1)
        return best, row

    def _offerings_for(
        self, travel_f: np.ndarray, today: int, use_start: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per course: the best offering's value (travel x start, 0 when out of reach or full),
        its row, and its next start day."""
        start_f, nxt = self._start_factor(today)
        off_travel = travel_f[self.off_partition_]
        value = np.where(
            (off_travel > 0) & (self.off_places_ > 0),
            off_travel * (start_f if use_start else 1.0),
            0.0,
        ).astype(np.float32)
        best, row = self._best_offerings(value)
        start = np.where(row >= 0, nxt[np.maximum(row, 0)], _NO_DATE)
        return best, row, start

    def _confidence(self, evidence: np.ndarray) -> tuple[float, str, int, int]:
        mass = float(evidence.sum())
        conf = 1.0 - math.exp(-mass / self.confidence_scale)
        n = int((evidence > 0).sum())
        weak = int(((evidence > 0) & (evidence < self.weak_link)).sum())
        label = "high" if conf >= 0.7 else "medium" if conf >= 0.4 else "low"
        # However many, weak links do not make a sure match: all weak is low, mostly weak medium.
        if n and weak == n:
            label = "low"
        elif label == "high" and weak * 2 > n:
            label = "medium"
        return conf, label, n, weak

    def _scored(
        self,
        weights: Mapping[str, float],
        values: Mapping[str, float],
        evidence: np.ndarray,
        extra: Mapping[str, float] | None = None,
    ) -> Scored:
        contributions = {k: float(weights[k] * values[k]) for k in weights}
        contributions.update(extra or {})
        conf, label, n, weak = self._confidence(evidence)
        return Scored(
            score=float(sum(contributions.values())),
            contributions=contributions,
            values={k: float(v) for k, v in values.items()},
            confidence=conf,
            confidence_label=label,  # type: ignore[arg-type]
            n_evidence=n,
            n_weak=weak,
        )

    @staticmethod
    def _dense_columns(matrix: sp.csc_matrix, cols: np.ndarray) -> np.ndarray:
        """Dense ``matrix[:, cols]`` for a few columns, without scipy's indexing overhead."""
        out = np.zeros((matrix.shape[0], len(cols)), dtype=np.float32)
        for j, c in enumerate(np.asarray(cols, dtype=np.int64).tolist()):
            s, e = matrix.indptr[c], matrix.indptr[c + 1]
            out[matrix.indices[s:e], j] = matrix.data[s:e]
        return out

    def _row_values(self, matrix: sp.csc_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Dense ``matrix[rows][:, cols]`` for small column sets."""
        return self._dense_columns(matrix, cols)[np.asarray(rows, dtype=np.int64)]

    @staticmethod
    def _csr_values(matrix: sp.csr_matrix, rows: Sequence[int], cols: np.ndarray) -> np.ndarray:
        """Dense ``matrix[rows][:, cols]`` for a few rows of a matrix with sorted indices."""
        out = np.zeros((len(rows), len(cols)), dtype=np.float32)
        for i, r in enumerate(rows):
            s, e = matrix.indptr[r], matrix.indptr[r + 1]
            idx = matrix.indices[s:e]
            if not len(idx):
                continue
            pos = np.minimum(np.searchsorted(idx, cols), len(idx) - 1)
            out[i] = np.where(idx[pos] == cols, matrix.data[s:e][pos], 0.0)
        return out

    def _partial_source(self, col: int, held: np.ndarray) -> int:
        """The held skill that gives the most (partial) credit towards ``col``."""
        s, e = self.hierarchy_csc_.indptr[col], self.hierarchy_csc_.indptr[col + 1]
        src = self.hierarchy_csc_.indices[s:e]
        val = self.hierarchy_csc_.data[s:e]
        ok = np.isin(src, held) & (src != col)
        if not ok.any():
            return -1
        return int(src[ok][np.argmax(val[ok])])

    def _breakdown(
        self,
        cols: np.ndarray,
        essential: np.ndarray,
        before: np.ndarray,
        after_first: np.ndarray,
        after_second: np.ndarray,
        held: np.ndarray,
    ) -> SkillBreakdown:
        final = after_second
        have = before >= 1.0
        adds = ~have & (after_first >= 1.0)
        adds2 = ~have & ~adds & (after_second >= 1.0)
        partly = (final > 0) & (final < 1.0)
        missing = final <= 0

        def ordered(mask: np.ndarray) -> np.ndarray:
            picked = cols[mask]
            return picked[np.lexsort((picked, ~essential[mask]))].astype(np.int64)

        partly_cols = ordered(partly)
        return SkillBreakdown(
            have=ordered(have),
            adds=ordered(adds),
            adds_second=ordered(adds2),
            partly=partly_cols,
            partly_from=np.array(
                [self._partial_source(int(c), held) for c in partly_cols], dtype=np.int64
            ),
            missing=ordered(missing),
            essential=frozenset(int(c) for c in cols[essential]),
        )

    def _coverage(self, cols_weight: np.ndarray, credit: np.ndarray) -> float:
        total = float(cols_weight.sum())
        return float((cols_weight * credit).sum() / total) if total else 0.0

    # ---------------------------------------------------------------- learner -> pathways

    def recommend(self, query: LearnerQuery) -> Recommendation:
        """Pathways (course -> occupation), two-step pathways and vacancies for one learner.

        Parameters
        ----------
        query : LearnerQuery

        Returns
        -------
        recommendation : Recommendation
        """
        check_is_fitted(self, "relevance_")
        q = np.asarray(query.vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.course_vectors_.shape[1]:
            raise ValueError(
                f"learner vector has {q.shape[0]} dimensions, the catalogue "
                f"{self.course_vectors_.shape[1]}"
            )
        held = np.asarray(query.skills, dtype=np.int64)
        credit, evidence = self.learner_credit(held, query.strength)
        travel_f = self._travel(query.travel)
        offer, best_off, next_start = self._offerings_for(travel_f, query.today)
        practical = offer * self._level_factor(self.course_level_, query.level)
        feasible = np.flatnonzero(practical > 0)
        reach = [p for p in range(self.n_partitions_ + 1) if travel_f[p] > 0]

        # Targets in the learner's sectors that list any skill.
        in_sector = (
            np.isin(self.target_sector_, list(query.sectors))
            if query.sectors
            else np.ones(len(self.target_sector_), dtype=bool)
        )
        targets = np.flatnonzero(in_sector & (self.target_wsum_ > 0))
        interest = self._unit(self.target_vectors_ @ q)
        wsum = np.maximum(self.target_wsum_, 1e-9)
        now = np.asarray(self.target_req_ @ credit).ravel() / wsum
        jobs_count, by_sector, n_live = self._jobs_in_reach(reach, query.today)
        jobs = np.minimum(1.0, np.log1p(jobs_count) / math.log1p(self.jobs_saturation))

        # A held skill is of use if a course teaches it or it covers (itself or a broader skill)
        # something a target or vacancy asks for.
        asked = np.asarray(self.hierarchy_[held] @ self.required_.astype(np.float32)).ravel() > 0
        unmatched = held[~self.taught_[held] & ~asked]

        ctx = _Context(
            query, credit, evidence, held, now, interest, jobs, reach, q, offer, best_off
        )
        pathways: list[PathwayScore] = []
        two_step: list[PathwayScore] = []
        if len(feasible) and len(targets):
            # Gain of every (course, target) pair: sum_s w[t, s] * max(0, c[k, s] - learner[s]).
            ck = self.course_credit_[feasible]
            ck.data = np.maximum(ck.data - credit[ck.indices], 0.0)
            ck.eliminate_zeros()
            gain_m = (ck @ self.target_req_t_[:, targets]).tocoo()
            ki = feasible[gain_m.row]
            ti = targets[gain_m.col]
            gain = gain_m.data / wsum[ti]
            values = {
                "skills": np.minimum(now[ti] + gain, 1.0),
                "gain": gain,
                "relevance": self.relevance_[feasible][:, targets].toarray()[
                    gain_m.row, gain_m.col
                ],
                "interest": interest[ti],
                "practical": practical[ki],
                "jobs": jobs[ti],
            }
            score = sum(self.weights_[k] * values[k] for k in self.weights_)
            firsts = [
                (
                    int(ki[i]),
                    int(ti[i]),
                    int(best_off[ki[i]]),
                    float(practical[ki[i]]),
                    int(next_start[ki[i]]),
                )
                for i in self._diverse(score, ki, ti)
            ]
            pathways = [self._pathway(ctx, k, t, (off, p, nxt)) for k, t, off, p, nxt in firsts]
            two_step = self._two_step(ctx, firsts, travel_f)

        ready, close = self._direct(query, credit, evidence, held, travel_f, reach, q)
        return Recommendation(
            pathways=pathways,
            two_step=two_step,
            ready_now=ready,
            close=close,
            n_courses_in_reach=len(feasible),
            n_targets=len(targets),
            unmatched_skills=np.asarray(unmatched, dtype=np.int64),
            n_vacancies_in_reach=n_live,
            vacancies_by_sector=by_sector,
        )

    def _diverse(self, score: np.ndarray, ki: np.ndarray, ti: np.ndarray) -> list[int]:
        """Best pairs, at most ``max_per_target`` per target and ``max_per_course`` per course."""
        order = top_k(score, max(self.top_k * 20, 200))
        per_target: Counter[int] = Counter()
        per_course: Counter[int] = Counter()
        chosen: list[int] = []
        for i in order.tolist():
            k, t = int(ki[i]), int(ti[i])
            if per_target[t] >= self.max_per_target or per_course[k] >= self.max_per_course:
                continue
            per_target[t] += 1
            per_course[k] += 1
            chosen.append(i)
            if len(chosen) == self.top_k:
                break
        return chosen

    def _jobs_in_reach(
        self, reach: Iterable[int], today: int
    ) -> tuple[np.ndarray, dict[int, int], int]:
        """Live vacancies in reach per target occupation, per sector, and in all."""
        counts = np.zeros(len(self.target_vectors_), dtype=np.float64)
        sectors: Counter[int] = Counter()
        total = 0
        for p in reach:
            if p not in self.vac_slices_:
                continue
            closing, tg, sec = self.vac_closing_sorted_[p]
            closed = int(np.searchsorted(closing, today, side="left"))
            counts += self.vac_target_count_[p]
            sectors.update(self.vac_sector_count_[p])
            if closed:
                counts -= np.bincount(tg[:closed][tg[:closed] >= 0], minlength=len(counts))
                sectors.subtract(Counter(sec[:closed][sec[:closed] >= 0].tolist()))
            total += len(closing) - closed
        return counts, {k: v for k, v in sectors.items() if v > 0}, total

    def _target_vacancies(
        self, target: int, reach: Iterable[int], today: int, q: np.ndarray, limit: int = 5
    ) -> tuple[np.ndarray, int]:
        rows = []
        for p in reach:
            if p not in self.vac_by_target_:
                continue
            tg, pos = self.vac_by_target_[p]
            lo, hi = np.searchsorted(tg, [target, target + 1])
            rows.append(pos[lo:hi])
        found = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        found = found[self.vac_closing_[found] >= today]
        best = found[top_k(self.vac_vectors_[found] @ q, limit)] if len(found) else found
        return self.vac_order_[best], len(found)

    def _target_row(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cols, ess, strength = self.target_skills_.row(t)
        weight = np.where(ess, self.essential_weight, self.optional_weight).astype(np.float32)
        return cols.astype(np.int64), ess, strength, weight

    def _pathway(
        self,
        ctx: _Context,
        k: int,
        t: int,
        first: tuple[int, float, int],
        second: tuple[int, int, float, int | None] | None = None,
    ) -> PathwayScore:
        """Score and explain course ``k`` (offering, practical, next start) towards target ``t``;
        ``second`` is an optional following course (row, offering, practical, level step)."""
        off, prac, nxt = first
        cols, ess, t_strength, weight = self._target_row(t)
        before = ctx.credit[cols]
        courses = [k] if second is None else [k, second[0]]
        course_cov = self._csr_values(self.course_credit_, courses, cols)
        course_evid = self._csr_values(self.course_evidence_, courses, cols)
        after1 = np.maximum(before, course_cov[0])
        after2 = np.maximum(after1, course_cov[1]) if second is not None else after1
        ev = np.maximum(ctx.evidence[cols], course_evid.max(axis=0)) * t_strength
        ev = np.where(after2 > 0, ev, 0.0)
        cov_now = float(ctx.now[t])
        cov_after = self._coverage(weight, after2)
        ess_after = float(after2[ess].mean()) if ess.any() else cov_after
        rel = self._relevance_at(k, t)
        extra = None
        if second is not None:
            rel = max(rel, self._relevance_at(second[0], t))
            prac = min(prac, second[2])
            extra = {"two courses": -float(self.two_step_penalty)}
        values = {
            "skills": cov_after,
            "gain": max(cov_after - cov_now, 0.0),
            "relevance": rel,
            "interest": float(ctx.interest[t]),
            "practical": prac,
            "jobs": float(ctx.jobs[t]),
        }
        taught = [ctx.held, self.course_skills_.row(k)[0]]
        if second is not None:
            taught.append(self.course_skills_.row(second[0])[0])
        vac, n_vac = self._target_vacancies(t, ctx.reach, ctx.query.today, ctx.q)
        travel = ctx.query.travel

        def where(internal_offering: int) -> str:
            return travel[int(self.off_partition_[internal_offering])] or ""

        return PathwayScore(
            course=k,
            offering=int(self.offering_order_[off]),
            target=t,
            scored=self._scored(self.weights_, values, ev, extra),
            skills=self._breakdown(cols, ess, before, after1, after2, np.concatenate(taught)),
            coverage_now=cov_now,
            coverage_after=cov_after,
            essential_after=ess_after,
            travel=where(off),
            level_step=self._step(k, ctx.query.level),
            next_start=None if nxt == _NO_DATE else int(nxt),
            vacancies=vac,
            n_vacancies=n_vac,
            second_course=-1 if second is None else second[0],
            second_offering=-1 if second is None else int(self.offering_order_[second[1]]),
            second_travel=None if second is None else where(second[1]),
            second_level_step=None if second is None else second[3],
        )

    def _relevance_at(self, k: int, t: int) -> float:
        """``relevance_[k, t]`` without scipy's scalar indexing overhead."""
        return float(self._csr_values(self.relevance_, [k], np.array([t]))[0, 0])

    def _step(self, k: int, level: int | None) -> int | None:
        lv = int(self.course_level_[k])
        return None if level is None or level < 0 or lv < 0 else lv - level

    def _two_step(
        self, ctx: _Context, firsts: list[tuple[int, int, int, float, int]], travel_f: np.ndarray
    ) -> list[PathwayScore]:
        """Course A then course B, where A leaves essential skills missing that B supplies.

        ``firsts`` holds (course, target, offering, practical, next start) of the best single
        pathways, best first.
        """
        found: list[
            tuple[float, int, int, tuple[int, float, int], tuple[int, int, float, int | None]]
        ]
        found = []
        seen: set[tuple[frozenset[int], int]] = set()
        practical_at: dict[int | None, np.ndarray] = {}
        for k, t, off, prac, nxt in firsts:
            if len(found) >= self.n_two_step * 3:
                break
            cols, ess, _, weight = self._target_row(t)
            course_a = self._csr_values(self.course_credit_, [k], cols)[0]
            after1 = np.maximum(ctx.credit[cols], course_a)
            gap = ess & (after1 < 1.0)
            if not gap.any():
                continue
            # B's level step is counted from where A leaves the learner.
            base = ctx.query.level
            if self.course_level_[k] >= 0 and (base is None or self.course_level_[k] > base):
                base = int(self.course_level_[k])
            if base not in practical_at:
                practical_at[base] = ctx.offer * self._level_factor(self.course_level_, base)
            prac_b, off_b = practical_at[base], ctx.best_offering
            cand = np.flatnonzero(prac_b > 0)
            cand = cand[cand != k]
            if not len(cand):
                continue
            cov_b = self._row_values(self.course_credit_csc_, cand, cols[gap])
            add = (np.maximum(cov_b - after1[gap], 0.0) * weight[gap]).sum(axis=1)
            if not (add > 0).any():
                continue
            # Most essential skills supplied first; between equals, the more practical course.
            b = int(cand[int(np.argmax(add + 1e-3 * prac_b[cand]))])
            if (frozenset((k, b)), t) in seen:
                continue
            seen.add((frozenset((k, b)), t))
            step_b = (
                None
                if base is None or self.course_level_[b] < 0
                else int(self.course_level_[b] - base)
            )
            # The score, cheaply, to pick which few to explain in full (``_pathway`` computes
            # the same values again).
            after2 = np.maximum(after1, self._csr_values(self.course_credit_, [b], cols)[0])
            cov_after = self._coverage(weight, after2)
            w = self.weights_
            est = (
                w["skills"] * cov_after
                + w["gain"] * max(cov_after - float(ctx.now[t]), 0.0)
                + w["relevance"] * max(self._relevance_at(k, t), self._relevance_at(b, t))
                + w["interest"] * float(ctx.interest[t])
                + w["practical"] * min(prac, float(prac_b[b]))
                + w["jobs"] * float(ctx.jobs[t])
            )
            found.append(
                (est, k, t, (off, prac, nxt), (b, int(off_b[b]), float(prac_b[b]), step_b))
            )
        found.sort(key=lambda f: -f[0])
        return [
            self._pathway(ctx, k, t, first, second=second)
            for _, k, t, first, second in found[: self.n_two_step]
        ]

    # ---------------------------------------------------------------- learner -> vacancies now

    def _direct(
        self,
        query: LearnerQuery,
        credit: np.ndarray,
        evidence: np.ndarray,
        held: np.ndarray,
        travel_f: np.ndarray,
        reach: list[int],
        q: np.ndarray,
    ) -> tuple[list[VacancyMatch], list[VacancyMatch]]:
        """Vacancies in reach the learner is ready for now, and the closest of the others.

        Candidates come from two channels: vacancies sharing skills with the learner (read from
        the skill postings of the districts in reach) and the nearest by embedding.
        """
        parts = [p for p in reach if p in self.vac_slices_]
        if not parts:
            return [], []
        cols = np.flatnonzero(credit > 0)
        rows_l, cov_l, ready_l = [], [], []
        for p in parts:
            if not len(cols):
                break
            s, _ = self.vac_slices_[p]
            c = np.asarray(self.vac_req_parts_[p][:, cols] @ credit[cols]).ravel()
            hits = np.flatnonzero(c > 0)
            if not len(hits):
                continue
            es = np.asarray(self.vac_ess_parts_[p][:, cols] @ credit[cols]).ravel()[hits]
            rows = hits + s
            cov = c[hits] / self.vac_wsum_[rows]
            ness = self.vac_ness_[rows]
            rows_l.append(rows)
            cov_l.append(cov)
            ready_l.append(np.where(ness > 0, es / np.maximum(ness, 1.0), cov))
        hit_rows = np.concatenate(rows_l) if rows_l else np.empty(0, dtype=np.int64)
        hit_cov = np.concatenate(cov_l) if cov_l else np.empty(0, dtype=np.float32)
        hit_ready = np.concatenate(ready_l) if ready_l else np.empty(0, dtype=np.float32)
        live = self.vac_closing_[hit_rows] >= query.today
        hit_rows, hit_cov, hit_ready = hit_rows[live], hit_cov[live], hit_ready[live]

        limit = self.n_vacancy_candidates
        ready_pos = np.flatnonzero(hit_ready >= self.ready_threshold)
        if len(ready_pos) > limit:
            ready_pos = ready_pos[top_k(hit_cov[ready_pos], limit)]
        by_skill = hit_rows[np.concatenate([ready_pos, top_k(hit_cov, limit)])]
        _, by_vector = self.vacancy_index_.search(q, limit, parts) if q.any() else (None, [])
        by_vector = np.asarray(by_vector, dtype=np.int64)
        by_vector = by_vector[self.vac_closing_[by_vector] >= query.today]
        cand = np.unique(np.concatenate([by_skill, by_vector]))
        if not len(cand):
            return [], []
        # Rows hit by a skill are sorted (partitions in order, hits in order): look them up.
        pos = np.minimum(np.searchsorted(hit_rows, cand), max(len(hit_rows) - 1, 0))
        found = (hit_rows[pos] == cand) if len(hit_rows) else np.zeros(len(cand), dtype=bool)
        cand_cov = np.where(found, hit_cov[pos] if len(hit_rows) else 0.0, 0.0)
        cand_ready = np.where(found, hit_ready[pos] if len(hit_rows) else 0.0, 0.0)
        sector = (
            np.isin(self.vac_sector_[cand], list(query.sectors)).astype(np.float32)
            if query.sectors
            else np.ones(len(cand), dtype=np.float32)
        )
        values = {
            "skills": cand_cov,
            "interest": self._unit(self.vac_vectors_[cand] @ q),
            "sector": sector,
            "travel": travel_f[self.vac_partition_[cand]],
        }
        score = sum(self.direct_weights_[k] * values[k] for k in self.direct_weights_)
        is_ready = cand_ready >= self.ready_threshold
        ready_idx = np.flatnonzero(is_ready)
        ready_idx = ready_idx[top_k(score[ready_idx], self.top_k)]
        close_idx = np.flatnonzero(~is_ready & (cand_cov > 0))
        close_idx = close_idx[top_k(score[close_idx], max(self.top_k // 2, 1))]

        def match(i: int) -> VacancyMatch:
            row = int(cand[i])
            cols, ess, strength = self.vac_skills_.row(row)
            cols = cols.astype(np.int64)
            before = credit[cols]
            ev = np.where(before > 0, evidence[cols] * strength, 0.0)
            vals = {k: float(v[i]) for k, v in values.items()}
            return VacancyMatch(
                vacancy=int(self.vac_order_[row]),
                ready=bool(is_ready[i]),
                scored=self._scored(self.direct_weights_, vals, ev),
                skills=self._breakdown(cols, ess, before, before, before, held),
                coverage=float(cand_cov[i]),
                essential_coverage=float(cand_ready[i]),
                travel=query.travel[int(self.vac_partition_[row])] or "",
            )

        return [match(i) for i in ready_idx], [match(i) for i in close_idx]

    # ---------------------------------------------------------------- demand -> provision

    def provision(
        self,
        requirement: SkillSets,
        vector: np.ndarray,
        travel: Sequence[str | None],
        top_k_courses: int | None = None,
    ) -> list[ProvisionScore]:
        """Courses in reach of a job's location that supply its skills, best first.

        Parameters
        ----------
        requirement : SkillSets
            One row: the vacancy's or demand's skills, essential or optional.
        vector : ndarray of shape (dim,)
            The job's text vector (zeros when there is none).
        travel : sequence of str or None
            How each partition is reached from the job's district (see ``LearnerQuery``).
        top_k_courses : int or None
            Courses returned; None uses ``top_k``.

        Returns
        -------
        courses : list of ProvisionScore
            Only courses covering at least one of the skills, fully or partly.
        """
        check_is_fitted(self, "relevance_")
        if requirement.n_rows != 1:
            raise ValueError("requirement must hold exactly one row")
        cols, ess, strength = requirement.row(0)
        cols = cols.astype(np.int64)
        if not len(cols):
            return []
        travel_f = self._travel(travel)
        off_travel = travel_f[self.off_partition_]
        value = np.where((off_travel > 0) & (self.off_places_ > 0), off_travel, 0.0)
        best, best_off = self._best_offerings(value.astype(np.float32))
        feasible = np.flatnonzero(best > 0)
        if not len(feasible):
            return []
        cov = self._row_values(self.course_credit_csc_, feasible, cols)
        evid = self._row_values(self.course_evidence_csc_, feasible, cols)
        ess_cov = cov[:, ess].mean(axis=1) if ess.any() else None
        opt_cov = cov[:, ~ess].mean(axis=1) if (~ess).any() else None
        ess_cov = ess_cov if ess_cov is not None else opt_cov
        opt_cov = opt_cov if opt_cov is not None else ess_cov
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        values = {
            "essential": ess_cov,
            "optional": opt_cov,
            "relevance": self._unit(self.course_vectors_[feasible] @ v),
            "travel": best[feasible],
        }
        score = sum(self.provision_weights_[k] * values[k] for k in self.provision_weights_)
        useful = np.flatnonzero(cov.max(axis=1) > 0)
        order = useful[top_k(score[useful], top_k_courses or self.top_k)]
        out = []
        for i in order.tolist():
            k = int(feasible[i])
            off = int(best_off[k])
            out.append(
                ProvisionScore(
                    course=k,
                    offering=int(self.offering_order_[off]),
                    scored=self._scored(
                        self.provision_weights_,
                        {name: float(val[i]) for name, val in values.items()},
                        evid[i] * strength,
                    ),
                    essential_coverage=float(cov[i, ess].mean()) if ess.any() else 0.0,
                    optional_coverage=float(cov[i, ~ess].mean()) if (~ess).any() else 0.0,
                    covered=cols[cov[i] >= 1.0],
                    partly=cols[(cov[i] > 0) & (cov[i] < 1.0)],
                    travel=travel[int(self.off_partition_[off])] or "",
                )
            )
        return out

    def provision_batch(
        self,
        requirements: SkillSets,
        vectors: np.ndarray,
        partitions: np.ndarray,
        travel_table: Sequence[Sequence[str | None]],
        top_k_courses: int = 10,
        chunk: int = 1024,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best courses for many vacancies at once.

        Parameters
        ----------
        requirements : SkillSets
            One row per vacancy.
        vectors : ndarray of shape (n, dim)
        partitions : ndarray of shape (n,)
            Each vacancy's district partition (``n_partitions`` when it has none).
        travel_table : sequence of sequences
            ``travel_table[home][p]``: how partition ``p`` is reached from ``home``.
        top_k_courses, chunk : int

        Returns
        -------
        courses : ndarray of shape (n, top_k_courses)
            Course rows, best first; -1 where fewer courses fit.
        scores, essential_coverage : ndarray of shape (n, top_k_courses)
        """
        check_is_fitted(self, "relevance_")
        n = requirements.n_rows
        n_courses = len(self.course_vectors_)
        k = min(top_k_courses, n_courses)
        reachable = np.zeros((self.n_partitions_ + 1, n_courses), dtype=np.float32)
        for home, travel in enumerate(travel_table):
            travel_f = self._travel(travel)
            off = travel_f[self.off_partition_]
            best, _ = self._best_offerings(
                np.where((off > 0) & (self.off_places_ > 0), off, 0.0).astype(np.float32)
            )
            reachable[home] = best
        ess_m = requirements.matrix(requirements.essential.astype(np.float32), self.n_skills_)
        opt_m = requirements.matrix((~requirements.essential).astype(np.float32), self.n_skills_)
        n_ess = np.asarray(ess_m.sum(axis=1)).ravel()
        n_opt = np.asarray(opt_m.sum(axis=1)).ravel()
        credit_t = self.course_credit_.T.tocsr()
        out_c = np.full((n, k), -1, dtype=np.int64)
        out_s = np.zeros((n, k), dtype=np.float32)
        out_e = np.zeros((n, k), dtype=np.float32)
        w = self.provision_weights_
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            e_cov = (ess_m[start:stop] @ credit_t).toarray()
            o_cov = (opt_m[start:stop] @ credit_t).toarray()
            ne = n_ess[start:stop, None]
            no = n_opt[start:stop, None]
            any_cov = (e_cov + o_cov) > 0
            e_cov = np.divide(e_cov, ne, out=np.zeros_like(e_cov), where=ne > 0)
            o_cov = np.divide(o_cov, no, out=np.zeros_like(o_cov), where=no > 0)
            e_val = np.where(ne > 0, e_cov, o_cov)
            o_val = np.where(no > 0, o_cov, e_cov)
            rel = self._unit(vectors[start:stop] @ self.course_vectors_.T)
            travel = reachable[np.asarray(partitions[start:stop], dtype=np.int64)]
            score = (
                w["essential"] * e_val
                + w["optional"] * o_val
                + w["relevance"] * rel
                + w["travel"] * travel
            )
            score[~any_cov | (travel <= 0)] = -np.inf
            if k < n_courses:
                idx = np.argpartition(-score, k - 1, axis=1)[:, :k]
            else:
                idx = np.tile(np.arange(n_courses), (stop - start, 1))
            s = np.take_along_axis(score, idx, axis=1)
            order = np.argsort(-s, axis=1, kind="stable")
            idx = np.take_along_axis(idx, order, axis=1)
            s = np.take_along_axis(s, order, axis=1)
            ok = np.isfinite(s)
            out_c[start:stop] = np.where(ok, idx, -1)
            out_s[start:stop] = np.where(ok, s, 0.0)
            out_e[start:stop] = np.where(ok, np.take_along_axis(e_val, idx, axis=1), 0.0)
        return out_c, out_s, out_e

    # ---------------------------------------------------------------- learner pipeline

    def pipeline(
        self,
        requirement: SkillSets,
        learners: SkillSets,
        learner_partition: np.ndarray,
        learner_level: np.ndarray,
        travel_table: Sequence[Sequence[str | None]],
        today: int,
    ) -> PipelineCounts:
        """Which learners are ready for a job now, or matched to a course pathway leading there.

        A learner is on a pathway when a course in their reach (places free, level step
        allowed) adds at least one essential skill and leaves them covering at least
        ``pipeline_threshold`` of the job's skills.

        Parameters
        ----------
        requirement : SkillSets
            One row: the job's skills.
        learners : SkillSets
            One row per learner: skills held (confirmed), with strengths.
        learner_partition : ndarray of shape (n,)
            Each learner's home partition (``n_partitions`` when unknown).
        learner_level : ndarray of shape (n,)
            Each learner's level, -1 when unknown.
        travel_table : sequence of sequences
            ``travel_table[home][p]``: how partition ``p`` is reached from ``home``.
        today : int
            Day number.

        Returns
        -------
        counts : PipelineCounts
        """
        check_is_fitted(self, "relevance_")
        n = learners.n_rows
        ready = np.zeros(n, dtype=bool)
        via = np.zeros(n, dtype=bool)
        best_course = np.full(n, -1, dtype=np.int64)
        cols, ess, _ = requirement.row(0)
        cols = cols.astype(np.int64)
        if not len(cols) or not n:
            return PipelineCounts(ready, via, best_course)
        weight = np.where(ess, self.essential_weight, self.optional_weight).astype(np.float32)
        wsum = float(weight.sum())
        lc, _ = expand_credit(learners, self.hierarchy_)
        lcov = lc.tocsc()[:, cols].toarray()
        cov_now = lcov @ weight / wsum
        ready_now = lcov[:, ess].mean(axis=1) if ess.any() else cov_now
        ready = ready_now >= self.ready_threshold
        course_cov = self.course_credit_csc_[:, cols].toarray()
        partition = np.asarray(learner_partition, dtype=np.int64)
        level = np.asarray(learner_level, dtype=np.int64)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, key in enumerate(zip(partition.tolist(), level.tolist(), strict=True)):
            if not ready[i]:
                groups.setdefault(key, []).append(i)
        for (home, lv), members in groups.items():
            offer, _, _ = self._offerings_for(self._travel(travel_table[home]), today, False)
            practical = offer * self._level_factor(self.course_level_, None if lv < 0 else lv)
            feasible = np.flatnonzero(practical > 0)
            if not len(feasible):
                continue
            cc = course_cov[feasible]
            for start in range(0, len(members), 256):
                idx = np.asarray(members[start : start + 256])
                after = np.maximum(lcov[idx][:, None, :], cc[None, :, :])
                cov_after = after @ weight / wsum
                adds = (after[:, :, ess] > lcov[idx][:, None, ess]).any(axis=2)
                ok = adds & (cov_after >= self.pipeline_threshold)
                via[idx] = ok.any(axis=1)
                pick = np.where(ok, cov_after, -1.0).argmax(axis=1)
                best_course[idx] = np.where(via[idx], feasible[pick], -1)
        return PipelineCounts(ready, via, best_course)
