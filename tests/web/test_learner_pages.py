"""The learner's pages through the page-checking client: profile, skills, consent, their data."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date

import html5lib
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from learnertest import (
    ABOUT,
    CODE,
    FORKLIFT,
    RECORDS,
    WELLBEING,
    add_extra_skills,
    install_linker,
    skill_uri,
)
from sitetest import PASSWORD, TENDRING, Account, PageCheckingClient, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Learner, LearnerSkill, Skill, User


@pytest.fixture
def site(web_app: Flask) -> Flask:
    add_extra_skills(web_app)
    install_linker(web_app)
    return web_app


@pytest.fixture
def learner(site: Flask, login_as: Callable[..., Account]) -> Account:
    return login_as("learner")


def _profile(app: Flask, account: Account) -> Learner:
    """The learner's row, loaded with what the tests look at (detached from the session)."""
    with app.app_context():
        found = db.session.scalar(sa.select(Learner).join(User).where(User.email == account.email))
        assert found is not None
        _ = (found.district, found.sectors, found.public_id)
        db.session.expunge(found)
        return found


def _skills(app: Flask, account: Account) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        return {
            label: (provenance, confirmed)
            for label, provenance, confirmed in db.session.execute(
                sa.select(Skill.label, LearnerSkill.provenance, LearnerSkill.confirmed)
                .join(Skill)
                .join(Learner)
                .join(User)
                .where(User.email == account.email)
            )
        }


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        for event in events:
            db.session.expunge(event)
        return events


def _save_profile(client: PageCheckingClient, about: str = ABOUT, **fields: object) -> object:
    token = client.csrf_token("/learner/profile")
    data = {
        "about": about,
        "district": TENDRING,
        "level": "3",
        "sectors": ["care", "health"],
        **fields,
        "csrf_token": token,
    }
    return client.post("/learner/profile", data=data)


def _skill_post(client: PageCheckingClient, action: str, uri: str, q: str = "") -> object:
    token = client.csrf_token("/learner/skills")
    return client.post(
        f"/learner/skills/{action}", data={"skill": uri, "q": q, "csrf_token": token}
    )


PAGES = [
    ("/learner", "Your profile"),
    ("/learner/profile", "About you"),
    ("/learner/skills", "Your skills"),
    ("/learner/skills?q=records", "Your skills"),
    ("/learner/consent", "Can employers see your profile?"),
    ("/learner/your-data", "Your data"),
    ("/learner/delete-account", "Delete your account"),
]


@pytest.mark.parametrize(("url", "heading"), PAGES)
def test_every_learner_page_renders(
    client: PageCheckingClient, learner: Account, url: str, heading: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert re.search(rf"<h1[^>]*>\s*{re.escape(heading)}\s*</h1>", response.text)
    text = page_text(response)
    assert "Sign out" in text and learner.email not in response.text
    # The learner's pages sit under "Your profile" in the navigation.
    assert re.search(
        r"govuk-service-navigation__item--(active|current)[^>]*>\s*<a[^>]*"
        r'href="/learner"',
        response.text,
    )


def test_saving_the_profile_suggests_skills_with_how_sure_and_why(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    response = _save_profile(client)
    assert response.status_code == 302 and response.location == "/learner/skills"
    page = client.get("/learner/skills")
    text = page_text(page)
    assert "We found 3 skills in what you wrote: confirm the ones you have." in text
    suggestions = text[text.index("Skills we found") : text.index("Skills you have confirmed")]
    assert suggestions.index(WELLBEING) < suggestions.index(RECORDS)  # surest first
    assert re.search(r"support people.s wellbeing Likely", suggestions)
    assert "maintain records Possible" in suggestions
    assert "From what you wrote: Every day I would support people's wellbeing." in suggestions
    assert "<q>Every day I would support people&#39;s wellbeing.</q>" in page.text
    assert "You have not confirmed any skills yet." in text
    assert _skills(site, learner) == {s: ("text", False) for s in (WELLBEING, RECORDS, CODE)}
    profile = _profile(site, learner)
    assert profile.about == ABOUT and profile.level == 3
    assert profile.district is not None and profile.district.code == TENDRING
    assert sorted(s.slug for s in profile.sectors) == ["care", "health"]

    form = client.get("/learner/profile")
    assert ABOUT.replace("'", "&#39;") in form.text
    assert re.search(r'value="care"\s+checked', form.text)
    assert re.search(r'<option value="3" selected>', form.text)

    # Saving again without changing the text goes back to the dashboard.
    again = _save_profile(client, level="4")
    assert again.location == "/learner"
    dashboard = page_text(client.get("/learner"))
    assert "Your profile has been saved." in dashboard
    assert "Level 4, for example a Higher National Certificate (HNC)" in dashboard
    assert "Care, Health" in dashboard and "Tendring" in dashboard
    assert "0 confirmed, 3 suggested for you to check" in dashboard


def test_confirm_remove_and_add_skills_without_javascript(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    _save_profile(client)
    confirmed = _skill_post(client, "confirm", skill_uri(site, WELLBEING))
    assert confirmed.location == "/learner/skills#suggested-skills"
    assert f"You confirmed “{WELLBEING}”." in page_text(client.get("/learner/skills"))
    removed = _skill_post(client, "remove", skill_uri(site, RECORDS))
    assert removed.location == "/learner/skills#your-skills"
    assert _skills(site, learner) == {WELLBEING: ("text", True), CODE: ("text", False)}

    results = client.get("/learner/skills?q=forklift")
    assert results.status_code == 200
    text = page_text(results)
    assert "1 skill matching “forklift”" in text and f"Add “{FORKLIFT}”" in text
    assert f'value="{skill_uri(site, FORKLIFT)}"' in results.text
    added = _skill_post(client, "add", skill_uri(site, FORKLIFT), q="forklift")
    assert added.location == "/learner/skills?q=forklift#add-a-skill"
    page = page_text(client.get(added.location))
    assert f"You added “{FORKLIFT}” to your skills." in page
    assert "Already in your skills" in page
    assert re.search(r"operate forklift Added by you Remove", page)
    assert re.search(r"support people.s wellbeing Found in what you wrote Remove", page)
    again = _skill_post(client, "add", skill_uri(site, FORKLIFT))
    assert again.location == "/learner/skills#add-a-skill"
    assert "is already one of your skills" in page_text(client.get("/learner/skills"))
    assert _skills(site, learner)[FORKLIFT] == ("added", True)


def test_unknown_skills_are_not_found(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    for action in ("confirm", "remove", "add"):
        response = _skill_post(client, action, "http://data.europa.eu/esco/skill/none")
        assert response.status_code == 404
        assert _skill_post(client, action, "").status_code == 404
    # Confirming or removing a skill the learner does not have is the same.
    for action in ("confirm", "remove"):
        assert _skill_post(client, action, skill_uri(site, FORKLIFT)).status_code == 404


def test_the_search_box_gets_results_as_a_fragment(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    plain = client.get("/learner/skills/search?q=forklift")
    assert plain.status_code == 302
    assert plain.location == "/learner/skills?q=forklift#add-a-skill"

    # Fragments are not pages: fetch them without the page checks, and check them here.
    raw = FlaskClient.open
    fragment = raw(client, "/learner/skills/search?q=spreadsheets", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.mimetype == "text/html"
    assert "HX-Request" in fragment.headers["Vary"]
    assert fragment.headers["Cache-Control"] == "no-store"
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<h1" not in body and "<script" not in body
    html5lib.HTMLParser(strict=True).parseFragment(body)
    assert "1 skill matching “spreadsheets”" in " ".join(body.split())
    assert body.count('name="csrf_token"') == 1 and 'name="q" value="spreadsheets"' in body
    assert 'action="/learner/skills/add"' in body

    too_long = raw(client, "/learner/skills/search?q=" + "x" * 101, headers={"HX-Request": "true"})
    assert too_long.status_code == 400
    assert "skill search must be 100 characters or fewer" in too_long.get_data(as_text=True)
    nothing = raw(client, "/learner/skills/search?q=zzzz", headers={"HX-Request": "true"})
    assert "No skills match" in nothing.get_data(as_text=True)


def test_a_search_that_is_too_long_is_explained(
    client: PageCheckingClient, learner: Account
) -> None:
    response = client.get("/learner/skills?q=" + "x" * 101)
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert text.count("Skill search must be 100 characters or fewer") == 2  # summary, field
    assert re.search(r"<title>Error: Your skills", response.text)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("about", "x" * 5001, "Your description must be 5,000 characters or fewer"),
        ("district", "E99999999", "Select a district from the list"),
        ("level", "9", "Select a qualification level from the list"),
        ("sectors", ["care", "farming"], "Select sectors from the list"),
    ],
)
def test_the_profile_form_explains_what_is_wrong(
    site: Flask,
    client: PageCheckingClient,
    learner: Account,
    field: str,
    value: object,
    message: str,
) -> None:
    response = _save_profile(client, **{field: value})
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text and text.count(message) == 2
    assert re.search(r"<title>Error: About you", response.text)
    assert f'href="#{field}"' in response.text
    profile = _profile(site, learner)
    assert profile.about == "" and profile.level is None and profile.sectors == []
    assert _skills(site, learner) == {}


def test_consent_is_chosen_and_revoked(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    page = client.get("/learner/consent")
    assert "checked" not in page.text and "You chose this on" not in page.text
    empty = client.submit("/learner/consent", {})
    assert "Select yes if employers can see your profile" in page_text(empty)
    assert _events(site, "change-consent") == []

    yes = client.submit("/learner/consent", {"visible": "yes"})
    assert yes.location == "/learner"
    dashboard = page_text(client.get("/learner"))
    assert "Employers can now see your profile." in dashboard
    assert "Employers can see you Yes" in dashboard
    profile = _profile(site, learner)
    assert profile.visible_to_employers and profile.consent_changed_at is not None
    page = client.get("/learner/consent")
    assert re.search(r'value="yes"\s+checked', page.text)
    assert f"You chose this on {date.today().day} " in page_text(page)

    assert client.submit("/learner/consent", {"visible": "no"}).location == "/learner"
    dashboard = page_text(client.get("/learner"))
    assert "Employers can no longer see your profile." in dashboard
    assert "Employers can see you No" in dashboard
    assert not _profile(site, learner).visible_to_employers
    client.submit("/learner/consent", {"visible": "no"})
    assert "It has not changed." in page_text(client.get("/learner"))
    events = _events(site, "change-consent")
    assert [e.detail for e in events] == [
        {"visible_to_employers": True},
        {"visible_to_employers": False},
    ]
    assert {e.target_id for e in events} == {profile.public_id}
    assert {e.actor_id for e in events} == {learner.public_id}


def test_the_dashboard_has_a_place_for_pathways_and_the_learners_data(
    client: PageCheckingClient, learner: Account
) -> None:
    response = client.get("/learner")
    assert 'id="your-pathways"' in response.text
    text = page_text(response)
    assert "Your pathways" in text
    for link in (
        "/learner/profile",
        "/learner/skills",
        "/learner/consent",
        "/learner/your-data",
        "/learner/delete-account",
    ):
        assert f'href="{link}' in response.text, link
    assert "Not written yet" in text and "Employers can see you No" in text


def test_the_learner_downloads_their_data_as_json_and_csv(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    _save_profile(client)
    today = date.today().isoformat()
    as_json = client.get("/learner/your-data/json")
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert as_json.headers["Content-Disposition"] == (
        f"attachment; filename=skillsmatch-your-data-{today}.json"
    )
    assert as_json.headers["Cache-Control"] == "no-store"
    document = json.loads(as_json.data)
    assert document["tables"]["learner"][0]["about"] == ABOUT
    assert {s["skill"]["label"] for s in document["tables"]["learner_skill"]} == {
        WELLBEING,
        RECORDS,
        CODE,
    }

    as_csv = client.get("/learner/your-data/csv")
    assert as_csv.mimetype == "application/zip"
    assert as_csv.headers["Content-Disposition"].endswith(f"skillsmatch-your-data-{today}.zip")
    names = zipfile.ZipFile(io.BytesIO(as_csv.data)).namelist()
    assert "learner_skill.csv" in names and "access_log.csv" in names
    # The page says how many files the zip holds.
    assert f"({len(names)} files)" in page_text(client.get("/learner/your-data"))

    events = _events(site, "export")
    assert [e.detail["format"] for e in events] == ["json", "csv"]
    assert {(e.actor_id, e.actor_role) for e in events} == {(learner.public_id, "learner")}


def test_deleting_the_account_needs_the_password_and_removes_everything(
    site: Flask, client: PageCheckingClient, learner: Account
) -> None:
    _save_profile(client)
    profile = _profile(site, learner)
    empty = client.submit("/learner/delete-account", {})
    assert "Enter your password to delete your account" in page_text(empty)
    wrong = client.submit("/learner/delete-account", {"password": "not my password"})
    assert wrong.status_code == 200
    assert "Your password is not correct" in page_text(wrong)
    assert _skills(site, learner) != {}

    gone = client.submit("/learner/delete-account", {"password": PASSWORD})
    assert gone.status_code == 302 and gone.location == "/"
    home = page_text(client.get("/"))
    assert "Your account and all your data have been deleted." in home
    assert "Sign in" in home and "Sign out" not in home
    assert client.get("/learner").status_code == 302
    assert client.sign_in(learner.email).status_code == 200  # no such account any more
    with site.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == learner.email)) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LearnerSkill)) == 0
    (event,) = _events(site, "delete")
    assert (event.target_type, event.target_id, event.actor_role) == (
        "learner",
        profile.public_id,
        "learner",
    )
    assert set(event.detail) == {"rows", "tables"}


def test_guessing_the_password_to_delete_is_rate_limited(
    client: PageCheckingClient, learner: Account
) -> None:
    token = client.csrf_token("/learner/delete-account")
    statuses = [
        client.post(
            "/learner/delete-account", data={"password": f"guess {n}", "csrf_token": token}
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
