"""Vacancy or skill demand -> the courses in reach that supply its skills, one or many at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ml.pathway_scoring._scoring_parts import _ScoringParts
from ml.pathway_scoring.results import ProvisionScore
from ml.pathway_scoring.skill_sets import SkillSets
from ml.vector_index import top_k


@dataclass(frozen=True)
class ProvisionPairs:
    """The courses in reach of one job and the part values of each, before weighting."""

    courses: np.ndarray  # course rows with an offering in reach
    best_offering: np.ndarray  # per course row of the catalogue: its best offering
    coverage: np.ndarray  # per course in ``courses`` x required skill: credit in [0, 1]
    values: dict[str, np.ndarray]  # part -> value per course in ``courses``

    @property
    def useful(self) -> np.ndarray:
        """Positions in ``courses`` of those covering at least one skill, fully or partly."""
        if not self.coverage.size:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(self.coverage.max(axis=1) > 0)


class _Provision(_ScoringParts):
    """Courses for a vacancy or demand (a mixin of the scorer)."""

    def provision_pairs(
        self, requirement: SkillSets, vector: np.ndarray, travel: Sequence[str | None]
    ) -> ProvisionPairs:
        """The courses ``provision`` ranks for one job and their part values (see there)."""
        check_is_fitted(self, "relevance_")
        if requirement.n_rows != 1:
            raise ValueError("requirement must hold exactly one row")
        cols, ess, _ = requirement.row(0)
        cols = cols.astype(np.int64)
        travel_f = self._travel(travel)
        off_travel = travel_f[self.off_partition_]
        value = np.where((off_travel > 0) & (self.off_places_ > 0), off_travel, 0.0)
        best, best_off = self._best_offerings(value.astype(np.float32))
        feasible = np.flatnonzero(best > 0)
        if not len(cols) or not len(feasible):
            none = np.empty(0, dtype=np.int64)
            return ProvisionPairs(none, best_off, np.zeros((0, len(cols))), {})
        cov = self._row_values(self.course_credit_csc_, feasible, cols)
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
        return ProvisionPairs(feasible, best_off, cov, values)

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
        pairs = self.provision_pairs(requirement, vector, travel)
        if not len(pairs.courses):
            return []
        cols, ess, strength = requirement.row(0)
        cols = cols.astype(np.int64)
        feasible, best_off, cov, values = (
            pairs.courses,
            pairs.best_offering,
            pairs.coverage,
            pairs.values,
        )
        evid = self._row_values(self.course_evidence_csc_, feasible, cols)
        score = sum(self.provision_weights_[k] * values[k] for k in self.provision_weights_)
        useful = pairs.useful
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
