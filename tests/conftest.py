"""Shared fixtures: apps on SQLite and PostgreSQL built through the real migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade

from skillsmatch import create_app
from skillsmatch.extensions import db

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

POSTGRES_ADMIN_URL = os.environ.get(
    "SKILLSMATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _app(tmp_path: Path, uri: str) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "test-secret",
            "PATHWAY_INDEX_REFRESH": "now",
            "CACHE_DIR": os.environ.get(
                "SKILLSMATCH_CACHE_DIR", str(Path(__file__).parent.parent / "var" / "cache")
            ),
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def postgres_available() -> str | None:
    """None if a PostgreSQL server answers, else why not."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"no PostgreSQL server at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    """A fresh PostgreSQL database per test; skips locally without a server, fails under CI."""
    reason = postgres_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {reason}")
        pytest.skip(reason)
    name = f"skillsmatch_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    app = _app(tmp_path, url.render_as_string(hide_password=False))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Flask:
    """The app on each supported database in turn."""
    fixture = "sqlite_app" if request.param == "sqlite" else "postgres_app"
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue(fixture)


@pytest.fixture
def runner(sqlite_app: Flask) -> FlaskCliRunner:
    return sqlite_app.test_cli_runner()
