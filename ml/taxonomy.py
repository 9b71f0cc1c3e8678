"""Label indexes over a taxonomy: every label of every concept, embedded once and cached on disk.

The cache file name holds the model name, the taxonomy version and a hash of the exact label
texts, so a changed taxonomy or model can never be served stale vectors, and an unchanged one is
never embedded twice (embedding ESCO's ~110,000 skill labels takes minutes on two cores).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.encoder import Encoder


def embed_cached(
    texts: Sequence[str],
    encoder: Encoder,
    cache_dir: str | os.PathLike[str] | None,
    namespace: str,
    progress: bool = False,
) -> np.ndarray:
    """Embeddings of ``texts``, read from ``cache_dir`` if the same texts were embedded before."""
    digest = hashlib.sha256()
    digest.update(f"{encoder.name}\x00{namespace}\x00".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x00")
    path = None
    if cache_dir is not None:
        safe_model = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in encoder.name)
        path = Path(cache_dir) / f"{namespace}--{safe_model}--{digest.hexdigest()[:20]}.npy"
        if path.exists():
            # Mapped, not read: a caller using a subset (preferred labels only) reads only that.
            vectors = np.load(path, mmap_mode="r")
            if vectors.shape[0] == len(texts):
                return vectors
    vectors = _encode_batched(texts, encoder, progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file, even with two processes building.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, vectors)
        os.replace(tmp, path)
    return vectors


def _encode_batched(texts: Sequence[str], encoder: Encoder, progress: bool) -> np.ndarray:
    if not progress or len(texts) <= 2048:
        return encoder.encode(texts)
    from tqdm import tqdm

    parts = [
        encoder.encode(texts[i : i + 2048])
        for i in tqdm(range(0, len(texts), 2048), desc="embedding labels", unit="x2048")
    ]
    return np.concatenate(parts)


@dataclass(frozen=True)
class LabelIndex:
    """Label vectors grouped by concept, so that a concept scores as its best-matching label.

    Rows are sorted by concept; ``starts[c]`` is the first row of concept ``c``, and every concept
    has at least one row (its preferred label, row kind 0).
    """

    vectors: np.ndarray  # (n_labels, dim) float32, unit length
    concept: np.ndarray  # (n_labels,) concept number of each row
    is_preferred: np.ndarray  # (n_labels,) bool
    texts: tuple[str, ...]
    starts: np.ndarray  # (n_concepts,)

    @property
    def n_concepts(self) -> int:
        return len(self.starts)

    def preferred_only(self) -> LabelIndex:
        """The same concepts with their preferred labels alone."""
        keep = self.is_preferred
        return LabelIndex(
            self.vectors[keep],
            self.concept[keep],
            self.is_preferred[keep],
            tuple(t for t, k in zip(self.texts, keep, strict=True) if k),
            np.arange(self.n_concepts),
        )

    def best_per_concept(self, similarities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per concept, the best score over its rows and that row: ``(scores, rows)``."""
        scores = np.maximum.reduceat(similarities, self.starts, axis=1)
        # The arg-max row is wanted only for evidence and lexical checks; a repeat makes it cheap.
        hit = similarities == np.repeat(
            scores, np.diff(np.append(self.starts, len(self.concept))), axis=1
        )
        rows = np.where(hit, np.arange(similarities.shape[1]), similarities.shape[1])
        return scores, np.minimum.reduceat(rows, self.starts, axis=1)


def build_label_index(
    labels: Sequence[Sequence[str]],
    encoder: Encoder,
    cache_dir: str | os.PathLike[str] | None,
    namespace: str,
    progress: bool = False,
) -> LabelIndex:
    """Index ``labels[c]`` (preferred label first, then alternatives) for each concept ``c``."""
    texts: list[str] = []
    concept: list[int] = []
    preferred: list[bool] = []
    for c, names in enumerate(labels):
        seen: set[str] = set()
        for i, name in enumerate(names):
            name = " ".join(str(name).split())
            key = name.lower()
            if not name or key in seen:
                continue
            seen.add(key)
            texts.append(name)
            concept.append(c)
            preferred.append(i == 0)
        if not seen:
            raise ValueError(f"concept {c} has no label")
    vectors = embed_cached(texts, encoder, cache_dir, namespace, progress=progress)
    concept_arr = np.asarray(concept, dtype=np.int32)
    starts = np.flatnonzero(np.r_[True, concept_arr[1:] != concept_arr[:-1]])
    return LabelIndex(vectors, concept_arr, np.asarray(preferred), tuple(texts), starts)
