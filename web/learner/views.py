"""Views of the learner blueprint: the dashboard (the profile pages are in ``profile``)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import learner_summary
from skillsmatch.services.learner_profile import QUALIFICATION_LEVELS
from web.auth.permissions import role_required
from web.learner import bp


@bp.get("")
@role_required("learner")
def dashboard() -> str:
    """Show the learner's own profile in brief, with their pathways and their data."""
    return render_template(
        "learner/dashboard.html",
        summary=learner_summary(db.session, current_user.account),
        levels=QUALIFICATION_LEVELS,
    )
