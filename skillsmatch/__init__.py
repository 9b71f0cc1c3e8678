"""SkillsMatch: skills-to-jobs matching for Greater Essex."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from skillsmatch.config import PROJECT_ROOT, default_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application: defaults, then SKILLSMATCH_* environment, then ``config``."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "web" / "templates"),
        static_folder=str(PROJECT_ROOT / "web" / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_prefixed_env("SKILLSMATCH")
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    from skillsmatch import commands, models  # noqa: F401  (models registers the tables)
    from skillsmatch.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    for extension in (login_manager, csrf, limiter):
        extension.init_app(app)
    commands.init_app(app)

    import web

    web.init_app(app)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app


def _instance_secret(instance: Path) -> str:
    """A per-installation secret for the embedded default.

    Production sets SKILLSMATCH_SECRET_KEY.
    """
    path = instance / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
