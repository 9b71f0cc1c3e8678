"""Views of the learner blueprint."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import learner_summary
from web.auth.permissions import role_required
from web.learner import bp


@bp.get("")
@role_required("learner")
def dashboard() -> str:
    """Show the learner's own profile in brief."""
    return render_template(
        "learner/dashboard.html", summary=learner_summary(db.session, current_user.account)
    )
