"""Nearest neighbours among unit vectors, kept apart by partition (a district, say).

Rows are stored grouped by partition, so a search restricted to a few partitions (the districts in
a person's reach) reads only those rows: exactly with a numpy product where a partition is small,
or through a FAISS inverted-file (IVF) index where brute force stops scaling. Inner product is the
cosine here, because every vector is unit length.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["PartitionedVectorIndex", "top_k"]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores, best first (ties by position)."""
    k = min(int(k), len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


class PartitionedVectorIndex(BaseEstimator):
    """Top-k inner-product search over unit vectors, restricted to chosen partitions.

    Parameters
    ----------
    method : {"auto", "exact", "ivf"}, default="auto"
        ``"exact"`` multiplies every row of the searched partitions; ``"ivf"`` searches a FAISS
        ``IndexIVFFlat`` (or fp16 scalar-quantised) per partition; ``"auto"`` uses IVF only for
        partitions larger than ``exact_limit``.
    exact_limit : int, default=50000
        Largest partition searched exactly under ``"auto"``.
    n_lists : int or None, default=None
        Inverted lists per IVF partition; None uses ``sqrt(rows)`` rounded, at least 16.
    n_probe : int, default=16
        Lists visited per IVF search: more is slower and closer to exact.
    storage : {"float32", "float16"}, default="float32"
        Vector storage inside IVF indexes; float16 halves their memory for a small loss of
        precision. Exact partitions always read the caller's float32 rows.
    train_per_list : int, default=40
        Training rows per list for the IVF k-means (a sample, so that building stays fast).
    random_state : int, default=0
        Seed of the training sample.

    Attributes
    ----------
    order_ : ndarray of int
        Stored row -> row of the ``vectors`` given to ``fit`` (identity when already grouped).
    partitions_ : ndarray of int
        The partition labels present, sorted.
    starts_, stops_ : ndarray of int
        Stored rows ``starts_[i]:stops_[i]`` hold partition ``partitions_[i]``.
    vectors_ : ndarray of float32
        The stored rows (a view of the input where it was already grouped by partition).
    ivf_ : dict of int to faiss.Index
        The IVF index of each partition searched approximately.
    build_seconds_ : float
        Time spent building IVF indexes.
    """

    def __init__(
        self,
        method: Literal["auto", "exact", "ivf"] = "auto",
        exact_limit: int = 50_000,
        n_lists: int | None = None,
        n_probe: int = 16,
        storage: Literal["float32", "float16"] = "float32",
        train_per_list: int = 40,
        random_state: int = 0,
    ) -> None:
        self.method = method
        self.exact_limit = exact_limit
        self.n_lists = n_lists
        self.n_probe = n_probe
        self.storage = storage
        self.train_per_list = train_per_list
        self.random_state = random_state

    def fit(self, vectors: np.ndarray, partition: np.ndarray) -> PartitionedVectorIndex:
        """Store ``vectors`` grouped by ``partition`` and build the IVF indexes needed.

        Parameters
        ----------
        vectors : ndarray of shape (n_rows, dim)
            Unit-length float32 rows (a zero row never scores above 0).
        partition : ndarray of shape (n_rows,)
            Non-negative integer label of each row.

        Returns
        -------
        self : PartitionedVectorIndex
        """
        if self.method not in ("auto", "exact", "ivf"):
            raise ValueError(f"method must be 'auto', 'exact' or 'ivf', not {self.method!r}")
        if self.storage not in ("float32", "float16"):
            raise ValueError(f"storage must be 'float32' or 'float16', not {self.storage!r}")
        vectors = np.asarray(vectors)
        partition = np.asarray(partition, dtype=np.int64)
        if vectors.ndim != 2 or len(vectors) != len(partition):
            raise ValueError(
                f"vectors must be (n_rows, dim) with one partition per row; got {vectors.shape} "
                f"and {partition.shape}"
            )
        if len(partition) and partition.min() < 0:
            raise ValueError("partition labels must be non-negative")
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        if len(partition) == 0 or np.all(partition[1:] >= partition[:-1]):
            # Already grouped: keep a view, so a million rows are not copied.
            self.order_ = np.arange(len(partition))
            self.vectors_ = vectors
        else:
            self.order_ = np.argsort(partition, kind="stable")
            self.vectors_ = vectors[self.order_]
        grouped = partition[self.order_]
        self.partitions_, self.starts_ = np.unique(grouped, return_index=True)
        self.stops_ = np.append(self.starts_[1:], len(grouped)).astype(np.int64)[
            : len(self.starts_)
        ]
        self.slot_ = {int(p): i for i, p in enumerate(self.partitions_)}
        self.ivf_: dict[int, object] = {}
        started = time.perf_counter()
        for slot, (start, stop) in enumerate(zip(self.starts_, self.stops_, strict=True)):
            size = int(stop - start)
            if self.method == "ivf" or (self.method == "auto" and size > self.exact_limit):
                self.ivf_[slot] = self._build_ivf(self.vectors_[start:stop], slot)
        self.build_seconds_ = time.perf_counter() - started
        return self

    def _build_ivf(self, rows: np.ndarray, slot: int) -> object:
        import faiss

        dim = rows.shape[1]
        n_lists = self.n_lists or max(16, int(round(np.sqrt(len(rows)))))
        # FAISS wants at least 39 training rows per list; small partitions get fewer lists.
        n_lists = min(n_lists, max(1, len(rows) // 39))
        quantiser = faiss.IndexFlatIP(dim)
        if self.storage == "float16":
            index = faiss.IndexIVFScalarQuantizer(
                quantiser, dim, n_lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
        else:
            index = faiss.IndexIVFFlat(quantiser, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(self.random_state + slot)
        n_train = min(len(rows), n_lists * self.train_per_list)
        sample = rows[np.sort(rng.choice(len(rows), n_train, replace=False))]
        index.cp.niter = 10
        index.cp.max_points_per_centroid = self.train_per_list
        index.train(np.ascontiguousarray(sample))
        for start in range(0, len(rows), 65_536):
            index.add(np.ascontiguousarray(rows[start : start + 65_536]))
        index.nprobe = min(self.n_probe, n_lists)
        # The caller keeps its own float32 rows for exact re-scoring; the index holds a copy.
        return index

    def search(
        self, query: np.ndarray, k: int, partitions: Iterable[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` stored rows nearest ``query`` among ``partitions`` (None: all).

        Parameters
        ----------
        query : ndarray of shape (dim,)
            A unit vector.
        k : int
            Rows wanted.
        partitions : iterable of int or None
            Partition labels to search; labels not present are ignored.

        Returns
        -------
        scores : ndarray of float32
            Inner products, best first.
        rows : ndarray of int
            Stored row numbers (``order_[rows]`` gives the rows given to ``fit``).
        """
        check_is_fitted(self, "vectors_")
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        slots = (
            range(len(self.partitions_))
            if partitions is None
            else sorted({self.slot_[int(p)] for p in partitions if int(p) in self.slot_})
        )
        all_scores: list[np.ndarray] = []
        all_rows: list[np.ndarray] = []
        for slot in slots:
            start = int(self.starts_[slot])
            if slot in self.ivf_:
                index = self.ivf_[slot]
                scores, rows = index.search(query[None, :], k)  # type: ignore[attr-defined]
                keep = rows[0] >= 0
                all_scores.append(scores[0][keep])
                all_rows.append(rows[0][keep].astype(np.int64) + start)
            else:
                scores = self.vectors_[start : self.stops_[slot]] @ query
                best = top_k(scores, k)
                all_scores.append(scores[best])
                all_rows.append(best + start)
        if not all_scores:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        scores = np.concatenate(all_scores)
        rows = np.concatenate(all_rows)
        best = top_k(scores, k)
        return scores[best], rows[best]

    @property
    def n_rows(self) -> int:
        check_is_fitted(self, "vectors_")
        return len(self.order_)
