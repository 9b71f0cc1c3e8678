"""Who may use each view: every view carries exactly one of ``@public`` or ``@role_required``.

A view without either is refused for everyone (``enforce_access_rules``), so forgetting the
decorator fails closed; the meta-tests over ``app.url_map`` check that none is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from skillsmatch.models.people import ROLES

ACCESS_ATTRIBUTE = "access_rule"
# Where each role lands after signing in.
LANDING = {
    "learner": "learner.dashboard",
    "employer": "employer.dashboard",
    "provider": "provider.dashboard",
    "board": "board.dashboard",
}

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class AccessRule:
    """``roles`` may use the view; a public view is open to everyone, signed in or not."""

    public: bool
    roles: tuple[str, ...]

    def allows(self, role: str | None) -> bool:
        return self.public or role in self.roles


def access_rule(view: Callable[..., Any]) -> AccessRule | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def _mark(view: View, rule: AccessRule) -> View:
    if access_rule(view) is not None:
        raise TypeError(f"view {view.__name__} already has an access rule: use exactly one")
    setattr(view, ACCESS_ATTRIBUTE, rule)
    return view


def public(view: View) -> View:
    """Open to everyone, signed in or not."""
    return _mark(view, AccessRule(public=True, roles=()))


def role_required(*roles: str) -> Callable[[View], View]:
    """Only signed-in users with one of ``roles``; others are sent to sign in, or refused (403)."""
    if not roles:
        raise ValueError("role_required needs at least one role")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles {unknown}; expected some of {', '.join(ROLES)}")

    def decorator(view: View) -> View:
        if access_rule(view) is not None:
            raise TypeError(f"view {view.__name__} already has an access rule: use exactly one")

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                target = request.full_path if request.method == "GET" else None
                return redirect(url_for("auth.sign_in", next=safe_next(target)))
            if current_user.role not in roles:
                current_app.logger.warning(
                    "access denied: role=%s endpoint=%s", current_user.role, request.endpoint
                )
                abort(403)
            return view(*args, **kwargs)

        return _mark(guarded, AccessRule(public=False, roles=tuple(roles)))  # type: ignore[arg-type]

    return decorator


def enforce_access_rules() -> None:
    """Refuse any view that has no access rule (fail closed)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return
    if access_rule(current_app.view_functions[endpoint]) is None:
        current_app.logger.error("view %s has no access rule; refused", endpoint)
        abort(403)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.rstrip("?")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def landing_url(role: str | None) -> str:
    return url_for(LANDING.get(role or "", "public.home"))
