"""Learner -> vacancies now: the ones a learner is ready for, and the closest of the others."""

from __future__ import annotations

import numpy as np

from ml.pathway_scoring._scoring_parts import _ScoringParts
from ml.pathway_scoring.inputs import LearnerQuery
from ml.pathway_scoring.results import VacancyMatch
from ml.vector_index import top_k


class _VacancyMatches(_ScoringParts):
    """Direct learner -> vacancy matches (a mixin of the scorer)."""

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
