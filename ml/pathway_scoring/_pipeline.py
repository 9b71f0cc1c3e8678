"""The learner pipeline of a job: learners ready now, or on a course pathway leading there."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ml.pathway_scoring._scoring_parts import _ScoringParts
from ml.pathway_scoring.results import PipelineCounts
from ml.pathway_scoring.skill_sets import SkillSets, expand_credit


class _Pipeline(_ScoringParts):
    """Pipeline counts for a job (a mixin of the scorer)."""

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
