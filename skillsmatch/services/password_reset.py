"""Password reset by emailed link: a signed, time-limited token that works once.

The token names the account and a fingerprint of its current password hash, signed with the
app's secret. Setting a new password changes the hash, so a used token, or any token issued
before, stops working without the server storing tokens at all. Asking for a reset answers the
same way whether or not an account has that address, so it cannot be used to find accounts.
The new password itself is set by ``accounts.set_password``, as for a password change.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from skillsmatch.models import User
from skillsmatch.services import mail
from skillsmatch.services.accounts import AccountError, normalise_email

_SALT = "skillsmatch-password-reset"


class InvalidResetLink(ValueError):
    """The link is malformed, expired, already used or for an account that no longer exists."""


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_token(user: User, secret: str) -> str:
    """A reset token for ``user`` as their password stands now."""
    return _serializer(secret).dumps({"u": str(user.public_id), "p": _fingerprint(user)})


def user_for_token(session: Session, token: str, secret: str, max_age: int) -> User:
    """The account ``token`` resets, or :class:`InvalidResetLink` saying why not."""
    try:
        claims = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidResetLink("This link has expired") from None
    except BadSignature:
        raise InvalidResetLink("This link is not valid") from None
    try:
        public_id = uuid.UUID(str(claims["u"]))
        fingerprint = str(claims["p"])
    except (KeyError, TypeError, ValueError):
        raise InvalidResetLink("This link is not valid") from None
    user = session.scalar(sa.select(User).where(User.public_id == public_id))
    if user is None or _fingerprint(user) != fingerprint:
        raise InvalidResetLink("This link has already been used") from None
    return user


def request_reset(
    session: Session, email: str, config: Mapping[str, Any], link_for: Callable[[str], str]
) -> User | None:
    """Email a reset link to the account with this address, if there is one.

    ``link_for(token)`` turns a token into the absolute URL of the reset page. Returns the
    account emailed (for the audit log), or None; the caller answers the same either way.
    """
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    user = session.scalar(sa.select(User).where(User.email == address))
    if user is None:
        return None
    minutes = int(config["PASSWORD_RESET_SECONDS"]) // 60
    body = (
        f"Dear {user.display_name},\n\n"
        "Someone asked to reset the password of your SkillsMatch account. To choose a new "
        f"password, open this link within {minutes} minutes:\n\n"
        f"{link_for(make_token(user, config['SECRET_KEY']))}\n\n"
        "The link works once. If you did not ask for this, ignore this email: your password "
        "has not changed.\n"
    )
    mail.send(config, user.email, "Reset your SkillsMatch password", body)
    return user
