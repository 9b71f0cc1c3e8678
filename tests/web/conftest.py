"""Fixtures for the site: a small catalogue, a page-checking client, accounts and ``login_as``."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask, current_app
from flask_migrate import upgrade
from sitetest import Account, PageCheckingClient, build_catalogue, create_account, make_app

from skillsmatch import create_app
from skillsmatch.extensions import db


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2's CHEAPEST profile ("only for testing") keeps sign-ins fast."""
    monkeypatch.setattr(
        "skillsmatch.passwords._hasher", PasswordHasher.from_parameters(profiles.CHEAPEST)
    )


@pytest.fixture(autouse=True)
def pathway_index_without_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page that builds the pathway index on first use gets it on the hashing encoder, with no
    embedding cache, so that no site test loads the model or writes to ``var/cache``. Tests that
    need a particular index put their own in ``app.extensions`` first."""
    from fakes import HashingEncoder

    from skillsmatch.services import pathways
    from skillsmatch.services.pathways import index as index_module

    def build(app: Flask | None = None, encoder: object = None) -> pathways.PathwayIndex:
        app = app or current_app._get_current_object()  # type: ignore[attr-defined]
        with app.app_context():
            index = pathways.PathwayIndex.build(db.session, encoder=encoder or HashingEncoder())
        app.extensions[pathways.EXTENSION_KEY] = index
        return index

    # Patched where ``get_pathway_index`` looks it up, and on the package for callers using it.
    monkeypatch.setattr(index_module, "rebuild_pathway_index", build)
    monkeypatch.setattr(pathways, "rebuild_pathway_index", build)


@pytest.fixture(scope="session")
def catalogue_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the catalogue, built once and copied for each test."""
    path = tmp_path_factory.mktemp("web") / "catalogue.sqlite3"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"}
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        build_catalogue()
        db.engine.dispose()
    return path


@pytest.fixture
def web_app(catalogue_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """The site on a private copy of the catalogue; CSRF protection on, as in production."""
    database = tmp_path / "site.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(web_app: Flask) -> PageCheckingClient:
    return web_app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_account(web_app: Flask) -> Callable[..., Account]:
    return lambda role, email=None: create_account(web_app, role, email)


@pytest.fixture
def login_as(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> Callable[..., Account]:
    """Sign ``client`` (or another client) in as a new account of ``role``, through the form."""

    def login(role: str, on: PageCheckingClient | None = None) -> Account:
        account = make_account(role)
        response = (on or client).sign_in(account.email)
        assert response.status_code == 302, f"could not sign in as {role}"
        return account

    return login
