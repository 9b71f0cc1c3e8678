"""The learner's profile pages: their own words, the skills found in them, and consent.

Every view acts on the signed-in learner's own profile, found from their account: no learner
is named in a URL or a form, so one learner cannot reach another's data. Skills are named by
their public ESCO URI.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from skillsmatch.extensions import db
from skillsmatch.models import Learner
from skillsmatch.services import learner_profile
from skillsmatch.services.catalogue import district_choices, sector_choices
from skillsmatch.services.learner_profile import ProfileError, UnknownSkill
from web.auth.forms import add_error
from web.auth.permissions import role_required
from web.learner import bp
from web.learner.forms import ConsentForm, ProfileForm, SkillForm
from web.security import request_id

SEARCH_ANCHOR = "add-a-skill"


def own_learner() -> Learner:
    """The signed-in learner's profile (404 for an account without one)."""
    try:
        return learner_profile.learner_for_user(db.session, current_user.account)
    except LookupError:
        abort(404)


def _level_choices() -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in learner_profile.QUALIFICATION_LEVELS.items()]


@bp.route("/profile", methods=["GET", "POST"])
@role_required("learner")
def profile() -> ResponseReturnValue:
    """Describe experience and interests; choose district, level and sectors."""
    learner = own_learner()
    form = ProfileForm()
    if request.method == "GET":
        form.about.data = learner.about
        form.district.data = learner.district.code if learner.district else ""
        form.level.data = "" if learner.level is None else str(learner.level)
        form.sectors.data = [s.slug for s in learner.sectors]
    elif form.validate_on_submit():
        try:
            saved = learner_profile.save_profile(
                db.session,
                learner,
                about=form.about.data or "",
                district_code=form.district.data or None,
                level=form.level.data,
                sector_slugs=form.sectors.data or [],
            )
        except ProfileError as exc:
            db.session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            db.session.commit()
            if not saved.about_changed:
                flash("Your profile has been saved.", "success")
                return redirect(url_for("learner.dashboard"))
            if saved.suggested:
                noun = "skill" if saved.suggested == 1 else "skills"
                flash(
                    f"Your profile has been saved. We found {saved.suggested} {noun} in what "
                    "you wrote: confirm the ones you have.",
                    "success",
                )
            else:
                flash(
                    "Your profile has been saved. We did not find skills in what you wrote: "
                    "search for your skills to add them.",
                    "success",
                )
            return redirect(url_for("learner.skills"))
    return render_template(
        "learner/profile.html",
        form=form,
        districts=district_choices(db.session),
        sectors=sector_choices(db.session),
        levels=_level_choices(),
        max_about=learner_profile.MAX_ABOUT_LENGTH,
    )


def _search(learner: Learner) -> tuple[str, list[learner_profile.SkillResult] | None, str | None]:
    """The skill search in the query string: (query, results or None, error or None)."""
    query = request.args.get("q", "")
    if not query.strip():
        return query, None, None
    try:
        return query, learner_profile.search(db.session, learner, query), None
    except ProfileError as exc:
        return query[: learner_profile.MAX_SEARCH_LENGTH], None, exc.message


@bp.get("/skills")
@role_required("learner")
def skills() -> ResponseReturnValue:
    """The skills found in the learner's text, their confirmed skills, and the skill search."""
    learner = own_learner()
    query, results, error = _search(learner)
    return render_template(
        "learner/skills.html",
        skills=learner_profile.profile_skills(db.session, learner),
        query=query,
        results=results,
        search_error=error,
        provenance=learner_profile.PROVENANCE_LABELS,
        has_about=bool(learner.about.strip()),
    ), (400 if error else 200)


@bp.get("/skills/search")
@role_required("learner")
def skill_search() -> ResponseReturnValue:
    """Search results alone, for the search box as the learner types (JavaScript).

    Without JavaScript the search form goes to the skills page, which shows the same results;
    a plain request here is sent there too.
    """
    if request.headers.get("HX-Request") != "true":
        query = request.args.get("q", "")
        return redirect(url_for("learner.skills", q=query or None, _anchor=SEARCH_ANCHOR))
    learner = own_learner()
    query, results, error = _search(learner)
    body = render_template(
        "learner/_skill_results.html", query=query, results=results, search_error=error
    )
    return body, (400 if error else 200), {"Vary": "HX-Request"}


def _skill_action() -> tuple[Learner, SkillForm, str]:
    learner = own_learner()
    form = SkillForm()
    if not form.validate_on_submit() or not form.skill.data:
        abort(404)
    return learner, form, form.skill.data


def _back(form: SkillForm, anchor: str) -> ResponseReturnValue:
    query = (form.q.data or "")[: learner_profile.MAX_SEARCH_LENGTH]
    return redirect(url_for("learner.skills", q=query or None, _anchor=anchor))


@bp.post("/skills/confirm")
@role_required("learner")
def confirm_skill() -> ResponseReturnValue:
    """Confirm a skill SkillsMatch suggested."""
    learner, form, uri = _skill_action()
    try:
        skill = learner_profile.confirm_skill(db.session, learner, uri)
    except UnknownSkill:
        abort(404)
    db.session.commit()
    flash(f"You confirmed “{skill.label}”.", "success")
    return _back(form, "suggested-skills")


@bp.post("/skills/remove")
@role_required("learner")
def remove_skill() -> ResponseReturnValue:
    """Remove a skill, suggested or confirmed."""
    learner, form, uri = _skill_action()
    try:
        skill = learner_profile.remove_skill(db.session, learner, uri)
    except UnknownSkill:
        abort(404)
    db.session.commit()
    flash(f"You removed “{skill.label}” from your skills.", "success")
    return _back(form, "your-skills")


@bp.post("/skills/add")
@role_required("learner")
def add_skill() -> ResponseReturnValue:
    """Add a skill found by searching ESCO."""
    learner, form, uri = _skill_action()
    try:
        skill, added = learner_profile.add_skill(db.session, learner, uri)
    except UnknownSkill:
        abort(404)
    db.session.commit()
    if added:
        flash(f"You added “{skill.label}” to your skills.", "success")
    else:
        flash(f"“{skill.label}” is already one of your skills.", "success")
    return _back(form, SEARCH_ANCHOR)


@bp.route("/consent", methods=["GET", "POST"])
@role_required("learner")
def consent() -> ResponseReturnValue:
    """Choose whether employers may see the learner's profile; revocable at any time."""
    learner = own_learner()
    form = ConsentForm()
    if request.method == "GET":
        if learner.consent_changed_at is not None:
            form.visible.data = "yes" if learner.visible_to_employers else "no"
    elif form.validate_on_submit():
        if form.visible.data not in ("yes", "no"):
            add_error(form, "visible", "Select yes if employers can see your profile")
        else:
            visible = form.visible.data == "yes"
            changed = learner_profile.set_consent(
                db.session,
                learner,
                visible,
                actor=current_user.account,
                request_id=request_id(),
            )
            db.session.commit()
            if not changed:
                flash("Your choice has been saved. It has not changed.", "success")
            elif visible:
                flash(
                    "Employers can now see your profile. You can change this at any time.",
                    "success",
                )
            else:
                flash("Employers can no longer see your profile.", "success")
            return redirect(url_for("learner.dashboard"))
    return render_template("learner/consent.html", form=form, learner=learner)
