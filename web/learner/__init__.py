"""A learner's own pages: profile, skills, pathways."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learner", __name__, url_prefix="/learner")

from web.learner import views  # noqa: E402,F401
