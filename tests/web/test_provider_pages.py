"""The course provider's pages: courses, offerings, skills and imports, as plain forms."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from markupsafe import escape
from provider_support import (
    ESCO,
    OTHER_PROVIDER,
    OWN_PROVIDER,
    SPREADSHEETS,
    csv_file,
    prepare,
    provider_account,
)
from sitetest import CHELMSFORD, Account, PageCheckingClient, check_page, page_text
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Course, CourseOffering, CourseSkill, Provider, User
from skillsmatch.services import provider_courses as pc


@pytest.fixture(autouse=True)
def readers(web_app: Flask) -> None:
    prepare(web_app)


@pytest.fixture
def provider(login_as: Callable[..., Account]) -> Account:
    """The client signed in for the demo college (which runs the adult care standard)."""
    return login_as("provider")


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (Course, CourseOffering, CourseSkill, Provider)
        )


def _own_course(
    app: Flask,
    provider_name: str = OWN_PROVIDER,
    title: str = "Data analysis",
    overview: str = "Learners use spreadsheets software to analyse data.",
) -> tuple[uuid.UUID, uuid.UUID]:
    """A course of the provider's own with one offering: (course id, offering id)."""
    with app.app_context():
        provider = db.session.scalar(sa.select(Provider).where(Provider.name == provider_name))
        assert provider is not None
        course = pc.create_course(
            db.session, provider, pc.CourseFields(title=title, level="3", overview=overview)
        )
        offering = pc.add_offering(
            db.session,
            provider,
            course,
            pc.OfferingFields(
                mode="in-person", district=CHELMSFORD, start_dates="7/9/2026", places="16"
            ),
        )
        db.session.commit()
        return course.public_id, offering.public_id


def _standard_offering(app: Flask) -> tuple[uuid.UUID, uuid.UUID]:
    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.title == "Adult care worker"))
        assert course is not None
        return course.public_id, course.offerings[0].public_id


def _errors(response: TestResponse) -> list[str]:
    """The messages of the GOV.UK error summary on a page."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    if summary is None:
        return []
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m).strip())
        for m in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    ]


def _upload(
    client: PageCheckingClient, content: bytes, name: str = "courses.csv", skip: bool = False
) -> TestResponse:
    values: dict[str, Any] = {
        "csrf_token": client.csrf_token("/provider/import"),
        "file": FileStorage(io.BytesIO(content), filename=name, content_type="text/csv"),
    }
    if skip:
        values["skip_invalid"] = "y"
    # Encoded in memory: the test client would otherwise spool a large body to a file.
    boundary, body = encode_multipart(values)
    return client.post(
        "/provider/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


# --- listing and courses ------------------------------------------------------------------------


def test_the_dashboard_lists_courses_with_places_dates_district_and_mode(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    _own_course(web_app)
    _own_course(web_app, OTHER_PROVIDER, title="Their secret course")
    text = page_text(client.get("/provider"))
    assert "Demo Chelmsford College" in text and "This page shows demo data" in text
    row = re.search(r"Adult care worker Apprenticeship standard ST0005, level 2 (.*?) 12", text)
    assert row and row.group(1) == "Chelmsford Demo In person 7 September 2026"
    assert "Data analysis Your course" in text
    assert "Chelmsford In person 7 September 2026 16" in text
    assert "Their secret course" not in text
    assert "Courses 2 Offerings 2 Places 28" in text


def test_a_provider_adds_a_course_and_where_it_runs(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    before = _counts(web_app)
    refused = client.submit("/provider/courses/new", {"title": "", "level": "", "duration": "x"})
    assert refused.status_code == 200
    check_page(refused, "refused course")
    assert "<title>Error: Add a course" in refused.text
    assert _errors(refused) == [
        "Enter the course title",
        "Select the level of the course",
        "Length in months must be a whole number, like 12",
    ]
    assert 'href="#title"' in refused.text and 'href="#level"' in refused.text
    assert _counts(web_app) == before

    added = client.submit(
        "/provider/courses/new",
        {
            "title": "Data analysis with spreadsheets",
            "level": "3",
            "route": "Digital",
            "overview": "Learners use spreadsheets software to analyse data.",
        },
    )
    assert added.status_code == 303
    match = re.fullmatch(r"/provider/courses/([0-9a-f-]{36})/offerings/new", added.location)
    assert match
    offering_page = client.get(added.location)
    assert "has been added" in page_text(offering_page)

    refused = client.submit(added.location, {"mode": "in-person", "places": "lots"})
    assert _errors(refused) == [
        "Select the district where the course runs",
        "Number of places must be a whole number, like 12",
    ]
    done = client.submit(
        added.location,
        {
            "mode": "in-person",
            "district": CHELMSFORD,
            "start_dates": "7/9/2026\n11/1/2027",
            "places": "16",
        },
    )
    assert done.status_code == 303 and done.location == f"/provider/courses/{match.group(1)}"
    text = page_text(client.get(done.location))
    assert "Chelmsford In person 7 September 2026 11 January 2027 16" in text
    assert "use spreadsheets software Your course text (not confirmed)" in text
    assert "Digital Change route" in text and "IT, Digital & Creative" in text
    assert _counts(web_app)[:2] == (before[0] + 1, before[1] + 1)


def test_the_navigation_keeps_your_courses_current_on_every_provider_page(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    course_id, offering_id = _own_course(web_app)
    for url in (
        "/provider/import",
        f"/provider/courses/{course_id}/skills",
        f"/provider/offerings/{offering_id}/edit",
        "/provider/standards",
    ):
        active = re.findall(
            r'govuk-service-navigation__item--active">\s*<a[^>]*>\s*'
            r"(?:<strong[^>]*>)?\s*([^<]+?)\s*<",
            client.get(url).text,
        )
        assert active == ["Your courses"], url


def test_a_provider_changes_its_course_but_not_a_standard(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    course_id, _ = _own_course(web_app)
    form = client.get(f"/provider/courses/{course_id}/edit")
    assert 'value="Data analysis"' in form.text and "Learners use spreadsheets" in form.text
    changed = client.submit(
        f"/provider/courses/{course_id}/edit",
        {
            "title": "Data analysis for beginners",
            "code": "DA-1",
            "level": "2",
            "duration": "6",
            "overview": "Learners provide personal care.",
        },
    )
    assert changed.status_code == 303
    text = page_text(client.get(changed.location))
    assert "Data analysis for beginners" in text and "DA-1" in text and "6 months" in text
    assert "provide personal care" in text and "use spreadsheets software" not in text

    standard_id, _ = _standard_offering(web_app)
    assert client.get(f"/provider/courses/{standard_id}/edit").status_code == 404
    assert client.get(f"/provider/courses/{standard_id}/skills").status_code == 404
    page = page_text(client.get(f"/provider/courses/{standard_id}"))
    assert "Apprenticeship standard" in page and "Change route" not in page


def test_a_provider_runs_a_standard_found_by_search(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    found = client.get("/provider/standards?q=software")
    assert "Software developer" in page_text(found)
    standard = re.search(r'href="(/provider/courses/[0-9a-f-]{36}/offerings/new)"', found.text)
    assert standard
    done = client.submit(standard.group(1), {"mode": "online", "places": "30"})
    assert done.status_code == 303
    assert "Software developer" in page_text(client.get("/provider"))
    none = page_text(client.get("/provider/standards?q=zzzz"))
    assert "No apprenticeship standard matches “zzzz”" in none


def test_a_provider_changes_and_deletes_its_offering(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    course_id, offering_id = _own_course(web_app)
    url = f"/provider/offerings/{offering_id}/edit"
    form = client.get(url)
    assert "7/9/2026</textarea>" in form.text and 'value="16"' in form.text
    assert _errors(client.submit(url, {"mode": "online", "places": "-3"})) == [
        "Number of places must be between 0 and 100,000"
    ]
    changed = client.submit(url, {"mode": "online", "places": "25", "start_dates": ""})
    assert changed.location == f"/provider/courses/{course_id}"
    assert "Online Online To be confirmed 25" in page_text(client.get(changed.location))

    confirm = client.get(f"/provider/offerings/{offering_id}/delete")
    assert "Are you sure you want to delete this offering?" in page_text(confirm)
    deleted = client.submit(f"/provider/offerings/{offering_id}/delete", {})
    assert deleted.location == f"/provider/courses/{course_id}"
    assert "You do not run this course anywhere yet" in page_text(client.get(deleted.location))
    assert client.get(url).status_code == 404
    with web_app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "delete-offering")
        ).all()
        assert [e.target_id for e in events] == [offering_id]


# --- skills -------------------------------------------------------------------------------------


def test_a_provider_confirms_removes_and_adds_skills(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    course_id, _ = _own_course(
        web_app,
        title="Data analysis with spreadsheets",
        overview="Learners use spreadsheets software to analyse data and present findings.",
    )
    url = f"/provider/courses/{course_id}/skills"
    text = page_text(client.get(url))
    listed = re.search(r"Skills listed for this course (.*) Suggested from the course text", text)
    assert listed and re.search(
        r"use spreadsheets software Your course text \(not confirmed\) "
        r"\d\d% Confirm use spreadsheets software Remove",
        listed.group(1),
    )
    suggested = re.search(r"Suggested from the course text (.*) Add a skill", text)
    assert suggested and re.search(
        r"analyse data (Likely|Possible), \d\d% “.+” Confirm analyse data", suggested.group(1)
    )

    done = client.submit(url, {"skill": ESCO + "analyse-data", "action": "confirm"})
    assert done.status_code == 303 and done.location == url
    text = page_text(client.get(url))
    assert "“analyse data” is confirmed as a skill of this course." in text
    assert "analyse data Confirmed" in text

    client.submit(url, {"skill": SPREADSHEETS, "action": "remove"})
    text = page_text(client.get(url))
    assert "“use spreadsheets software” is removed from the skills of this course." in text
    listed = re.search(r"Skills listed for this course (.*) Suggested from", text)
    assert listed and "use spreadsheets software" not in listed.group(1)

    search = client.get(url + "?q=personal+care")
    assert (
        "Skills matching “personal care” Skill Actions provide personal care "
        "Add provide personal care"
    ) in page_text(search)
    added = client.submit(
        url,
        {"skill": ESCO + "personal-care", "action": "confirm", "q": "personal care"},
        form_page=url + "?q=personal+care",
    )
    assert added.location == url + "?q=personal+care"
    with web_app.app_context():
        rows = db.session.execute(
            sa.select(CourseSkill.provenance, sa.func.count())
            .join(Course)
            .where(Course.public_id == course_id)
            .group_by(CourseSkill.provenance)
        ).all()
    assert dict(rows) == {"confirmed": 2}

    for bad in (
        {"skill": "http://example.org/nope", "action": "confirm"},
        {"skill": SPREADSHEETS, "action": "explode"},
    ):
        assert client.submit(url, bad).status_code == 400


# --- imports ------------------------------------------------------------------------------------

GOOD = "DA-101,Data analysis with spreadsheets,3,Chelmsford,16,blended,2026-09-07,Learn data."
BAD = "CARE-1,Care,2,Narnia,5,in-person,,"


def test_the_template_downloads_as_csv(client: PageCheckingClient, provider: Account) -> None:
    response = client.get("/provider/import/csv-template")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.text.splitlines()[0] == ",".join(pc.TEMPLATE_COLUMNS)


def test_a_half_bad_file_imports_nothing_and_shows_each_row_problem(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    before = _counts(web_app)
    refused = _upload(client, csv_file(GOOD, BAD))
    assert refused.status_code == 200
    check_page(refused, "refused import")
    assert _errors(refused) == [
        "1 of 2 rows in courses.csv have problems, so nothing was imported. Correct them and "
        "upload the file again, or import the valid rows and skip the others"
    ]
    text = page_text(refused)
    assert "Rows with problems Line Column Problem 3 district unknown district 'Narnia'" in text
    assert _counts(web_app) == before


def test_skipping_invalid_rows_reports_exactly_what_was_skipped(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    before = _counts(web_app)
    done = _upload(client, csv_file(GOOD, BAD, "CARE-2,Care,2,Chelmsford,x,in-person,,"), skip=True)
    assert done.status_code == 303 and done.location == "/provider/import"
    text = page_text(client.get("/provider/import"))
    assert "1 offering imported from courses.csv" in text and "2 rows were skipped" in text
    skipped = re.search(r"Rows skipped Line Column Problem (.*?) Upload a CSV", text)
    assert skipped and skipped.group(1) == (
        "3 district unknown district 'Narnia' (give an ONS code, district name or postcode) "
        "4 places not a whole number: 'x'"
    )
    assert "Rows skipped" not in page_text(client.get("/provider/import"))  # shown once
    after = _counts(web_app)
    assert (after[0] - before[0], after[1] - before[1], after[3]) == (1, 1, before[3])
    with web_app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.reference == "DA-101"))
        assert course is not None and course.owner_provider_id is not None
        assert db.session.get(Provider, course.owner_provider_id).name == OWN_PROVIDER
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "import-courses")
        )
        assert event is not None and event.detail == {
            "read": 3,
            "loaded": 1,
            "present": 0,
            "skipped": 2,
        }


def test_a_long_skip_report_is_cut_to_fit_the_session(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    bad = [f"BAD-{i},Course {i},2,Atlantis {i},5,in-person,," for i in range(60)]
    done = _upload(client, csv_file(GOOD, *bad), skip=True)
    assert done.status_code == 303
    cookie = client.get_cookie("__Host-session")
    assert cookie is not None and len(cookie.value) < 4000
    text = page_text(client.get("/provider/import"))
    assert "60 rows were skipped" in text and "more problems not shown" in text


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "courses.csv", "courses.csv cannot be imported: empty file"),
        (
            b"PK\x03\x04zip",
            "courses.xlsx",
            "courses.xlsx cannot be imported: binary file: a ZIP "
            "archive (an Excel .xlsx workbook?); export it as CSV",
        ),
        (
            b"name,age\nAda,36\n",
            "people.csv",
            "people.csv cannot be imported: wrong header: missing required column(s) reference",
        ),
    ],
)
def test_unusable_files_get_one_clear_message(
    web_app: Flask,
    client: PageCheckingClient,
    provider: Account,
    content: bytes,
    name: str,
    message: str,
) -> None:
    before = _counts(web_app)
    errors = _errors(_upload(client, content, name))
    assert len(errors) == 1 and errors[0].startswith(message)
    assert _counts(web_app) == before


def test_no_file_chosen(client: PageCheckingClient, provider: Account) -> None:
    response = client.post(
        "/provider/import",
        data={"csrf_token": client.csrf_token("/provider/import")},
        content_type="multipart/form-data",
    )
    assert _errors(response) == ["Select a CSV file of your courses"]


def test_an_oversized_file_is_refused_before_it_is_read(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    before = _counts(web_app)
    big = csv_file(*[GOOD.replace("DA-101", f"DA-{i}") for i in range(30_000)])
    assert len(big) > pc.UPLOAD_MAX_BYTES
    response = _upload(client, big)
    assert response.status_code == 413
    check_page(response, "oversized upload")
    assert _errors(response) == ["The selected file must be smaller than 2 MB"]
    assert _counts(web_app) == before


# --- who may do what ----------------------------------------------------------------------------


def test_one_provider_cannot_reach_anothers_courses_or_offerings(
    web_app: Flask, client: PageCheckingClient
) -> None:
    """IDOR: every object route answers 404 to another provider, and nothing changes."""
    course_id, offering_id = _own_course(web_app)
    _, standard_offering_id = _standard_offering(web_app)
    other = provider_account(web_app, OTHER_PROVIDER, "other@example.com")
    assert client.sign_in(other.email).status_code == 302
    before = _counts(web_app)
    routes = [
        f"/provider/courses/{course_id}",
        f"/provider/courses/{course_id}/edit",
        f"/provider/courses/{course_id}/skills",
        f"/provider/courses/{course_id}/offerings/new",
        f"/provider/offerings/{offering_id}/edit",
        f"/provider/offerings/{offering_id}/delete",
        f"/provider/offerings/{standard_offering_id}/edit",
        f"/provider/offerings/{standard_offering_id}/delete",
    ]
    token = client.csrf_token("/provider/courses/new")
    data = {
        "csrf_token": token,
        "title": "Taken",
        "level": "2",
        "mode": "online",
        "places": "1",
        "skill": SPREADSHEETS,
        "action": "remove",
    }
    for url in routes:
        assert client.get(url).status_code == 404, url
        if url != routes[0]:  # the course page only shows
            assert client.post(url, data=data).status_code == 404, url
    assert _counts(web_app) == before
    with web_app.app_context():
        assert (
            db.session.scalar(sa.select(Course.title).where(Course.public_id == course_id))
            == "Data analysis"
        )


def test_an_account_not_linked_to_a_provider_is_refused(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("provider")
    with web_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        assert user is not None
        user.provider_id = None
        db.session.commit()
    client.sign_in(account.email)
    assert "not linked to a course provider" in page_text(client.get("/provider"))
    for url in ("/provider/courses/new", "/provider/import", "/provider/standards"):
        assert client.get(url).status_code == 403


# --- injection ----------------------------------------------------------------------------------

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE course; --",
    "1' OR '1'='1",
    "{{ 7*7 }}{% raw %}",
    "%_\\",
    "\u202eevil\u0000nul",
]


def test_injection_payloads_are_stored_as_text_and_shown_escaped(
    web_app: Flask, client: PageCheckingClient, provider: Account
) -> None:
    course_id, offering_id = _own_course(web_app)
    for payload in PAYLOADS:
        before = _counts(web_app)
        # Fields that refuse a payload change nothing and answer with the form.
        for url, data in [
            (
                "/provider/courses/new",
                {
                    "title": "T",
                    "code": payload,
                    "level": payload,
                    "duration": payload,
                    "route": payload,
                    "sector": payload,
                },
            ),
            (
                f"/provider/offerings/{offering_id}/edit",
                {"mode": payload, "district": payload, "start_dates": payload, "places": payload},
            ),
        ]:
            response = client.submit(url, data)
            assert response.status_code == 200, (url, payload)
            assert payload not in response.text or html.escape(payload) == payload
        assert _counts(web_app) == before
        for url in (f"/provider/courses/{course_id}/skills", "/provider/standards"):
            response = client.get(f"{url}?{urlencode({'q': payload})}")
            assert response.status_code == 200
            assert "<script>alert" not in response.text and "<img src=x" not in response.text

        # Free text is kept as typed (less control characters) and shown escaped.
        done = client.submit(
            f"/provider/courses/{course_id}/edit",
            {"title": f"Course {payload}", "level": "3", "overview": f"About {payload}"},
        )
        assert done.status_code == 303, payload
        page = client.get(done.location)
        assert page.status_code == 200
        stored = payload.replace("\u0000", "")  # the one character text may not hold
        assert str(escape(f"Course {stored}")) in page.text, payload
        assert "<script>alert" not in page.text and "<img src=x" not in page.text

    # An uploaded file's text, and its name, are shown escaped too.
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            pc.TEMPLATE_COLUMNS[:5],
            ["X-1", PAYLOADS[0], PAYLOADS[0], "<img src=x onerror=alert(1)>", "5"],
        ]
    )
    before = _counts(web_app)
    response = _upload(client, out.getvalue().encode(), name="<img src=x onerror=alert(1)>.csv")
    assert response.status_code == 200 and _counts(web_app) == before
    assert "<img src=x" not in response.text and "<script>alert" not in response.text
    text = page_text(response)
    assert "2 level not a whole number: '<script>alert(\"x\")</script>'" in text
    assert "2 district unknown district '<img src=x onerror=alert(1)>'" in text
    assert "1 of 1 rows in <img src=x onerror=alert(1)>.csv have problems" in text
