"""Configuration defaults; every value can be overridden by a SKILLSMATCH_* environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def default_config(instance_path: str) -> dict[str, Any]:
    """Settings for the embedded default: SQLite in the instance folder."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'skillsmatch.sqlite3'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATA_DIR": str(DATA_DIR),
        # Embeddings are cached on disk, keyed by model and taxonomy version.
        "CACHE_DIR": os.environ.get("SKILLSMATCH_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache")),
        "SECRET_KEY": None,
    }
