"""Hybrid pathway scoring: learner -> course -> occupation (and its vacancies), vacancy -> courses.

Everything here works on integer positions and arrays, never on the database: skills are columns
``0..n_skills-1``; courses, course offerings, target occupations and vacancies are row numbers;
districts are partitions ``0..n_partitions-1``, and partition ``n_partitions`` stands for "online,
or no district given". The caller maps its ids to these and back and, for each query, says how
every partition is reached from home (``"same district"``, ``"neighbouring district"``,
``"online"`` or None), so that travel has a single definition outside this package.

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

The default weights (``defaults``) are parameters read from ``ml/pathway_weights.json``. The
pathway and provision weights were chosen on a dev split of apprenticeship job titles held out
of the catalogue (a learner who wants a held-out job should be offered a course listing it; a
vacancy with that title should find such a course) by ``python -m bench.bench_pathway_weights
--fit``, which reports them beside the hand-set weights and single-part baselines on a test
split. The search keeps the skill parts at 30% or more of each score, a product rule: the
evaluation's learners name the job they want, which rewards profile similarity, and a ranking
should not ignore what the person can do. Learner -> vacancy weights, and the pathway weight of
live vacancies, have no labels and stay set by hand, as the file records.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from ml.pathway_scoring._learner_pathways import _LearnerPathways
from ml.pathway_scoring._pipeline import _Pipeline
from ml.pathway_scoring._provision import _Provision
from ml.pathway_scoring.defaults import (
    DIRECT_WEIGHTS,
    LEVEL_FACTORS,
    PATHWAY_WEIGHTS,
    PROVISION_WEIGHTS,
    TRAVEL_FACTORS,
)
from ml.pathway_scoring.inputs import Catalogue
from ml.pathway_scoring.skill_sets import SkillSets, expand_credit, hierarchy_credit
from ml.vector_index import PartitionedVectorIndex

__all__ = ["PathwayScorer"]


# The queries live in mixins, one per responsibility: learner pathways (with the direct
# learner -> vacancy matches they include), provision for a job, and the learner pipeline.
class PathwayScorer(_LearnerPathways, _Provision, _Pipeline, BaseEstimator):
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
