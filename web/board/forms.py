"""Forms of the board's pages: building a snapshot (POST, with CSRF) and filtering the audit log."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

LABEL_LENGTH = 120


class BuildSnapshotForm(FlaskForm):
    label = StringField(
        "Name for the snapshot (optional)",
        validators=[
            Length(max=LABEL_LENGTH, message=f"Name must be {LABEL_LENGTH} characters or fewer")
        ],
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a filter changes nothing

    action = StringField("Action")

    def check_action(self, actions: set[str]) -> bool:
        """Whether the chosen action (if any) is one that the log holds."""
        if self.action.data and self.action.data not in actions:
            self.action.errors = ["Select an action from the list"]
            return False
        return True
