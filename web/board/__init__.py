"""The skills board's pages: the gap dashboard, data management and the audit log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("board", __name__, url_prefix="/board")

from web.board import views  # noqa: E402,F401
