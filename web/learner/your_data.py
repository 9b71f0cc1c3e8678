"""The learner's own data: download it (JSON, or a zip of CSV files) and delete the account."""

from __future__ import annotations

import io

from flask import Response, current_app, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from skillsmatch.extensions import db, limiter
from skillsmatch.passwords import verify_password
from skillsmatch.services import personal_data
from web.auth.forms import add_error
from web.auth.permissions import role_required
from web.auth.sessions import end_session
from web.learner import bp
from web.learner.forms import DeleteAccountForm
from web.learner.profile import own_learner
from web.security import request_id

# Deleting asks for the password again; guessing it is limited like signing in.
FAILED_ATTEMPTS = "5 per minute"


def _failed(response: Response) -> bool:
    return response.status_code != 302


@bp.get("/your-data")
@role_required("learner")
def your_data() -> ResponseReturnValue:
    """What SkillsMatch holds about the learner, to download or delete."""
    learner = own_learner()
    tables = personal_data.personal_data_map().table_names
    return render_template("learner/your_data.html", learner=learner, tables=tables)


def _download(fmt: str) -> ResponseReturnValue:
    learner = own_learner()
    download = personal_data.export(
        db.session, learner, fmt, actor=current_user.account, request_id=request_id()
    )
    db.session.commit()  # the export's audit event
    current_app.logger.info("personal data exported: format=%s", fmt)
    return send_file(
        io.BytesIO(download.body),
        mimetype=download.mimetype,
        as_attachment=True,
        download_name=download.filename,
        etag=False,
        conditional=False,
    )


@bp.get("/your-data/json")
@role_required("learner")
def export_json() -> ResponseReturnValue:
    """Download all the learner's data as one JSON file."""
    return _download("json")


@bp.get("/your-data/csv")
@role_required("learner")
def export_csv() -> ResponseReturnValue:
    """Download all the learner's data as a zip of CSV files, one per table."""
    return _download("csv")


@bp.route("/delete-account", methods=["GET", "POST"])
@limiter.limit(FAILED_ATTEMPTS, methods=["POST"], deduct_when=_failed)
@role_required("learner")
def delete_account() -> ResponseReturnValue:
    """Confirm with the password, then delete the account and every row about the learner."""
    learner = own_learner()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        account = current_user.account
        if not verify_password(account.password_hash, form.password.data or ""):
            add_error(form, "password", "Your password is not correct")
        else:
            personal_data.erase(db.session, learner, actor=account, request_id=request_id())
            db.session.commit()
            current_app.logger.info("learner account deleted")
            end_session()
            flash("Your account and all your data have been deleted.", "success")
            return redirect(url_for("public.home"))
    return render_template("learner/delete_account.html", form=form)
