"""Fixtures for the ML tests: a tiny taxonomy with a word-hashing encoder, and the real app."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest


class HashingEncoder:
    """Bag of words hashed into 64 dimensions: similar wording, similar vectors. No model needed."""

    name = "hashing-test-encoder"
    max_tokens = 256

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


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def tiny_skills() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uri": [f"http://example.org/skill/{i}" for i in range(5)],
            "label": [
                "Python (computer programming)",
                "manage budgets",
                "provide personal care",
                "drive heavy goods vehicles",
                "customer service",
            ],
            "alt_labels": [
                ["python scripting"],
                ["budget management", "control finances"],
                ["assist patients with washing and dressing"],
                ["HGV driving"],
                [],
            ],
            "description": ["", "", "", "", "Helping customers."],
            "skill_type": ["knowledge", "skill", "skill", "skill", "skill"],
        }
    )


@pytest.fixture(scope="session")
def ml_app():
    """The app with the project's embedding cache: embedding ESCO takes minutes, once."""
    from skillsmatch import create_app
    from skillsmatch.config import PROJECT_ROOT

    cache = os.environ.get("SKILLSMATCH_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache"))
    return create_app({"TESTING": True, "CACHE_DIR": cache})
