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
        # The session cookie: host-only, HTTPS only, out of reach of scripts (ASVS 3.3).
        "SESSION_COOKIE_NAME": "__Host-session",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A signed-in session ends after 30 minutes without a request, and after 12 hours in all.
        "SESSION_IDLE_SECONDS": 30 * 60,
        "SESSION_ABSOLUTE_SECONDS": 12 * 60 * 60,
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
        # Sign-in, registration and password changes are rate-limited. memory:// counts per
        # process; production sets SKILLSMATCH_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "skillsmatch",
        # Behind a reverse proxy, how many proxies in front set X-Forwarded-For/-Proto/-Host.
        # 0 trusts none of those headers (a client could forge them to dodge rate limits).
        "TRUSTED_PROXIES": 0,
        # Outgoing mail (password reset links). Without MAIL_SERVER, messages are written to
        # OUTBOX_DIR as .eml files instead of being sent.
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_FROM": "SkillsMatch <no-reply@skillsmatch.invalid>",
        "OUTBOX_DIR": str(instance / "outbox"),
        # When the catalogue changes, the pathway index is rebuilt by a background thread while
        # the old one answers ("background"), or by the request that notices ("now").
        "PATHWAY_INDEX_REFRESH": "background",
        # The address links in emails start with. Never taken from the request: a forged Host
        # header would otherwise send someone's reset link to another site.
        "PUBLIC_URL": "http://127.0.0.1:5000",
        # A password reset link works once, for an hour.
        "PASSWORD_RESET_SECONDS": 60 * 60,
    }
