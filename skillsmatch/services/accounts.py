"""User accounts: registration, authentication, password changes and session revocation.

Sessions are revocable on the server: a session is bound to the account's ``session_version``,
which is bumped on sign-out and on every password change, so every older session stops working.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from skillsmatch.loaders.reference import sector_map
from skillsmatch.models import District, Employer, Learner, Sector, SicActivity, User
from skillsmatch.models.people import ROLES
from skillsmatch.passwords import hash_password, needs_rehash, verify_password

# NIST SP 800-63B / ASVS 6.2: at least 8 characters, no composition rules, long ones allowed.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
MAX_NAME_LENGTH = 120
MAX_ORGANISATION_LENGTH = 200
MIN_ACTIVITY_QUERY = 2
# A fixed hash verified when no account matches, so that both outcomes take as long.
_NO_SUCH_ACCOUNT_HASH: str | None = None


class AccountError(ValueError):
    """A request about an account that cannot be carried out; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ActivityMatch:
    """A SIC 2007 activity offered to an employer, with the priority sector it falls in."""

    id: int
    code: str
    activity: str
    sector_name: str | None


def normalise_email(email: str) -> str:
    """The address as stored: syntax checked, domain lower-cased, no deliverability look-up."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(
            "email", "Enter an email address in the correct format, like name@example.com"
        ) from None
    return checked.normalized.lower()


def check_password(password: str, email: str = "", field: str = "password") -> None:
    """Refuse a password that is too short, too long or the email address itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(field, f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(field, f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if email and password.strip().lower() == email.strip().lower():
        raise AccountError(field, "Password must not be your email address")


def _check_name(name: str, field: str, what: str, limit: int) -> str:
    name = " ".join(name.split())
    if not name:
        raise AccountError(field, f"Enter {what}")
    if len(name) > limit:
        raise AccountError(
            field, f"{what[0].upper()}{what[1:]} must be {limit} characters or fewer"
        )
    return name


def _new_user(session: Session, email: str, password: str, name: str, role: str) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    address = normalise_email(email)
    check_password(password, address)
    display_name = _check_name(name, "name", "your name", MAX_NAME_LENGTH)
    if session.scalar(sa.select(User.id).where(User.email == address)) is not None:
        raise AccountError("email", "An account with this email address already exists: sign in")
    user = User(
        email=address,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
    )
    session.add(user)
    return user


def _district(session: Session, code: str | None, required: bool) -> District | None:
    if not code:
        if required:
            raise AccountError("district", "Select the district where you are based")
        return None
    district = session.scalar(sa.select(District).where(District.code == code))
    if district is None:
        raise AccountError("district", "Select a district from the list")
    return district


def register_learner(
    session: Session, *, email: str, password: str, name: str, district_code: str | None = None
) -> User:
    """Create a learner's account and empty profile (flushed, not committed)."""
    user = _new_user(session, email, password, name, "learner")
    session.add(Learner(user=user, district=_district(session, district_code, required=False)))
    session.flush()
    return user


def register_employer(
    session: Session,
    *,
    email: str,
    password: str,
    name: str,
    organisation: str,
    district_code: str | None,
    activity_id: int | None,
) -> User:
    """Create an employer organisation and its first account; the sector follows from SIC 2007."""
    user = _new_user(session, email, password, name, "employer")
    org_name = _check_name(
        organisation, "organisation", "the name of your organisation", MAX_ORGANISATION_LENGTH
    )
    if session.scalar(sa.select(Employer.id).where(Employer.name == org_name)) is not None:
        raise AccountError("organisation", "An organisation with this name is already registered")
    district = _district(session, district_code, required=True)
    if activity_id is None:
        raise AccountError("activity", "Search for and select what your organisation does")
    activity = session.get(SicActivity, activity_id)
    if activity is None:
        raise AccountError("activity", "Select an activity from the search results")
    slug = sector_map(session).for_sic(activity.code)
    sector = session.scalar(sa.select(Sector).where(Sector.slug == slug)) if slug else None
    employer = Employer(name=org_name, sic2007=activity.code, district=district, sector=sector)
    session.add(employer)
    session.flush()
    user.employer_id = employer.id
    session.flush()
    return user


def search_activities(session: Session, query: str, limit: int = 20) -> list[ActivityMatch]:
    """SIC 2007 index activities containing every word of ``query``, shortest first."""
    words = [w for w in query.lower().split() if w][:6]
    if sum(len(w) for w in words) < MIN_ACTIVITY_QUERY:
        return []
    conditions = [SicActivity.activity.icontains(w, autoescape=True) for w in words]
    rows = session.execute(
        sa.select(SicActivity.id, SicActivity.code, SicActivity.activity)
        .where(*conditions)
        .order_by(sa.func.length(SicActivity.activity), SicActivity.activity, SicActivity.id)
        .limit(limit)
    ).all()
    sectors = sector_map(session)
    names = dict(session.execute(sa.select(Sector.slug, Sector.name)).all())
    matches = []
    for row in rows:
        slug = sectors.for_sic(row.code)
        matches.append(ActivityMatch(row.id, row.code, row.activity, names.get(slug or "")))
    return matches


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The account these credentials open, or None; upgrades an outdated hash on success."""
    global _NO_SUCH_ACCOUNT_HASH
    try:
        address = normalise_email(email)
    except AccountError:
        address = email.strip().lower()
    user = session.scalar(sa.select(User).where(User.email == address))
    if user is None:
        if _NO_SUCH_ACCOUNT_HASH is None:
            _NO_SUCH_ACCOUNT_HASH = hash_password(uuid.uuid4().hex)
        verify_password(_NO_SUCH_ACCOUNT_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def user_for_session(session: Session, public_id: uuid.UUID, version: int) -> User | None:
    """The account a session belongs to, unless that session has been revoked."""
    user = session.scalar(sa.select(User).where(User.public_id == public_id))
    if user is None or user.session_version != version:
        return None
    return user


def revoke_sessions(user: User) -> None:
    """End every session of this account (sign-out everywhere)."""
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session is revoked."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current_password", "Your current password is not correct")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """Set a checked new password (not the current one) and revoke every session."""
    check_password(new, user.email, field="new_password")
    if verify_password(user.password_hash, new):
        raise AccountError(
            "new_password", "Your new password must be different from your current one"
        )
    user.password_hash = hash_password(new)
    revoke_sessions(user)
