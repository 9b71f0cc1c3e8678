"""Views of the provider blueprint."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.services.dashboards import provider_summary
from web.auth.permissions import role_required
from web.provider import bp


@bp.get("")
@role_required("provider")
def dashboard() -> str:
    """Show the provider's courses and offerings in brief."""
    return render_template(
        "provider/dashboard.html", summary=provider_summary(db.session, current_user.account)
    )
