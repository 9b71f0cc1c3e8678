"""The course search form (GET, so no CSRF token; choices checked against the database)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from skillsmatch.services.catalogue import LEVELS, MAX_QUERY_LENGTH


class CourseSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = StringField(
        "Course title",
        validators=[
            Length(
                max=MAX_QUERY_LENGTH,
                message=f"Course title must be {MAX_QUERY_LENGTH} characters or fewer",
            )
        ],
    )
    sector = StringField("Sector")
    district = StringField("Where you want to study")
    level = StringField("Level")

    def check_choices(self, sectors: set[str], districts: set[str]) -> bool:
        """Validate, including that each chosen option is one of those offered."""
        ok = self.validate()
        for field, allowed, message in (
            (self.sector, sectors, "Select a sector from the list"),
            (self.district, districts, "Select a district from the list"),
            (self.level, {str(v) for v in LEVELS}, "Select a level from the list"),
        ):
            if field.data and field.data not in allowed:
                field.errors = [*field.errors, message]
                ok = False
        return ok
