"""Learner -> course -> occupation pathways, one course or two, for ``PathwayScorer.recommend``."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ml.pathway_scoring._scoring_parts import _NO_DATE
from ml.pathway_scoring._vacancy_matches import _VacancyMatches
from ml.pathway_scoring.inputs import LearnerQuery
from ml.pathway_scoring.results import PathwayScore, Recommendation
from ml.vector_index import top_k


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


@dataclass(frozen=True)
class PathwayPairs:
    """Every (course, target) pair one learner query ranks, with the part values of its score,
    and what ``recommend`` derives them from."""

    q: np.ndarray
    credit: np.ndarray
    evidence: np.ndarray
    held: np.ndarray
    travel: np.ndarray  # per partition: travel factor
    offer: np.ndarray  # per course: best offering's travel x start value
    best_offering: np.ndarray
    next_start: np.ndarray
    practical: np.ndarray  # per course
    feasible: np.ndarray  # courses with a practical value
    reach: list[int]
    targets: np.ndarray  # targets considered
    interest: np.ndarray  # per target
    now: np.ndarray  # per target: coverage before any course
    jobs: np.ndarray  # per target
    vacancies_by_sector: dict[int, int]
    n_vacancies_in_reach: int
    course: np.ndarray  # per pair
    target: np.ndarray  # per pair
    values: dict[str, np.ndarray]  # part -> value per pair


class _LearnerPathways(_VacancyMatches):
    """Pathways, two-step pathways and vacancies for one learner (a mixin of the scorer)."""

    def pathway_pairs(self, query: LearnerQuery) -> PathwayPairs:
        """The pairs ``recommend`` ranks for ``query`` and their part values, before weighting.

        Parameters
        ----------
        query : LearnerQuery

        Returns
        -------
        pairs : PathwayPairs
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

        ki = ti = np.empty(0, dtype=np.int64)
        values: dict[str, np.ndarray] = {}
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
        return PathwayPairs(
            q,
            credit,
            evidence,
            held,
            travel_f,
            offer,
            best_off,
            next_start,
            practical,
            feasible,
            reach,
            targets,
            interest,
            now,
            jobs,
            by_sector,
            n_live,
            ki,
            ti,
            values,
        )

    def recommend(self, query: LearnerQuery) -> Recommendation:
        """Pathways (course -> occupation), two-step pathways and vacancies for one learner.

        Parameters
        ----------
        query : LearnerQuery

        Returns
        -------
        recommendation : Recommendation
        """
        pp = self.pathway_pairs(query)
        held = pp.held
        # A held skill is of use if a course teaches it or it covers (itself or a broader skill)
        # something a target or vacancy asks for.
        asked = np.asarray(self.hierarchy_[held] @ self.required_.astype(np.float32)).ravel() > 0
        unmatched = held[~self.taught_[held] & ~asked]

        ctx = _Context(
            query,
            pp.credit,
            pp.evidence,
            held,
            pp.now,
            pp.interest,
            pp.jobs,
            pp.reach,
            pp.q,
            pp.offer,
            pp.best_offering,
        )
        pathways: list[PathwayScore] = []
        two_step: list[PathwayScore] = []
        if pp.values:
            ki, ti = pp.course, pp.target
            score = sum(self.weights_[k] * pp.values[k] for k in self.weights_)
            firsts = [
                (
                    int(ki[i]),
                    int(ti[i]),
                    int(pp.best_offering[ki[i]]),
                    float(pp.practical[ki[i]]),
                    int(pp.next_start[ki[i]]),
                )
                for i in self._diverse(score, ki, ti)
            ]
            pathways = [self._pathway(ctx, k, t, (off, p, nxt)) for k, t, off, p, nxt in firsts]
            two_step = self._two_step(ctx, firsts, pp.travel)

        ready, close = self._direct(query, pp.credit, pp.evidence, held, pp.travel, pp.reach, pp.q)
        return Recommendation(
            pathways=pathways,
            two_step=two_step,
            ready_now=ready,
            close=close,
            n_courses_in_reach=len(pp.feasible),
            n_targets=len(pp.targets),
            unmatched_skills=np.asarray(unmatched, dtype=np.int64),
            n_vacancies_in_reach=pp.n_vacancies_in_reach,
            vacancies_by_sector=pp.vacancies_by_sector,
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
