"""Stand-ins for the embedding model, so that most tests run without it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd


class HashingEncoder:
    """Bag of words hashed into 64 dimensions: similar wording, similar vectors. No model needed."""

    name = "hashing-test-encoder"
    max_tokens = 256
    dimension = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def hashing_linker(skills: pd.DataFrame):  # type: ignore[no-untyped-def]
    """A ``SkillLinker`` over ``skills`` (columns uri, label; optional alt_labels, description,
    skill_type) with the hashing encoder and plain cosine scores."""
    from ml.linking import SkillLinker

    frame = skills.copy()
    for column, default in (("alt_labels", []), ("description", ""), ("skill_type", "skill")):
        if column not in frame:
            frame[column] = [default] * len(frame)
    return SkillLinker(encoder=HashingEncoder()).fit(frame)
