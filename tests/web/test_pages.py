"""Public pages and role dashboards: what they show, checked by the page-checking client."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from sitetest import (
    BASILDON,
    CHELMSFORD,
    FILLER_COURSES,
    TENDRING,
    Account,
    PageCheckingClient,
    PageProblem,
    check_page,
    course_id,
    page_text,
)

PUBLIC_PAGES = [
    "/",
    "/sectors",
    "/courses",
    "/sign-in",
    "/register",
    "/register/learner",
    "/register/employer",
    "/register/employer?q=care+home",
    "/data-sources",
    "/privacy",
]
TOTAL_COURSES = 4 + FILLER_COURSES


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_have_the_layout(client: PageCheckingClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert 'href="#main-content"' in html and 'id="main-content"' in html  # skip link
    assert "SkillsMatch" in text and "Alpha" in text  # service name, phase banner
    assert "This service uses the ESCO classification of the European Commission." in text
    assert 'href="/data-sources"' in html
    assert "Sign in" in text and "Sign out" not in text


def test_the_page_checks_catch_broken_pages(web_app: Flask) -> None:
    """The client's checks are real: each rule, broken on purpose, is reported."""
    from werkzeug.test import TestResponse

    def page(body: str, nonce: str = "n1") -> TestResponse:
        html = (
            f"<!DOCTYPE html><html lang=en><head><title>T</title></head><body>{body}</body></html>"
        )
        return TestResponse(
            [html.encode()],
            "200 OK",
            {"Content-Type": "text/html", "Content-Security-Policy": f"script-src 'nonce-{nonce}'"},
            request=None,  # type: ignore[arg-type]
        )

    check_page(page("<h1>One</h1><script nonce=n1></script>"), "good")
    broken = {
        "two h1": "<h1>One</h1><h1>Two</h1>",
        "no h1": "<p>x</p>",
        "duplicate id": "<h1 id=a>One</h1><p id=a>x</p>",
        "script without nonce": "<h1>One</h1><script></script>",
        "post form without token": "<h1>One</h1><form method=post></form>",
        "bad html": "<h1>One</h1></div>",
    }
    for what, body in broken.items():
        with pytest.raises(PageProblem):
            check_page(page(body), what)


def test_home_explains_the_service_to_each_audience(client: PageCheckingClient) -> None:
    text = page_text(client.get("/"))
    for audience in ("learners", "employers", "course providers", "the skills board"):
        assert f"For {audience}" in text


def test_sectors_lists_the_seven_with_their_defining_codes(client: PageCheckingClient) -> None:
    response = client.get("/sectors")
    text = page_text(response)
    assert len(re.findall(r'<h2 class="govuk-heading-l" id="sector-', response.text)) == 7
    for name in (
        "Advanced Manufacturing & Engineering",
        "Care",
        "Construction",
        "Financial & Related Services",
        "Health",
        "IT, Digital & Creative",
        "Logistics",
    ):
        assert name in text
    # SIC divisions carry their ONS headings; SOC unit groups their titles.
    assert "87: Residential care activities" in text
    assert "Care services" in text  # the apprenticeship route
    assert re.search(r"6135: \w+", text)
    assert 'href="/courses?sector=care"' in response.text


def test_course_search_lists_every_course_by_title_with_pages(client: PageCheckingClient) -> None:
    first = client.get("/courses")
    text = page_text(first)
    assert f"{TOTAL_COURSES} courses" in text
    titles = ("Adult care worker", "Bricklayer", "Engineering technician 00")
    order = [text.index(t) for t in titles]
    assert order == sorted(order)
    assert first.text.count('class="govuk-heading-s') == 20
    assert 'href="/courses?page=2"' in first.text
    second = client.get("/courses?page=2")
    assert second.text.count('class="govuk-heading-s') == TOTAL_COURSES - 20
    assert "(page 2)" in second.text
    assert client.get("/courses?page=3").status_code == 404
    assert client.get("/courses?page=0").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=care", {"Adult care worker"}),
        ("q=CARE+worker", {"Adult care worker"}),
        ("q=%25", set()),  # a LIKE wildcard is searched for literally
        ("sector=construction", {"Bricklayer"}),
        ("level=4", {"Software developer"}),
        # In reach of Chelmsford: its own offerings and online ones, not Tendring's.
        (f"district={CHELMSFORD}", {"Adult care worker", "Software developer"}),
        # Basildon neighbours Chelmsford; Tendring has its own bricklaying course.
        (f"district={BASILDON}", {"Adult care worker", "Software developer"}),
        (f"district={TENDRING}", {"Bricklayer", "Software developer"}),
        (f"district={TENDRING}&sector=construction&level=2", {"Bricklayer"}),
    ],
)
def test_course_search_filters(client: PageCheckingClient, query: str, expected: set[str]) -> None:
    response = client.get(f"/courses?{query}")
    assert response.status_code == 200
    found = set(
        re.findall(
            r'<a class="govuk-link" href="/courses/[0-9a-f-]{36}">([^<]+)</a>', response.text
        )
    )
    assert found == expected


DEMO_TAG = re.compile(r'<strong class="govuk-tag[^"]*app-demo-tag">\s*Demo\s*</strong>')


def test_course_search_marks_demo_provision(client: PageCheckingClient) -> None:
    demo = client.get(f"/courses?district={CHELMSFORD}")
    assert "This page shows demo data" in page_text(demo)
    assert len(DEMO_TAG.findall(demo.text)) == 2
    real = client.get("/courses?sector=construction")
    assert "This page shows demo data" not in page_text(real)
    assert not DEMO_TAG.search(real.text)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sector=farming", "Select a sector from the list"),
        ("district=E99999999", "Select a district from the list"),
        ("level=9", "Select a level from the list"),
        ("q=" + "x" * 101, "Course title must be 100 characters or fewer"),
    ],
)
def test_course_search_refuses_bad_filters_with_a_clear_error(
    client: PageCheckingClient, query: str, message: str
) -> None:
    response = client.get(f"/courses?{query}")
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text and message in text
    assert response.text.count(message) == 2  # in the summary and beside the field
    assert "<title>Error: Search courses" in response.text


def test_course_detail_shows_skills_and_offerings(
    web_app: Flask, client: PageCheckingClient
) -> None:
    response = client.get(f"/courses/{course_id(web_app, 'Adult care worker')}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Adult care worker" in text and "Level 2" in text and "12 months" in text
    assert text.index("support people's wellbeing") < text.index("maintain records")  # by score
    assert "91%" in text and "62%" in text
    assert "The standard's knowledge, skills and behaviours" in text
    assert "Demo Chelmsford College" in text and "7 September 2026" in text
    assert "This page shows demo data" in text


def test_course_detail_of_real_provision_has_no_demo_notice(
    web_app: Flask, client: PageCheckingClient
) -> None:
    text = page_text(client.get(f"/courses/{course_id(web_app, 'Bricklayer')}"))
    assert "Tendring Training Trust" in text and "To be confirmed" in text
    assert "This page shows demo data" not in text
    assert "No skills have been linked" in text


def test_job_titles_skillsmatch_supplied_are_marked_as_ours(
    web_app: Flask, client: PageCheckingClient
) -> None:
    from skillsmatch.extensions import db
    from skillsmatch.loaders.standards import supplementary_job_titles
    from skillsmatch.models import Course

    titles = supplementary_job_titles()["ST0070"]
    with web_app.app_context():
        db.session.add(
            Course(
                reference="ST0070",
                kind="apprenticeship",
                title="Business administrator",
                job_titles=titles,
            )
        )
        db.session.commit()
    note = "The standard lists no typical jobs: these are suggested by SkillsMatch"
    text = page_text(client.get(f"/courses/{course_id(web_app, 'Business administrator')}"))
    assert "Administrative assistant" in text and note in text
    # A standard's own titles carry no such note.
    text = page_text(client.get(f"/courses/{course_id(web_app, 'Adult care worker')}"))
    assert "Care worker" in text and note not in text


def test_unknown_or_malformed_course_ids_are_not_found(client: PageCheckingClient) -> None:
    assert client.get(f"/courses/{uuid.uuid4()}").status_code == 404
    assert client.get("/courses/1").status_code == 404
    assert client.get("/courses/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    ("role", "url", "heading", "shows"),
    [
        ("learner", "/learner", "Your profile", "Chelmsford"),
        ("employer", "/employer", "Your organisation", "Care"),
        ("provider", "/provider", "Your courses", "Demo Chelmsford College"),
        ("board", "/board", "Skills board", "Course offerings"),
    ],
)
def test_each_role_lands_on_its_dashboard(
    client: PageCheckingClient,
    login_as: Callable[..., Account],
    role: str,
    url: str,
    heading: str,
    shows: str,
) -> None:
    account = login_as(role)
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert heading in text and shows in text
    assert "Sign out" in text and "Change your password" in text
    assert "Sign in" not in text.replace("signed in", "")
    assert account.email not in response.text  # the page shows a name, not the address


def test_navigation_follows_the_role(
    client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    anonymous = page_text(client.get("/"))
    assert "Your profile" not in anonymous and "Sign in" in anonymous
    login_as("learner")
    learner = page_text(client.get("/"))
    assert "Your profile" in learner and "Your organisation" not in learner


def test_dashboards_of_demo_organisations_say_so(
    client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("provider")  # linked to the demo college
    assert "This page shows demo data" in page_text(client.get("/provider"))
