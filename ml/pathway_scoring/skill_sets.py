"""Skills of many rows in CSR layout, and the credit a skill gives through the ESCO hierarchy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["SkillSets", "expand_credit", "hierarchy_credit"]


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
