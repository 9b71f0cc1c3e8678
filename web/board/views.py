"""Views of the board blueprint."""

from __future__ import annotations

from flask import render_template

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import any_demo_data, board_summary
from web.auth.permissions import role_required
from web.board import bp


@bp.get("")
@role_required("board")
def dashboard() -> str:
    """Show what the skills board oversees, counted."""
    return render_template(
        "board/dashboard.html",
        counts=board_summary(db.session),
        shows_demo=any_demo_data(db.session),
    )
