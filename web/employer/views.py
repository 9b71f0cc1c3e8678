"""Views of the employer blueprint: the organisation, its skill needs and vacancies, and what
supplies them.

Every form works without JavaScript. A POST either shows the form again (with errors, skills
suggested from the text or ESCO search results) or changes something and redirects (303) to a
page that shows the result. Needs and vacancies are looked up through the signed-in employer, so
another employer's are "not found" (404).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.models import Employer, SkillDemand, Vacancy
from skillsmatch.services import employer_needs as en
from skillsmatch.services.catalogue import district_choices
from skillsmatch.services.dashboards import employer_summary
from skillsmatch.services.form_input import InvalidInput
from skillsmatch.services.pathways import get_pathway_index
from web import auditing
from web.auth.forms import add_error, add_errors
from web.auth.permissions import role_required
from web.employer import bp
from web.employer.forms import ConfirmForm, NeedForm, VacancyForm, posted_skills
from web.security import request_id

_SEE_OTHER = 303
ACTIONS = ("save", "suggest", "search")
CONTACTS_REMOVED_MESSAGE = (
    "Contact details were removed from the advert: names, email addresses and phone numbers of "
    "people to contact. SkillsMatch does not store them. Check the advert text."
)


def _employer() -> Employer:
    employer = en.employer_for(db.session, current_user.account)
    if employer is None:
        abort(403)  # an account of the employer role not linked to an organisation
    return employer


def _need(employer: Employer, need_id: uuid.UUID) -> SkillDemand:
    demand = en.own_need(db.session, employer, need_id)
    if demand is None:
        abort(404)
    return demand


def _vacancy(employer: Employer, vacancy_id: uuid.UUID) -> Vacancy:
    vacancy = en.own_vacancy(db.session, employer, vacancy_id)
    if vacancy is None:
        abort(404)
    return vacancy


def _see(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=_SEE_OTHER)


def _action() -> str:
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        abort(400)
    return action


def _skills_anchor(choice: en.SkillChoice, text_field: str) -> str:
    """Where the error summary sends the person for a problem with the skills."""
    return "importance-0" if choice.rows else text_field


# --- the organisation ----------------------------------------------------------------------------


@bp.get("")
@role_required("employer")
def dashboard() -> str:
    """Show the employer's organisation, its skill needs and its vacancies."""
    employer = en.employer_for(db.session, current_user.account)
    listing = en.list_needs(db.session, employer) if employer else None
    return render_template(
        "employer/dashboard.html",
        summary=employer_summary(db.session, current_user.account),
        listing=listing,
        levels=en.LEVELS,
        today=date.today(),
        shows_demo=current_user.is_demo
        or bool(employer and employer.is_demo)
        or bool(listing and listing.shows_demo),
    )


# --- skill needs -------------------------------------------------------------------------------


def _need_page(form: NeedForm, demand: SkillDemand | None, chosen: list[en.ChosenSkill]) -> str:
    choice = en.skill_choice(db.session, chosen, form.description.data or "", form.q.data or "")
    return render_template(
        "employer/need_form.html",
        form=form,
        demand=demand,
        choice=choice,
        anchors={"skills": _skills_anchor(choice, "description")},
        districts=district_choices(db.session),
        levels=[(str(n), label) for n, label in en.LEVELS.items()],
    )


def _need_form_step(
    form: NeedForm, demand: SkillDemand | None
) -> tuple[list[en.ChosenSkill], SkillDemand | None]:
    """Handle a posted need form: (the skills on it, the need if it was saved, else None)."""
    if not form.validate_on_submit():
        abort(400)
    action, chosen = _action(), posted_skills(request)
    if action == "suggest" and not en.search_text(form.description.data):
        add_error(form, "description", "Describe the role to get skill suggestions")
    elif action == "search" and not en.search_text(form.q.data):
        add_error(form, "q", "Enter a word to search the ESCO skills for")
    elif action == "save":
        employer = _employer()
        try:
            if demand is None:
                demand = en.create_need(db.session, employer, form.fields(), chosen)
            else:
                en.update_need(db.session, demand, form.fields(), chosen)
        except InvalidInput as error:
            add_errors(form, error)
            return chosen, None
        return chosen, demand
    return chosen, None


@bp.route("/needs/new", methods=["GET", "POST"])
@role_required("employer")
def new_need() -> ResponseReturnValue:
    """Post a skill need: skills suggested from a description of the role, confirmed."""
    _employer()
    form = NeedForm()
    if request.method == "GET":
        return _need_page(form, None, [])
    chosen, saved = _need_form_step(form, None)
    if saved is not None:
        db.session.commit()
        flash(f"Your skill need “{saved.title}” has been posted.", "success")
        return _see("employer.need", need_id=saved.public_id)
    return _need_page(form, None, chosen)


@bp.get("/needs/<uuid:need_id>")
@role_required("employer")
def need(need_id: uuid.UUID) -> str:
    """Show a skill need with the courses in reach that supply it and the learner pipeline."""
    demand = _need(_employer(), need_id)
    supply = en.supply_for_need(
        get_pathway_index(), db.session, current_user.account, demand, request_id=request_id()
    )
    db.session.commit()  # the audit events of the learners named on the page
    return render_template(
        "employer/need.html",
        demand=demand,
        supply=supply,
        levels=en.LEVELS,
        shows_demo=demand.is_demo or supply.shows_demo,
    )


@bp.route("/needs/<uuid:need_id>/edit", methods=["GET", "POST"])
@role_required("employer")
def edit_need(need_id: uuid.UUID) -> ResponseReturnValue:
    """Change a skill need and its skills."""
    demand = _need(_employer(), need_id)
    form = NeedForm()
    if request.method == "GET":
        form.fill(en.need_fields(demand))
        return _need_page(form, demand, en.chosen_skills(demand))
    chosen, saved = _need_form_step(form, demand)
    if saved is not None:
        db.session.commit()
        flash(f"Your skill need “{saved.title}” has been updated.", "success")
        return _see("employer.need", need_id=saved.public_id)
    return _need_page(form, demand, chosen)


@bp.route("/needs/<uuid:need_id>/delete", methods=["GET", "POST"])
@role_required("employer")
def delete_need(need_id: uuid.UUID) -> ResponseReturnValue:
    """Confirm, then delete a skill need."""
    demand = _need(_employer(), need_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = demand.title
        auditing.record("delete", "skill-demand", demand.public_id)
        en.delete_need(db.session, demand)
        db.session.commit()
        flash(f"Your skill need “{title}” has been deleted.", "success")
        return _see("employer.dashboard")
    return render_template(
        "employer/delete.html",
        form=form,
        what="skill need",
        title=demand.title,
        back=url_for("employer.need", need_id=demand.public_id),
        action=url_for("employer.delete_need", need_id=demand.public_id),
    )


# --- vacancies ---------------------------------------------------------------------------------


def _vacancy_page(
    form: VacancyForm,
    vacancy: Vacancy | None,
    chosen: list[en.ChosenSkill],
    contacts_removed: bool = False,
) -> str:
    text = " ".join(part for part in (form.title.data, form.advert.data) if part)
    choice = en.skill_choice(db.session, chosen, text, form.q.data or "")
    return render_template(
        "employer/vacancy_form.html",
        form=form,
        vacancy=vacancy,
        choice=choice,
        contacts_removed=contacts_removed,
        anchors={"skills": _skills_anchor(choice, "advert"), "closing_day": "closing_day"},
        districts=district_choices(db.session),
        levels=[(str(n), label) for n, label in en.LEVELS.items()],
    )


def _vacancy_form_step(
    form: VacancyForm, vacancy: Vacancy | None
) -> tuple[list[en.ChosenSkill], Vacancy | None, bool]:
    """Handle a posted vacancy form: (the skills on it, the vacancy if it was saved, else None,
    whether contact details were removed from the advert)."""
    if not form.validate_on_submit():
        abort(400)
    action, chosen = _action(), posted_skills(request)
    # The advert is shown back without contact details, whatever the button.
    advert, removed = en.scrub_advert(form.advert.data or "")
    if action == "suggest" and not (advert or en.search_text(form.title.data)):
        add_error(form, "advert", "Paste the text of the advert to get skill suggestions")
    elif action == "search" and not en.search_text(form.q.data):
        add_error(form, "q", "Enter a word to search the ESCO skills for")
    elif action == "save":
        employer = _employer()
        try:
            if vacancy is None:
                vacancy, removed = en.create_vacancy(db.session, employer, form.fields(), chosen)
            else:
                removed = en.update_vacancy(db.session, vacancy, form.fields(), chosen)
        except InvalidInput as error:
            add_errors(form, error)
            form.advert.data = advert
            return chosen, None, removed
        return chosen, vacancy, removed
    form.advert.data = advert
    return chosen, None, removed


def _saved_vacancy(vacancy: Vacancy, removed: bool, verb: str) -> Response:
    db.session.commit()
    flash(f"Your vacancy “{vacancy.title}” has been {verb}.", "success")
    if removed:
        flash(CONTACTS_REMOVED_MESSAGE, "important")
    return _see("employer.vacancy", vacancy_id=vacancy.public_id)


@bp.route("/vacancies/new", methods=["GET", "POST"])
@role_required("employer")
def new_vacancy() -> ResponseReturnValue:
    """Post a vacancy by pasting its advert: skills suggested from the text, confirmed."""
    _employer()
    form = VacancyForm()
    if request.method == "GET":
        return _vacancy_page(form, None, [])
    chosen, saved, removed = _vacancy_form_step(form, None)
    if saved is not None:
        return _saved_vacancy(saved, removed, "posted")
    return _vacancy_page(form, None, chosen, removed)


@bp.get("/vacancies/<uuid:vacancy_id>")
@role_required("employer")
def vacancy(vacancy_id: uuid.UUID) -> str:
    """Show a vacancy with the courses in reach that supply it and the learner pipeline."""
    found = _vacancy(_employer(), vacancy_id)
    supply = en.supply_for_vacancy(
        get_pathway_index(), db.session, current_user.account, found, request_id=request_id()
    )
    db.session.commit()  # the audit events of the learners named on the page
    return render_template(
        "employer/vacancy.html",
        vacancy=found,
        supply=supply,
        levels=en.LEVELS,
        today=date.today(),
        shows_demo=found.is_demo or supply.shows_demo,
    )


@bp.route("/vacancies/<uuid:vacancy_id>/edit", methods=["GET", "POST"])
@role_required("employer")
def edit_vacancy(vacancy_id: uuid.UUID) -> ResponseReturnValue:
    """Change a vacancy and its skills."""
    found = _vacancy(_employer(), vacancy_id)
    form = VacancyForm()
    if request.method == "GET":
        form.fill(en.vacancy_fields(found))
        return _vacancy_page(form, found, en.chosen_skills(found))
    chosen, saved, removed = _vacancy_form_step(form, found)
    if saved is not None:
        return _saved_vacancy(saved, removed, "updated")
    return _vacancy_page(form, found, chosen, removed)


@bp.route("/vacancies/<uuid:vacancy_id>/delete", methods=["GET", "POST"])
@role_required("employer")
def delete_vacancy(vacancy_id: uuid.UUID) -> ResponseReturnValue:
    """Confirm, then delete a vacancy."""
    found = _vacancy(_employer(), vacancy_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = found.title
        auditing.record("delete", "vacancy", found.public_id)
        en.delete_vacancy(db.session, found)
        db.session.commit()
        flash(f"Your vacancy “{title}” has been deleted.", "success")
        return _see("employer.dashboard")
    return render_template(
        "employer/delete.html",
        form=form,
        what="vacancy",
        title=found.title,
        back=url_for("employer.vacancy", vacancy_id=found.public_id),
        action=url_for("employer.delete_vacancy", vacancy_id=found.public_id),
    )
