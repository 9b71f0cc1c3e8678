"""Views of the employer blueprint."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import employer_summary
from web.auth.permissions import role_required
from web.employer import bp


@bp.get("")
@role_required("employer")
def dashboard() -> str:
    """Show the employer's organisation, skill needs and vacancies in brief."""
    return render_template(
        "employer/dashboard.html", summary=employer_summary(db.session, current_user.account)
    )
