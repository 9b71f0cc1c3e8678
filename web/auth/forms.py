"""Forms for signing in, registering, and changing or resetting a password (GOV.UK error messages).

WTForms orders fields by when they were created, so each form creates its own fields, in the
order of the page; its error summary then lists errors in that order too.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from skillsmatch.extensions import db
from skillsmatch.services.accounts import MAX_PASSWORD_LENGTH
from skillsmatch.services.form_input import InvalidInput

_TOO_LONG = f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"


def _name() -> StringField:
    return StringField("Your name", validators=[DataRequired("Enter your name")])


def _email() -> StringField:
    return StringField("Email address", validators=[DataRequired("Enter your email address")])


def _new_password(label: str, missing: str) -> PasswordField:
    too_long = Length(max=MAX_PASSWORD_LENGTH, message=_TOO_LONG)
    return PasswordField(label, validators=[DataRequired(missing), too_long])


class SignInForm(FlaskForm):
    email = _email()
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class LearnerRegistrationForm(FlaskForm):
    name = _name()
    email = _email()
    # Optional; checked against the districts by the accounts service.
    district = StringField("District where you live (optional)")
    password = _new_password("Create a password", "Enter a password")


class EmployerRegistrationForm(FlaskForm):
    # The SIC 2007 activity chosen from the search results (radio buttons).
    activity = StringField("What your organisation does")
    # The activity search that produced the radio buttons, kept to show them again.
    q = StringField("Search for what your organisation does")
    organisation = StringField(
        "Organisation name", validators=[DataRequired("Enter the name of your organisation")]
    )
    district = StringField("District where your organisation is based")
    name = _name()
    email = _email()
    password = _new_password("Create a password", "Enter a password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    new_password = _new_password("New password", "Enter a new password")


class ForgotPasswordForm(FlaskForm):
    email = _email()


class ResetPasswordForm(FlaskForm):
    new_password = _new_password("New password", "Enter a new password")


def add_error(form: FlaskForm, field: str, message: str) -> None:
    """Attach an error found after validation (by a service) to the field it is about."""
    target = getattr(form, field)
    target.errors = [*target.errors, message]


def add_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Undo what the request changed and show each problem a service found on its field."""
    db.session.rollback()
    for name, message in error.problems:
        add_error(form, name, message)
