"""Signed-in sessions: revocable on the server, with idle and absolute timeouts.

Flask's session is a signed cookie, which the server cannot delete. Each session therefore
names the account *and* its ``session_version``; bumping the version (sign-out, password
change) makes every older cookie worthless. The cookie also carries when the session started
and when it was last used, signed, so the timeouts cannot be stretched by the client.
"""

from __future__ import annotations

import time
import uuid

from flask import Flask, current_app, flash, g, session
from flask_login import AnonymousUserMixin, UserMixin, login_user, logout_user

from skillsmatch.extensions import db, login_manager
from skillsmatch.models import User
from skillsmatch.services import accounts
from web.auth.permissions import enforce_access_rules

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
# Refresh "last seen" at most once a minute so that not every response re-sends the cookie.
SEEN_RESOLUTION = 60


class SignedInUser(UserMixin):
    """The account behind ``current_user``, identified in the session by id and version."""

    def __init__(self, account: User) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.public_id}:{self.account.session_version}"

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def public_id(self) -> uuid.UUID:
        return self.account.public_id

    @property
    def display_name(self) -> str:
        return self.account.display_name

    @property
    def is_demo(self) -> bool:
        return self.account.is_demo


class Visitor(AnonymousUserMixin):
    """Nobody signed in."""

    role: str | None = None
    account: User | None = None


def init_app(app: Flask) -> None:
    login_manager.anonymous_user = Visitor
    login_manager.user_loader(_load_user)
    app.before_request(_expire_session)
    app.before_request(enforce_access_rules)


def _load_user(session_id: str) -> SignedInUser | None:
    public_id, _, version = session_id.partition(":")
    try:
        key, number = uuid.UUID(public_id), int(version)
    except ValueError:
        return None
    user = accounts.user_for_session(db.session, key, number)
    return SignedInUser(user) if user is not None else None


def _expire_session() -> None:
    """End a session idle for too long or older than the absolute limit."""
    if "_user_id" not in session:
        return
    now = time.time()
    started = float(session.get(SIGNED_IN_AT, 0))
    seen = float(session.get(SEEN_AT, 0))
    config = current_app.config
    if (
        now - seen > config["SESSION_IDLE_SECONDS"]
        or now - started > config["SESSION_ABSOLUTE_SECONDS"]
    ):
        logout_user()
        session.clear()
        g.session_expired = True
        flash("You were signed out to keep your information safe. Sign in again to continue.")
        return
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN_AT] = int(now)


def start_session(user: User) -> None:
    """Sign ``user`` in with a fresh session (no data carried over from before)."""
    session.clear()
    login_user(SignedInUser(user))
    session.permanent = True
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def end_session() -> None:
    logout_user()
    session.clear()
