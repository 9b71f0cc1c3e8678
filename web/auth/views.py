"""Views of the auth blueprint: sign in, sign out, register, change or reset a password."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from skillsmatch.extensions import db, limiter
from skillsmatch.models.people import ROLES
from skillsmatch.services import accounts, audit, mail, password_reset
from skillsmatch.services.catalogue import district_choices
from web import auditing
from web.auth import bp
from web.auth.forms import (
    ChangePasswordForm,
    EmployerRegistrationForm,
    ForgotPasswordForm,
    LearnerRegistrationForm,
    ResetPasswordForm,
    SignInForm,
    add_error,
)
from web.auth.permissions import landing_url, public, role_required, safe_next
from web.auth.sessions import end_session, start_session
from web.security import request_id

# ASVS 6.3.1: at most five failed attempts a minute from one client; successes do not count.
FAILED_ATTEMPTS = "5 per minute"
REGISTRATIONS = "5 per minute"
# Every request sends an email, so every request counts, not only failures.
RESET_REQUESTS = "5 per minute;20 per hour"
RESET_TOKEN = "reset_token"


def _failed(response: Response) -> bool:
    """A sign-in or password change that did not succeed (successes redirect)."""
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(FAILED_ATTEMPTS, methods=["POST"], deduct_when=_failed)
@public
def sign_in() -> ResponseReturnValue:
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user.role))
    form = SignInForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()  # a rehashed password, if its parameters were outdated
            start_session(user)
            current_app.logger.info("sign-in: user=%s role=%s", user.public_id, user.role)
            return redirect(next_url or landing_url(user.role))
        # The same message whether the address or the password was wrong.
        current_app.logger.info("sign-in failed")
        add_error(form, "email", "Enter a correct email address and password")
    return render_template("auth/sign_in.html", form=form, next_url=next_url)


@bp.post("/sign-out")
@role_required(*ROLES)
def sign_out() -> ResponseReturnValue:
    """Sign out and revoke every session of this account."""
    account = current_user.account
    accounts.revoke_sessions(account)
    db.session.commit()
    current_app.logger.info("sign-out: user=%s", account.public_id)
    end_session()
    flash("You have signed out.", "success")
    return redirect(landing_url(None))


@bp.get("/register")
@public
def register() -> ResponseReturnValue:
    """Choose which kind of account to create."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user.role))
    return render_template("auth/register.html")


@bp.route("/register/learner", methods=["GET", "POST"])
@limiter.limit(REGISTRATIONS, methods=["POST"])
@public
def register_learner() -> ResponseReturnValue:
    """Create a learner account."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user.role))
    form = LearnerRegistrationForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_learner(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                name=form.name.data or "",
                district_code=form.district.data or None,
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            db.session.commit()
            start_session(user)
            current_app.logger.info("registered: user=%s role=learner", user.public_id)
            flash("Your account has been created.", "success")
            return redirect(landing_url("learner"))
    return render_template(
        "auth/register_learner.html", form=form, districts=district_choices(db.session)
    )


@bp.route("/register/employer", methods=["GET", "POST"])
@limiter.limit(REGISTRATIONS, methods=["POST"])
@public
def register_employer() -> ResponseReturnValue:
    """Register an employer organisation and its first account."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user.role))
    form = EmployerRegistrationForm()
    if request.method == "GET":
        form.q.data = request.args.get("q", "")[:100]
    if form.validate_on_submit():
        try:
            activity_id = int(form.activity.data) if form.activity.data else None
        except ValueError:
            activity_id = -1  # not an id: reported as "select an activity" below
        try:
            user = accounts.register_employer(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                name=form.name.data or "",
                organisation=form.organisation.data or "",
                district_code=form.district.data or None,
                activity_id=activity_id,
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            db.session.commit()
            start_session(user)
            current_app.logger.info("registered: user=%s role=employer", user.public_id)
            flash("Your organisation and account have been created.", "success")
            return redirect(landing_url("employer"))
    query = (form.q.data or "").strip()
    return render_template(
        "auth/register_employer.html",
        form=form,
        query=query,
        activities=accounts.search_activities(db.session, query) if query else [],
        districts=district_choices(db.session),
    )


@bp.route("/account/change-password", methods=["GET", "POST"])
@limiter.limit(FAILED_ATTEMPTS, methods=["POST"], deduct_when=_failed)
@role_required(*ROLES)
def change_password() -> ResponseReturnValue:
    """Change the signed-in user's password; other sessions are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        account = current_user.account
        try:
            accounts.change_password(
                account, form.current_password.data or "", form.new_password.data or ""
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            auditing.record("change-password", "user", account.public_id)
            db.session.commit()
            start_session(account)  # this session carries on under the new version
            flash(
                "Your password has been changed. Any other sessions have been signed out.",
                "success",
            )
            return redirect(landing_url(account.role))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(RESET_REQUESTS, methods=["POST"])
@public
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link by email; the answer never says whether an account exists."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.request_reset(
                db.session,
                form.email.data or "",
                current_app.config,
                lambda token: (
                    current_app.config["PUBLIC_URL"].rstrip("/")
                    + url_for("auth.reset_password", token=token)
                ),
            )
        except mail.MailError as exc:
            current_app.logger.error("password reset email not sent: %s", exc)
            add_error(form, "email", "We could not send the email just now. Try again later")
        else:
            if user is not None:
                audit.record(
                    db.session,
                    actor=user,
                    action="request-password-reset",
                    target_type="user",
                    target_id=user.public_id,
                    request_id=request_id(),
                )
                db.session.commit()
            minutes = current_app.config["PASSWORD_RESET_SECONDS"] // 60
            return render_template("auth/reset_link_sent.html", minutes=minutes)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(FAILED_ATTEMPTS, methods=["POST"], deduct_when=_failed)
@public
def reset_password() -> ResponseReturnValue:
    """Choose a new password from an emailed link (``?token=``); every session is signed out.

    The token moves from the link into the signed session cookie at once, so that the page the
    person types into has a plain address: not kept in history nor sent on as a referrer.
    """
    if "token" in request.args:
        session[RESET_TOKEN] = request.args["token"][:512]
        return redirect(url_for("auth.reset_password"))
    token = str(session.get(RESET_TOKEN, ""))
    try:
        user = password_reset.user_for_token(
            db.session,
            token,
            current_app.config["SECRET_KEY"],
            current_app.config["PASSWORD_RESET_SECONDS"],
        )
    except password_reset.InvalidResetLink as exc:
        session.pop(RESET_TOKEN, None)
        return render_template("auth/reset_password.html", problem=str(exc), form=None), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.new_password.data or "")
        except accounts.AccountError as exc:
            db.session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            audit.record(
                db.session,
                actor=user,
                action="reset-password",
                target_type="user",
                target_id=user.public_id,
                request_id=request_id(),
            )
            db.session.commit()
            current_app.logger.info("password reset: user=%s", user.public_id)
            end_session()  # whoever was signed in here, a fresh sign-in follows
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form, problem=None)
