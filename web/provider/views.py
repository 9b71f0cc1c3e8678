"""Views of the provider blueprint: a provider's courses, offerings, skills and file imports.

Every page works as plain forms: a POST that changes something redirects (303) to a page that
shows the result. Objects are looked up through the signed-in provider, so another provider's
course or offering is "not found" (404).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.models import Course, CourseOffering, Provider
from skillsmatch.services import provider_courses as pc
from skillsmatch.services.catalogue import district_choices, sector_choices
from skillsmatch.services.form_input import InvalidInput
from web import auditing, imports
from web.auth.forms import add_errors
from web.auth.permissions import role_required
from web.provider import bp
from web.provider.forms import ConfirmForm, CourseForm, OfferingForm, SkillForm

PROVENANCE_LABELS = {
    "ksb": "The standard's knowledge, skills and behaviours",
    "overview": "Your course text (not confirmed)",
    "esco-occupation": "The jobs it leads to",
    "confirmed": "Confirmed by you",
}
_REPORT_KEY = "provider_import"
_SEE_OTHER = 303


def _provider() -> Provider:
    provider = pc.provider_for(db.session, current_user.account)
    if provider is None:
        abort(403)  # an account of the provider role not linked to any provider
    return provider


def _course(provider: Provider, course_id: uuid.UUID, own: bool = False) -> Course:
    find = pc.own_course if own else pc.course_for
    course = find(db.session, provider, course_id)
    if course is None:
        abort(404)
    return course


def _offering(provider: Provider, offering_id: uuid.UUID) -> CourseOffering:
    offering = pc.own_offering(db.session, provider, offering_id)
    if offering is None:
        abort(404)
    return offering


def _see(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), code=_SEE_OTHER)


# --- courses ------------------------------------------------------------------------------------


@bp.get("")
@role_required("provider")
def dashboard() -> str:
    """List the provider's courses and the offerings it runs."""
    provider = pc.provider_for(db.session, current_user.account)
    listing = pc.list_courses(db.session, provider) if provider else None
    return render_template(
        "provider/dashboard.html",
        listing=listing,
        modes=pc.MODES,
        shows_demo=current_user.is_demo or bool(listing and listing.shows_demo),
    )


def _course_form_page(form: CourseForm, course: Course | None) -> str:
    return render_template(
        "provider/course_form.html",
        form=form,
        course=course,
        levels=[(str(n), label) for n, label in pc.LEVELS.items()],
        routes=[(r, r) for r in pc.route_choices(db.session)],
        sectors=sector_choices(db.session),
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@role_required("provider")
def new_course() -> ResponseReturnValue:
    """Add a course of the provider's own."""
    provider = _provider()
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = pc.create_course(db.session, provider, form.fields())
        except InvalidInput as error:
            add_errors(form, error)
        else:
            db.session.commit()
            flash(f"“{course.title}” has been added. Now add where and when it runs.", "success")
            return _see("provider.new_offering", course_id=course.public_id)
    return _course_form_page(form, None)


@bp.get("/courses/<uuid:course_id>")
@role_required("provider")
def course(course_id: uuid.UUID) -> str:
    """Show one of the provider's courses (or a standard it runs) with its offerings."""
    provider = _provider()
    view = pc.course_view(db.session, provider, _course(provider, course_id))
    return render_template(
        "provider/course.html",
        view=view,
        modes=pc.MODES,
        levels=pc.LEVELS,
        provenance_labels=PROVENANCE_LABELS,
        shows_demo=any(o.is_demo for o in view.offerings),
    )


@bp.route("/courses/<uuid:course_id>/edit", methods=["GET", "POST"])
@role_required("provider")
def edit_course(course_id: uuid.UUID) -> ResponseReturnValue:
    """Change the details of one of the provider's own courses."""
    provider = _provider()
    course = _course(provider, course_id, own=True)
    form = CourseForm()
    if request.method == "GET":
        form.fill(pc.course_fields(course))
    if form.validate_on_submit():
        try:
            pc.update_course(db.session, course, form.fields())
        except InvalidInput as error:
            add_errors(form, error)
        else:
            db.session.commit()
            flash(f"“{course.title}” has been updated.", "success")
            return _see("provider.course", course_id=course.public_id)
    return _course_form_page(form, course)


@bp.get("/standards")
@role_required("provider")
def standards() -> str:
    """Find an apprenticeship standard to run."""
    _provider()
    query = pc.search_text(request.args.get("q"))
    return render_template(
        "provider/standards.html",
        query=query,
        found=pc.find_standards(db.session, query),
        levels=pc.LEVELS,
    )


# --- offerings ----------------------------------------------------------------------------------


def _offering_form_page(form: OfferingForm, course: Course, offering: CourseOffering | None) -> str:
    return render_template(
        "provider/offering_form.html",
        form=form,
        course=course,
        offering=offering,
        modes=pc.MODES,
        districts=district_choices(db.session),
    )


@bp.route("/courses/<uuid:course_id>/offerings/new", methods=["GET", "POST"])
@role_required("provider")
def new_offering(course_id: uuid.UUID) -> ResponseReturnValue:
    """Say where, how and when the provider runs a course, and with how many places."""
    provider = _provider()
    course = _course(provider, course_id)
    form = OfferingForm()
    if form.validate_on_submit():
        try:
            pc.add_offering(db.session, provider, course, form.fields())
        except InvalidInput as error:
            add_errors(form, error)
        else:
            db.session.commit()
            flash(f"You now run “{course.title}” there.", "success")
            return _see("provider.course", course_id=course.public_id)
    return _offering_form_page(form, course, None)


@bp.route("/offerings/<uuid:offering_id>/edit", methods=["GET", "POST"])
@role_required("provider")
def edit_offering(offering_id: uuid.UUID) -> ResponseReturnValue:
    """Change where, how and when an offering runs, and its places."""
    provider = _provider()
    offering = _offering(provider, offering_id)
    form = OfferingForm()
    if request.method == "GET":
        form.fill(pc.offering_fields(offering))
    if form.validate_on_submit():
        try:
            pc.update_offering(db.session, provider, offering, form.fields())
        except InvalidInput as error:
            add_errors(form, error)
        else:
            db.session.commit()
            flash("The offering has been updated.", "success")
            return _see("provider.course", course_id=offering.course.public_id)
    return _offering_form_page(form, offering.course, offering)


@bp.route("/offerings/<uuid:offering_id>/delete", methods=["GET", "POST"])
@role_required("provider")
def delete_offering(offering_id: uuid.UUID) -> ResponseReturnValue:
    """Confirm, then stop running an offering."""
    provider = _provider()
    offering = _offering(provider, offering_id)
    course = offering.course
    form = ConfirmForm()
    if form.validate_on_submit():
        auditing.record("delete-offering", "course-offering", offering.public_id)
        pc.delete_offering(db.session, offering)
        db.session.commit()
        flash(f"The offering of “{course.title}” has been deleted.", "success")
        if pc.is_own(course, provider) or pc.course_view(db.session, provider, course).offerings:
            return _see("provider.course", course_id=course.public_id)
        return _see("provider.dashboard")
    return render_template(
        "provider/offering_delete.html",
        form=form,
        offering=offering,
        course=course,
        modes=pc.MODES,
    )


# --- skills -------------------------------------------------------------------------------------


@bp.route("/courses/<uuid:course_id>/skills", methods=["GET", "POST"])
@role_required("provider")
def course_skills(course_id: uuid.UUID) -> ResponseReturnValue:
    """Review a course's skills: confirm or remove them, confirm suggestions, search and add."""
    provider = _provider()
    course = _course(provider, course_id, own=True)
    form = SkillForm()
    if request.method == "POST":
        if not form.validate_on_submit() or form.action.data not in ("confirm", "remove"):
            abort(400)
        change = pc.confirm_skill if form.action.data == "confirm" else pc.remove_skill
        try:
            skill = change(db.session, course, form.skill.data or "")
        except LookupError:
            db.session.rollback()
            abort(400)
        db.session.commit()
        if form.action.data == "confirm":
            flash(f"“{skill.label}” is confirmed as a skill of this course.", "success")
        else:
            flash(f"“{skill.label}” is removed from the skills of this course.", "success")
        query = pc.search_text(form.q.data)
        return _see("provider.course_skills", course_id=course.public_id, q=query or None)
    review = pc.review_skills(db.session, course, request.args.get("q", ""))
    return render_template(
        "provider/skills.html",
        course=course,
        review=review,
        provenance_labels=PROVENANCE_LABELS,
    )


# --- imports ------------------------------------------------------------------------------------


def _import_page(
    form: imports.ImportForm, outcome: pc.ImportOutcome | None, report: dict[str, Any] | None = None
) -> str:
    return render_template(
        "provider/import.html",
        form=form,
        outcome=outcome,
        report=report,
        columns=pc.COLUMN_HELP,
        limit=imports.megabytes(pc.UPLOAD_MAX_BYTES),
        **imports.problem_rows(outcome),
    )


imports.register_upload(
    bp,
    "provider.import_courses",
    "provider",
    pc.UPLOAD_MAX_BYTES,
    lambda form: _import_page(form, None),
)


@bp.route("/import", methods=["GET", "POST"])
@role_required("provider")
def import_courses() -> ResponseReturnValue:
    """Import courses from a CSV file: all rows or none, or the valid rows if the provider asks."""
    provider = _provider()
    form = imports.ImportForm()
    if request.method == "GET":
        return _import_page(form, None, imports.take_report(_REPORT_KEY))
    received = imports.receive(
        form,
        "Select a CSV file of your courses",
        lambda path, skip_invalid: pc.import_course_file(
            db.session, provider, path, skip_invalid, Path(current_app.config["DATA_DIR"])
        ),
    )
    if received is None:
        return _import_page(form, None)
    name, outcome = received
    if outcome.imported:
        auditing.record(
            "import-courses",
            "provider",
            provider.public_id,
            read=outcome.read,
            loaded=outcome.loaded,
            present=outcome.present,
            skipped=outcome.skipped,
        )
        db.session.commit()
        imports.keep_report(_REPORT_KEY, name, outcome, new_courses=outcome.new_courses)
        return _see("provider.import_courses")
    imports.refuse(form, name, outcome)
    return _import_page(form, outcome)


@bp.get("/import/csv-template")
@role_required("provider")
def import_template() -> Response:
    """Download a CSV template with the columns an import takes."""
    return Response(
        pc.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="skillsmatch-courses.csv"'},
    )
