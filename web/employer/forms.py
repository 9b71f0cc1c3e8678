"""Forms of the employer's pages. They carry the values and the CSRF token; the
``employer_needs`` service checks the values and says what is wrong with each field.

Fields are created in the order of the page, so that the error summary lists them in that order.
The skills offered on a form are not fields of their own: each row posts a hidden ``candidate``
(the skill's ESCO URI) and a radio ``importance-N``, read by ``posted_skills``.
"""

from __future__ import annotations

from flask import Request
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from skillsmatch.services.employer_needs import MAX_SKILLS, ChosenSkill, NeedFields, VacancyFields

# Rows read from one form: the chosen skills, the suggestions and a page of search results.
MAX_ROWS = MAX_SKILLS + 60


class NeedForm(FlaskForm):
    title = StringField("Job title or role")
    headcount = StringField("How many people you need")
    timeframe = StringField("Within how many months")
    district = StringField("District where they will work")
    level = StringField("Level (optional)")
    description = TextAreaField("Describe the role")
    skills = StringField()  # carries errors about the chosen skills
    q = StringField("Search ESCO skills")

    def fields(self) -> NeedFields:
        return NeedFields(**{name: getattr(self, name).data or "" for name in _NEED})

    def fill(self, values: NeedFields) -> None:
        for name in _NEED:
            getattr(self, name).data = getattr(values, name)


class VacancyForm(FlaskForm):
    title = StringField("Job title")
    district = StringField("District where the job is based")
    salary = StringField("Salary (optional)")
    level = StringField("Level (optional)")
    closing_day = StringField("Day")
    closing_month = StringField("Month")
    closing_year = StringField("Year")
    advert = TextAreaField("Text of the advert")
    skills = StringField()
    q = StringField("Search ESCO skills")

    def fields(self) -> VacancyFields:
        return VacancyFields(**{name: getattr(self, name).data or "" for name in _VACANCY})

    def fill(self, values: VacancyFields) -> None:
        for name in _VACANCY:
            getattr(self, name).data = getattr(values, name)


_NEED = tuple(NeedFields.__dataclass_fields__)
_VACANCY = tuple(VacancyFields.__dataclass_fields__)


class ConfirmForm(FlaskForm):
    """A confirmation with nothing to fill in but the CSRF token."""


def posted_skills(request: Request) -> list[ChosenSkill]:
    """The skill rows of a posted form, in the order of the page."""
    uris = request.form.getlist("candidate")[:MAX_ROWS]
    return [
        ChosenSkill(uri.strip(), request.form.get(f"importance-{i}", "").strip())
        for i, uri in enumerate(uris)
    ]
