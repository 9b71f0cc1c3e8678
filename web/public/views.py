"""Views of the public blueprint."""

from __future__ import annotations

import uuid

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skillsmatch.extensions import db
from skillsmatch.services import catalogue
from skillsmatch.services.sectors import sector_overviews
from web.auth.permissions import public
from web.public import bp
from web.public.forms import CourseSearchForm

# Where a course's skill was found, in words (CourseSkill.provenance).
PROVENANCE_LABELS = {
    "ksb": "The standard's knowledge, skills and behaviours",
    "overview": "The course overview",
    "esco-occupation": "The jobs it leads to",
    "confirmed": "Confirmed by the provider",
}


@bp.get("/")
@public
def home() -> str:
    """Explain the service to learners, employers, providers and the skills board."""
    return render_template("public/home.html")


@bp.get("/sectors")
@public
def sectors() -> str:
    """List the seven priority sectors and the codes that define them."""
    return render_template("public/sectors.html", sectors=sector_overviews(db.session))


@bp.get("/courses")
@public
def courses() -> ResponseReturnValue:
    """Search courses by title, sector, district and level."""
    form = CourseSearchForm(formdata=request.args)
    sectors = catalogue.sector_choices(db.session)
    districts = catalogue.district_choices(db.session)
    levels = [(str(v), f"Level {v}") for v in catalogue.LEVELS]
    context = {"form": form, "sectors": sectors, "districts": districts, "levels": levels}
    if not form.check_choices({s for s, _ in sectors}, {d for d, _ in districts}):
        return render_template("public/courses.html", results=None, **context), 400
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    filters = catalogue.CourseFilters(
        text=form.q.data or "",
        sector=form.sector.data or None,
        district=form.district.data or None,
        level=int(form.level.data) if form.level.data else None,
    )
    results = catalogue.search_courses(db.session, filters, page=page)
    if page > results.pages:
        abort(404)
    return render_template(
        "public/courses.html",
        results=results,
        pagination=_pagination(results),
        shows_demo=results.shows_demo,
        **context,
    )


def _pagination(results: catalogue.CoursePage) -> dict[str, object] | None:
    """govukPagination parameters keeping the current filters; None for a single page."""
    if results.pages == 1:
        return None
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def href(page: int) -> str:
        return url_for("public.courses", **args, page=page)

    current = results.page
    # First, last, and the pages either side of the current one; gaps become ellipses.
    near = range(max(1, current - 1), min(results.pages, current + 1) + 1)
    shown = sorted({1, results.pages, *near})
    items: list[dict[str, object]] = []
    for previous, number in zip([0, *shown], shown, strict=False):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == current})
    return {
        "items": items,
        "previous": {"href": href(current - 1)} if current > 1 else None,
        "next": {"href": href(current + 1)} if current < results.pages else None,
    }


@bp.get("/courses/<uuid:course_id>")
@public
def course(course_id: uuid.UUID) -> str:
    """Show a course: what it teaches, where and when it runs."""
    detail = catalogue.course_detail(db.session, course_id)
    if detail is None:
        abort(404)
    return render_template(
        "public/course.html",
        detail=detail,
        shows_demo=detail.shows_demo,
        provenance_labels=PROVENANCE_LABELS,
    )


@bp.get("/data-sources")
@public
def data_sources() -> str:
    """Say where SkillsMatch's data comes from and under which licences."""
    return render_template("public/data_sources.html")


@bp.get("/privacy")
@public
def privacy() -> str:
    """Explain what personal data SkillsMatch keeps and the rights people have over it."""
    return render_template("public/privacy.html")
