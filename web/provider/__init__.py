"""A course provider's pages: its courses and offerings."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("provider", __name__, url_prefix="/provider")

from web.provider import views  # noqa: E402,F401
