"""Fixtures for the ML tests: a tiny taxonomy with a word-hashing encoder, and the real app."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from fakes import HashingEncoder


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
