"""Views of the public blueprint."""

from __future__ import annotations

from flask import render_template

from web.public import bp


@bp.get("/")
def home() -> str:
    """Explain the service."""
    return render_template("public/home.html")
