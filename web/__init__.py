"""The Flask delivery layer: blueprints, templates and static files over ``skillsmatch``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from web.public import bp as public_bp

    app.register_blueprint(public_bp)
