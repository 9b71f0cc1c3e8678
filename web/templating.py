"""Jinja set-up: GOV.UK Frontend macros, the navigation for each role and the CSP nonce."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from web.auth.permissions import LANDING
from web.security import csp_nonce

SERVICE_NAME = "SkillsMatch"
# Each role's own pages come first in the navigation, then the public ones.
ROLE_NAVIGATION = {
    "learner": ("Your profile", "learner.dashboard"),
    "employer": ("Your organisation", "employer.dashboard"),
    "provider": ("Your courses", "provider.dashboard"),
    "board": ("Skills board", "board.dashboard"),
}
PUBLIC_NAVIGATION = (("Courses", "public.courses"), ("Sectors", "public.sectors"))
# Pages that belong under a navigation item without being it (a course, under "Courses").
SECTIONS = {
    "public.courses": {"public.course"},
    "learner.dashboard": {
        "learner.profile",
        "learner.skills",
        "learner.consent",
        "learner.your_data",
        "learner.delete_account",
        "learner.pathways",
        "learner.pathway",
    },
    "employer.dashboard": {
        "employer.new_need",
        "employer.need",
        "employer.edit_need",
        "employer.delete_need",
        "employer.new_vacancy",
        "employer.vacancy",
        "employer.edit_vacancy",
        "employer.delete_vacancy",
    },
    "provider.dashboard": {
        "provider.new_course",
        "provider.course",
        "provider.edit_course",
        "provider.standards",
        "provider.new_offering",
        "provider.edit_offering",
        "provider.delete_offering",
        "provider.course_skills",
        "provider.import_courses",
    },
    "board.dashboard": {
        "board.live_report",
        "board.snapshot",
        "board.sector",
        "board.district",
        "board.skill",
        "board.cell",
        "board.gap",
        "board.snapshots",
        "board.changes",
        "board.methodology",
        "board.audit_log",
    },
}


# Characters an HTML document may not hold (NUL, other controls, noncharacters). A form shown
# again with what was typed would otherwise carry them into the page.
_NOT_IN_HTML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def init_app(app: Flask) -> None:
    # govuk-frontend-jinja's templates import each other as "govuk_frontend_jinja/...", which
    # only resolves through a PrefixLoader (a plain PackageLoader raises TemplateNotFound).
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.globals.update(csp_nonce=csp_nonce, service_name=SERVICE_NAME)
    app.jinja_env.finalize = without_forbidden_characters
    app.jinja_env.filters["long_date"] = long_date
    app.context_processor(_navigation)


def without_forbidden_characters(value: Any) -> Any:
    """Every value a template writes, less the characters HTML forbids."""
    if isinstance(value, str) and _NOT_IN_HTML.search(value):
        cleaned = _NOT_IN_HTML.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def long_date(value: date | str) -> str:
    """A date as GOV.UK writes it: 7 September 2026."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def _navigation() -> dict[str, Any]:
    """Service navigation items for whoever is signed in (or nobody)."""
    links: list[tuple[str, str]] = []
    if current_user.is_authenticated and current_user.role in ROLE_NAVIGATION:
        links.append(ROLE_NAVIGATION[current_user.role])
    links.extend(PUBLIC_NAVIGATION)
    if not current_user.is_authenticated:
        links.append(("Sign in", "auth.sign_in"))
    items = [
        {
            "text": text,
            "href": url_for(endpoint),
            "current": request.endpoint == endpoint,
            "active": request.endpoint in SECTIONS.get(endpoint, ()),
        }
        for text, endpoint in links
    ]
    home = LANDING.get(current_user.role) if current_user.is_authenticated else None
    return {"navigation_items": items, "home_endpoint": home or "public.home"}
