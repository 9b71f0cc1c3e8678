"""The employer's pages: one employer never reaches another's needs or vacancies (IDOR), other
roles are refused, and SQL or HTML typed into any field is stored and shown as plain text."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from employertest import CODE, WELLBEING, need_form, post, posted_id, prepare, vacancy_form
from flask import Flask, url_for
from sitetest import Account, PageCheckingClient, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Skill, SkillDemand, SkillDemandSkill, Vacancy

SQL = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DROP TABLE skill_demand;--",
    "'; DELETE FROM vacancy; --",
    "' UNION SELECT email, password_hash FROM user_account--",
    "admin'--",
    "1' AND SLEEP(5)--",
    "%' AND 1=0 UNION SELECT NULL--",
    "\\'; SELECT pg_sleep(5);--",
]
XSS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "'><iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }}",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
]
PAYLOADS = SQL + XSS


@pytest.fixture
def site(web_app: Flask) -> Flask:
    prepare(web_app)
    return web_app


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            int(db.session.scalar(sa.select(sa.func.count()).select_from(m)) or 0)
            for m in (SkillDemand, SkillDemandSkill, Vacancy, Skill)
        )


def _object_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, argument) of every employer route that names a need or vacancy."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("employer.") and rule.arguments:
            (argument,) = rule.arguments
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, argument))
    return sorted(routes)


def test_another_employer_gets_not_found_on_every_object_route(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("employer")
    objects = {
        "need_id": posted_id(post(client, "/employer/needs/new", need_form()), "needs"),
        "vacancy_id": posted_id(
            post(client, "/employer/vacancies/new", vacancy_form()), "vacancies"
        ),
    }
    before = _counts(site)
    other: PageCheckingClient = site.test_client()  # type: ignore[assignment]
    login_as("employer", on=other)
    token = other.csrf_token("/employer/needs/new")
    routes = _object_routes(site)
    assert len(routes) == 10  # need, edit, delete; vacancy, edit, delete (GET and POST)
    for endpoint, method, argument in routes:
        with site.test_request_context():
            url = url_for(endpoint, **{argument: uuid.UUID(objects[argument])})
        data = {**need_form(title="Stolen"), **vacancy_form(title="Stolen"), "csrf_token": token}
        response = other.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (endpoint, method)
        assert "Care assistant" not in response.text and "Senior carer" not in response.text
    assert _counts(site) == before
    with site.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "delete")) is None
    # The owner (still signed in on ``client``) has both, unchanged.
    text = page_text(client.get("/employer"))
    assert "Care assistant" in text and "Senior carer" in text and "Stolen" not in text


@pytest.mark.parametrize("role", ["learner", "provider", "board"])
def test_other_roles_are_refused_an_employers_objects(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account], role: str
) -> None:
    login_as("employer")
    need_id = posted_id(post(client, "/employer/needs/new", need_form()), "needs")
    other: PageCheckingClient = site.test_client()  # type: ignore[assignment]
    login_as(role, on=other)
    for url in (f"/employer/needs/{need_id}", f"/employer/needs/{need_id}/edit", "/employer"):
        assert other.get(url).status_code == 403, url


def test_unknown_or_malformed_ids_are_not_found(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("employer")
    for url in (
        f"/employer/needs/{uuid.uuid4()}",
        "/employer/needs/1",
        f"/employer/vacancies/{uuid.uuid4()}/edit",
        "/employer/vacancies/x/delete",
    ):
        assert client.get(url).status_code == 404, url


def test_payloads_in_every_text_field_are_inert_and_shown_escaped(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("employer")
    checked = 0
    for payload in PAYLOADS:
        before = _counts(site)
        # Fields read but not stored: descriptions for suggestions, skill searches.
        for url, form in (
            ("/employer/needs/new", need_form(action="suggest", description=payload)),
            ("/employer/needs/new", need_form(action="search", q=payload)),
            ("/employer/vacancies/new", vacancy_form(action="suggest", advert=payload)),
            (
                "/employer/vacancies/new",
                vacancy_form(action="search", q=payload, title=payload, salary=payload),
            ),
        ):
            response = post(client, url, form)
            assert response.status_code == 200, (url, payload)
            assert payload not in response.text or payload.replace("<", "") == payload
            checked += 1
        assert _counts(site) == before, payload

        # Fields stored: shown back as text on every page that shows them.
        need = post(client, "/employer/needs/new", need_form(title=payload))
        vacancy = post(
            client,
            "/employer/vacancies/new",
            vacancy_form(
                title=payload,
                salary=payload[:120],
                advert=f"Advert {payload}",
                candidate=[WELLBEING, CODE],
                **{"importance-0": "essential", "importance-1": ""},
            ),
        )
        checked += 2
        for response in (need, vacancy):
            assert response.status_code == 303, payload
            for page in (
                client.get(response.location),
                client.get("/employer"),
                client.get(response.location + "/edit"),
            ):
                assert page.status_code == 200
                html = page.get_data(as_text=True)
                if "<" in payload or ">" in payload or '"' in payload:
                    assert payload not in html, payload
                assert payload in page_text(page), payload
    assert checked == len(PAYLOADS) * 6
    with site.app_context():
        titles = set(db.session.scalars(sa.select(SkillDemand.title)))
        assert set(PAYLOADS) <= titles  # stored as typed, not interpreted
