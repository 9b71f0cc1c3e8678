"""Audit events for the signed-in user's actions, tied to the request that made them."""

from __future__ import annotations

import uuid

from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent
from skillsmatch.services import audit
from web.security import request_id


def record(
    action: str, target_type: str, target_id: uuid.UUID | None, **detail: object
) -> AuditEvent:
    """Record that the signed-in user did ``action`` to a target, in the current transaction.

    Call it before committing the change it records (reads of someone else's record, exports,
    deletions), so that the event and the change are committed together.
    """
    return audit.record(
        db.session,
        actor=current_user.account,
        action=action,
        target_type=target_type,
        target_id=target_id,
        request_id=request_id(),
        detail=detail,
    )
