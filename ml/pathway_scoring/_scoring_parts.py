"""The small vectorised pieces every query of ``PathwayScorer`` is built from.

A mixin: the methods read the parameters and the fitted state of ``PathwayScorer``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from ml.pathway_scoring.results import Scored, SkillBreakdown
from ml.pathway_scoring.skill_sets import SkillSets, expand_credit

_NO_DATE = np.iinfo(np.int64).max


class _ScoringParts:
    """Travel, level and start factors, offerings, coverage, confidence and skill breakdowns."""

    def _unit(self, cosine: np.ndarray) -> np.ndarray:
        lo, hi = self.similarity_floor, self.similarity_ceiling
        return np.clip((np.asarray(cosine, dtype=np.float32) - lo) / (hi - lo), 0.0, 1.0)

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
