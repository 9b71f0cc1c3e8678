"""Views of the learner blueprint: the dashboard (the profile pages are in ``profile``)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import learner_summary
from skillsmatch.services.learner_profile import QUALIFICATION_LEVELS
from skillsmatch.services.saved_pathways import saved_for
from web.auth.permissions import role_required
from web.learner import bp
from web.learner.forms import RemovePathwayForm


@bp.get("")
@role_required("learner")
def dashboard() -> str:
    """Show the learner's own profile in brief, with their saved pathways and their data."""
    summary = learner_summary(db.session, current_user.account)
    saved = saved_for(db.session, summary.learner) if summary.learner else []
    return render_template(
        "learner/dashboard.html",
        summary=summary,
        levels=QUALIFICATION_LEVELS,
        saved_pathways=saved,
        remove_form=RemovePathwayForm(),
        shows_demo=current_user.is_demo or any(s.is_demo for s in saved),
    )
