"""The learner's pathways: recommended courses to jobs, one pathway in detail, and saving them.

Pathways are worked out for the signed-in learner from their own profile; a pathway is named in
URLs by its course(s) and occupation, never by a learner, so there is nothing of anyone else's to
ask for. Saved pathways are found by their id *and* the signed-in learner: another learner's id
is as unknown as a made-up one (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from skillsmatch.extensions import db
from skillsmatch.models import Learner
from skillsmatch.services import saved_pathways
from skillsmatch.services.catalogue import course_detail
from skillsmatch.services.pathways import (
    LearnerPathways,
    Notice,
    Pathway,
    PathwayIndex,
    get_pathway_index,
)
from skillsmatch.services.saved_pathways import PathwayTarget, UnknownPathway
from web.auth.permissions import role_required
from web.learner import bp
from web.learner.forms import RemovePathwayForm, SavePathwayForm
from web.learner.profile import own_learner

_SEE_OTHER = 303


@dataclass(frozen=True)
class NoticeView:
    """A notice with how it is shown and the one thing the learner can do about it."""

    code: str
    message: str
    warning: bool
    action: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class PathwayCard:
    pathway: Pathway
    url: str | None
    saved: bool


# Notice code -> (shown as a warning, what to do, endpoint, anchor). A code not listed here is
# still shown, as plain inset text.
NOTICE_ACTIONS: dict[str, tuple[bool, str, str, str | None]] = {
    "no-skills": (True, "Add or confirm your skills", "learner.skills", None),
    "skills-unmatched": (False, "Check your skills", "learner.skills", None),
    "no-district": (True, "Choose your district", "learner.profile", "district"),
    "district-outside-area": (
        True,
        "Choose a district in Greater Essex",
        "learner.profile",
        "district",
    ),
    "no-sectors": (False, "Choose the sectors you are interested in", "learner.profile", "sectors"),
    "no-courses-in-reach": (True, "Search all courses", "public.courses", None),
    "no-pathways": (True, "Choose other sectors", "learner.profile", "sectors"),
    "none-ready-now": (False, "Add the skills you have", "learner.skills", None),
}


def notice_view(notice: Notice) -> NoticeView:
    how = NOTICE_ACTIONS.get(notice.code)
    if how is None:
        return NoticeView(notice.code, notice.message, False)
    warning, action, endpoint, anchor = how
    return NoticeView(
        notice.code, notice.message, warning, action, url_for(endpoint, _anchor=anchor)
    )


def _pathway_url(pathway: Pathway, keys: dict[int, uuid.UUID]) -> str | None:
    occupation = keys.get(pathway.occupation_id)
    if occupation is None:
        return None  # not an ESCO occupation with a public identifier: nothing to link to
    second = pathway.courses[1].public_id if len(pathway.courses) > 1 else None
    return url_for(
        "learner.pathway",
        course_id=pathway.courses[0].public_id,
        occupation_id=occupation,
        second_course_id=second,
    )


def _pathway_key(pathway: Pathway, keys: dict[int, uuid.UUID]) -> str | None:
    occupation = keys.get(pathway.occupation_id)
    if occupation is None:
        return None
    second = pathway.courses[1].public_id if len(pathway.courses) > 1 else None
    return saved_pathways.pathway_key(pathway.courses[0].public_id, occupation, second)


def _recommended(learner: Learner) -> tuple[LearnerPathways, PathwayIndex]:
    index = get_pathway_index()
    return saved_pathways.recommendations(index, learner), index


@bp.get("/pathways")
@role_required("learner")
def pathways() -> ResponseReturnValue:
    """Pathways from courses to jobs for the learner, jobs they could apply for now, and why."""
    learner = own_learner()
    result, _ = _recommended(learner)
    every = [*result.pathways, *result.two_step]
    keys = saved_pathways.occupation_keys(db.session, {p.occupation_id for p in every})
    saved = saved_pathways.saved_keys(db.session, learner)
    vacancies = [m.vacancy.vacancy_id for m in [*result.ready_now, *result.close]]
    demo = saved_pathways.demo_marks(db.session, every, vacancies)
    notices = [notice_view(n) for n in result.notices]

    def cards(found: list[Pathway]) -> list[PathwayCard]:
        return [
            PathwayCard(p, _pathway_url(p, keys), _pathway_key(p, keys) in saved) for p in found
        ]

    return render_template(
        "learner/pathways.html",
        result=result,
        notices=[n for n in notices if n.code != "none-ready-now"],
        ready_notice=next((n for n in notices if n.code == "none-ready-now"), None),
        cards=cards(result.pathways),
        two_step_cards=cards(result.two_step),
        n_saved=len(saved),
        demo=demo,
        shows_demo=demo.any,
        learner=learner,
        confirmed=sum(1 for s in learner.skills if s.confirmed),
    )


@bp.get("/pathways/<uuid:course_id>/to/<uuid:occupation_id>", defaults={"second_course_id": None})
@bp.get("/pathways/<uuid:course_id>/then/<uuid:second_course_id>/to/<uuid:occupation_id>")
@role_required("learner")
def pathway(
    course_id: uuid.UUID, occupation_id: uuid.UUID, second_course_id: uuid.UUID | None
) -> ResponseReturnValue:
    """One pathway: what the learner has, will gain and still lacks, the score's parts, the
    course(s) in reach and the jobs it leads to."""
    learner = own_learner()
    try:
        target = saved_pathways.resolve(db.session, course_id, occupation_id, second_course_id)
    except UnknownPathway:
        abort(404)
    result, index = _recommended(learner)
    found = saved_pathways.find_pathway(result, target)
    steps = found.courses if found else []
    courses = [target.course] + ([target.second_course] if target.second_course else [])
    details = []
    for i, course in enumerate(courses):
        chosen = steps[i].offering_id if i < len(steps) else None
        details.append(
            (
                course_detail(db.session, course.public_id),
                saved_pathways.offerings_in_reach(db.session, index, learner, course, chosen),
                steps[i] if i < len(steps) else None,
            )
        )
    demo = saved_pathways.demo_marks(db.session, [found] if found else [])
    vacancies = saved_pathways.vacancy_details(
        db.session, [v.vacancy_id for v in found.vacancies] if found else []
    )
    shows_demo = (
        demo.any
        or any(d.shows_demo for d, _, _ in details if d)
        or any(o.is_demo for _, offerings, _ in details for o in offerings)
    )
    return render_template(
        "learner/pathway.html",
        target=target,
        pathway=found,
        details=details,
        score_rows=saved_pathways.score_rows(index, found.score) if found else [],
        vacancies=vacancies,
        saved=saved_pathways.find_saved(db.session, learner, target),
        demo=demo,
        shows_demo=shows_demo,
        title=_title(target),
    )


def _title(target: PathwayTarget) -> str:
    courses = target.course.title + (
        f", then {target.second_course.title}" if target.second_course else ""
    )
    return f"{courses} to {target.occupation.label}"


@bp.post("/saved-pathways")
@role_required("learner")
def save_pathway() -> ResponseReturnValue:
    """Save a pathway to the learner's profile."""
    learner = own_learner()
    form = SavePathwayForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        course = uuid.UUID(form.course.data or "")
        occupation = uuid.UUID(form.occupation.data or "")
        second = uuid.UUID(form.second_course.data) if form.second_course.data else None
    except ValueError:
        abort(404)
    try:
        target = saved_pathways.resolve(db.session, course, occupation, second)
    except UnknownPathway:
        abort(404)
    _, created = saved_pathways.save(db.session, learner, target)
    db.session.commit()
    flash(
        "You saved this pathway. You can find it on your profile page."
        if created
        else "You had already saved this pathway.",
        "success",
    )
    return redirect(
        url_for(
            "learner.pathway", course_id=course, occupation_id=occupation, second_course_id=second
        ),
        code=_SEE_OTHER,
    )


@bp.post("/saved-pathways/<uuid:saved_pathway_id>/remove")
@role_required("learner")
def remove_saved_pathway(saved_pathway_id: uuid.UUID) -> ResponseReturnValue:
    """Remove one of the learner's saved pathways."""
    learner = own_learner()
    form = RemovePathwayForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        removed = saved_pathways.remove(db.session, learner, saved_pathway_id)
    except UnknownPathway:
        abort(404)
    course, occupation, second = saved_pathways.parse_key(removed.pathway_key)
    db.session.commit()
    flash("You removed the pathway from your saved pathways.", "success")
    if form.back.data == "pathway":
        return redirect(
            url_for(
                "learner.pathway",
                course_id=course,
                occupation_id=occupation,
                second_course_id=second,
            ),
            code=_SEE_OTHER,
        )
    return redirect(url_for("learner.dashboard", _anchor="your-pathways"), code=_SEE_OTHER)
