"""A learner's own pages: profile, skills, consent, their data, pathways."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("learner", __name__, url_prefix="/learner")

from web.learner import pathways, profile, views, your_data  # noqa: E402,F401
