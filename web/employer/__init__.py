"""An employer's pages: its organisation, skill needs and vacancies."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("employer", __name__, url_prefix="/employer")

from web.employer import views  # noqa: E402,F401
