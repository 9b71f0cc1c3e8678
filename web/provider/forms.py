"""Forms of the provider's pages. They carry the values and the CSRF token; the
``provider_courses`` service checks the values and says what is wrong with each field.

Fields are created in the order of the page, so that the error summary lists them in that order.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from skillsmatch.services.provider_courses import CourseFields, OfferingFields


class CourseForm(FlaskForm):
    title = StringField("Course title")
    code = StringField("Course code (optional)")
    level = StringField("Level")
    duration = StringField("Typical length in months (optional)")
    route = StringField("Apprenticeship route (optional)")
    sector = StringField("Priority sector (optional)")
    overview = TextAreaField("Overview")

    def fields(self) -> CourseFields:
        return CourseFields(**{name: getattr(self, name).data or "" for name in _COURSE})

    def fill(self, values: CourseFields) -> None:
        for name in _COURSE:
            getattr(self, name).data = getattr(values, name)


class OfferingForm(FlaskForm):
    mode = StringField("How it is delivered")
    district = StringField("District where it runs")
    start_dates = TextAreaField("Start dates (optional)")
    places = StringField("Places on each intake")

    def fields(self) -> OfferingFields:
        return OfferingFields(**{name: getattr(self, name).data or "" for name in _OFFERING})

    def fill(self, values: OfferingFields) -> None:
        for name in _OFFERING:
            getattr(self, name).data = getattr(values, name)


_COURSE = tuple(CourseFields.__dataclass_fields__)
_OFFERING = tuple(OfferingFields.__dataclass_fields__)


class SkillForm(FlaskForm):
    """Confirm or remove one skill; ``q`` keeps the skill search the page was showing."""

    skill = StringField()
    action = StringField()
    q = StringField()


class ConfirmForm(FlaskForm):
    """A confirmation with nothing to fill in but the CSRF token."""
