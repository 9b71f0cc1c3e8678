"""The Flask delivery layer: blueprints, templates and static files over ``skillsmatch``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from web import errors, security, templating
    from web.auth import sessions

    templating.init_app(app)
    security.init_app(app)
    sessions.init_app(app)
    errors.init_app(app)

    from web.auth import bp as auth_bp
    from web.board import bp as board_bp
    from web.employer import bp as employer_bp
    from web.learner import bp as learner_bp
    from web.provider import bp as provider_bp
    from web.public import bp as public_bp

    for blueprint in (public_bp, auth_bp, learner_bp, employer_bp, provider_bp, board_bp):
        app.register_blueprint(blueprint)
