"""The audit log: who read, exported, changed or deleted whose data, and when.

Events are append-only (the model refuses updates and deletes) and are written in the caller's
transaction, so an event exists exactly when the change it records does. They store identifiers
only: never names, email addresses, free text or any other field value.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session

from skillsmatch.models import AuditEvent, User

# Kebab-case verbs and nouns: "read", "export", "delete", "change-password"; "learner", "user".
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# Detail values are codes and counts, never text a person typed.
_DETAIL_TEXT = re.compile(r"^[A-Za-z0-9_.:-]{0,64}$")
# Keys that name personal data are refused outright, whatever their value looks like.
_PERSONAL_KEYS = frozenset(
    {"email", "name", "display_name", "password", "about", "phone", "address", "postcode", "text"}
)


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: uuid.UUID | None,
    request_id: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (committed with the caller's transaction)."""
    for what, value in (("action", action), ("target_type", target_type)):
        if not _IDENTIFIER.match(value):
            raise ValueError(f"audit {what} {value!r} is not a kebab-case identifier")
    detail = dict(detail or {})
    for key, value in detail.items():
        if key in _PERSONAL_KEYS:
            raise ValueError(f"audit detail key {key!r} names personal data")
        if isinstance(value, bool | int | float) or value is None:
            continue
        if isinstance(value, str) and _DETAIL_TEXT.match(value):
            continue
        raise ValueError(f"audit detail {key!r} must be a number, flag or short code")
    event = AuditEvent(
        actor_id=actor.public_id if actor is not None else None,
        actor_role=actor.role if actor is not None else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=request_id,
        detail=detail,
    )
    session.add(event)
    return event
