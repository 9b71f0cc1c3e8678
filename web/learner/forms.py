"""Forms of the learner's pages. Choices (districts, sectors, levels) are checked by the service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired


class ProfileForm(FlaskForm):
    about = TextAreaField("Your experience and interests")
    district = StringField("District where you live")
    level = StringField("Your highest qualification")
    # Checked against the sectors by the service, with a GOV.UK message.
    sectors = SelectMultipleField("Sectors you are interested in", validate_choice=False)


class SkillForm(FlaskForm):
    """Confirm, remove or add one skill, named by its ESCO URI."""

    skill = HiddenField()
    # The search the learner came from, to show its results again afterwards.
    q = HiddenField()


class ConsentForm(FlaskForm):
    visible = StringField("Can employers see your profile?")


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Enter your password to confirm",
        validators=[DataRequired("Enter your password to delete your account")],
    )


class SavePathwayForm(FlaskForm):
    """Save a pathway, named by its course(s) and occupation (public ids)."""

    course = HiddenField()
    occupation = HiddenField()
    second_course = HiddenField()


class RemovePathwayForm(FlaskForm):
    """Remove a saved pathway; ``back`` is the page to return to ("pathway" or "dashboard")."""

    back = HiddenField()
