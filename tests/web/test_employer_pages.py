"""The employer's pages: dashboard, posting and changing skill needs and vacancies, and the
supply view (courses in reach, coverage, missing skills, learner pipeline)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from employertest import (
    CODE,
    CONSENTING,
    FAR_AWAY,
    HIDDEN,
    LIFTING,
    RECORDS,
    ROLE,
    WELLBEING,
    add_learners,
    need_form,
    post,
    posted_id,
    prepare,
    vacancy_form,
)
from flask import Flask
from sitetest import CHELMSFORD, Account, PageCheckingClient, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Learner, SkillDemand, User, Vacancy


@pytest.fixture
def site(web_app: Flask) -> Flask:
    prepare(web_app)
    return web_app


@pytest.fixture
def employer(site: Flask, login_as: Callable[..., Account]) -> Account:
    return login_as("employer")


def _need(app: Flask, need_id: str) -> dict[str, Any]:
    with app.app_context():
        demand = db.session.scalar(
            sa.select(SkillDemand).where(SkillDemand.public_id == uuid.UUID(need_id))
        )
        assert demand is not None
        return {
            "title": demand.title,
            "headcount": demand.headcount,
            "timeframe": demand.timeframe_months,
            "level": demand.level,
            "district": demand.district.code,
            "sector": demand.sector.slug if demand.sector else None,
            "skills": {s.skill.uri: s.importance for s in demand.skills},
        }


def _vacancy(app: Flask, vacancy_id: str) -> Vacancy:
    with app.app_context():
        vacancy = db.session.scalar(
            sa.select(Vacancy).where(Vacancy.public_id == uuid.UUID(vacancy_id))
        )
        assert vacancy is not None
        db.session.expunge_all()
        return vacancy


def _vacancy_skills(app: Flask, vacancy_id: str) -> dict[str, tuple[str, str, float]]:
    with app.app_context():
        vacancy = db.session.scalar(
            sa.select(Vacancy).where(Vacancy.public_id == uuid.UUID(vacancy_id))
        )
        assert vacancy is not None
        return {s.skill.uri: (s.importance, s.provenance, s.score) for s in vacancy.skills}


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _error_summary(response: object) -> list[tuple[str, str]]:
    """(message, anchor) of each link in the error summary."""
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    box = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.DOTALL)
    assert box, "no error summary"
    return [(m.strip(), a) for a, m in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box.group(0))]


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_shows_the_organisation_and_what_it_has_posted(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    text = page_text(client.get("/employer"))
    assert "Your organisation" in text and "Care" in text and "Chelmsford" in text
    assert "You have not posted any skill needs yet" in text
    assert "You have not posted any vacancies yet" in text
    post(client, "/employer/needs/new", need_form())
    post(
        client,
        "/employer/vacancies/new",
        vacancy_form(closing_day="1", closing_month="1", closing_year=str(date.today().year + 1)),
    )
    page = client.get("/employer")
    text = page_text(page)
    assert "Care assistant Chelmsford 4 6 months 1 essential, 0 optional" in text
    assert "Senior carer Chelmsford £24,000 to £27,000 a year" in text
    assert f"1 January {date.today().year + 1}" in text
    assert "Skill needs 1 (4 people)" in text


# --- posting a skill need -------------------------------------------------------------------------


def test_skills_are_suggested_from_a_description_and_only_chosen_ones_are_kept(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    form = need_form(description=ROLE, action="suggest")
    del form["candidate"], form["importance-0"]
    shown = post(client, "/employer/needs/new", form)
    assert shown.status_code == 200
    text = page_text(shown)
    assert "support people's wellbeing Suggested from the text (likely" in text
    assert "maintain records Suggested from the text (possible" in text
    assert "You will maintain records of care plans on every shift." in text
    html = shown.get_data(as_text=True)
    # Suggestions are offered, not chosen: "not needed" is selected until the employer chooses.
    assert re.search(r'value="" checked', html)
    assert 'value="essential" checked' not in html

    # The employer confirms one suggestion as essential and saves; the other is not kept.
    saved = post(
        client,
        "/employer/needs/new",
        need_form(
            description=ROLE,
            candidate=[WELLBEING, RECORDS],
            **{"importance-0": "essential", "importance-1": ""},
        ),
    )
    need = _need(site, posted_id(saved, "needs"))
    assert need["skills"] == {WELLBEING: "essential"}
    assert need["sector"] == "care" and need["level"] == 2
    follow = client.get(saved.location)
    assert "Your skill need “Care assistant” has been posted." in page_text(follow)


def test_skills_are_found_by_search_and_chosen_ones_survive_another_search(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    searched = post(
        client,
        "/employer/needs/new",
        need_form(action="search", q="code", candidate=WELLBEING, **{"importance-0": "essential"}),
    )
    text = page_text(searched)
    assert "1 skill match “code”" in text
    assert "write code Found by searching for “code”" in text
    assert "support people's wellbeing Chosen" in text
    html = searched.get_data(as_text=True)
    assert html.index("support people&#39;s wellbeing") < html.index("write code")

    nothing = post(client, "/employer/needs/new", need_form(action="search", q="zzzqqq"))
    assert "No ESCO skills match “zzzqqq”. Try another word." in page_text(nothing)
    empty = post(client, "/employer/needs/new", need_form(action="search", q="  "))
    assert _error_summary(empty) == [("Enter a word to search the ESCO skills for", "q")]

    saved = post(
        client,
        "/employer/needs/new",
        need_form(
            q="code",
            candidate=[WELLBEING, CODE],
            **{"importance-0": "essential", "importance-1": "optional"},
        ),
    )
    need = _need(site, posted_id(saved, "needs"))
    assert need["skills"] == {WELLBEING: "essential", CODE: "optional"}


def test_a_need_with_problems_says_what_is_wrong_with_each_field(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    before = _count(site, SkillDemand)
    blank = post(client, "/employer/needs/new", {"action": "save"})
    assert blank.status_code == 200
    assert "Error: Post a skill need" in blank.get_data(as_text=True)
    assert _error_summary(blank) == [
        ("Enter the job title or role", "title"),
        ("Enter how many people you need", "headcount"),
        ("Enter within how many months you need them", "timeframe"),
        ("Select the district where the people will work", "district"),
        (
            "Choose at least one skill the role needs: describe the role to get suggestions, "
            "or search for a skill",
            "description",
        ),
    ]
    wrong = post(
        client,
        "/employer/needs/new",
        need_form(
            title="x" * 256,
            headcount="four",
            timeframe="0",
            district="E99999999",
            level="12",
            **{"importance-0": "optional"},
        ),
    )
    assert _error_summary(wrong) == [
        ("The job title or role must be 255 characters or fewer", "title"),
        ("How many people you need must be a whole number, like 4", "headcount"),
        ("Within how many months you need them must be between 1 and 60", "timeframe"),
        ("Select a district from the list", "district"),
        ("Select a level from the list", "level"),
        ("Choose at least one skill as essential", "importance-0"),
    ]
    contact = post(client, "/employer/needs/new", need_form(title="Carer, call 07834 514945"))
    assert _error_summary(contact) == [
        ("Remove email addresses and phone numbers from the job title or role", "title")
    ]
    suggest = post(client, "/employer/needs/new", need_form(action="suggest", description=""))
    assert _error_summary(suggest) == [
        ("Describe the role to get skill suggestions", "description")
    ]
    assert _count(site, SkillDemand) == before


def test_a_tampered_form_is_refused_and_saves_nothing(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    before = _count(site, SkillDemand)
    unknown = post(client, "/employer/needs/new", need_form(candidate="http://example.com/x"))
    assert _error_summary(unknown) == [
        ("Choose skills from the suggestions or the search results", "description")
    ]
    bad = post(client, "/employer/needs/new", need_form(**{"importance-0": "vital"}))
    assert _error_summary(bad) == [
        ("Choose essential, optional or not needed for each skill", "description")
    ]
    assert post(client, "/employer/needs/new", need_form(action="publish")).status_code == 400
    assert _count(site, SkillDemand) == before


def test_a_need_is_changed_and_deleted(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    need_id = posted_id(post(client, "/employer/needs/new", need_form()), "needs")
    edit_url = f"/employer/needs/{need_id}/edit"
    page = client.get(edit_url)
    html = page.get_data(as_text=True)
    assert 'value="Care assistant"' in html and 'value="essential" checked' in html
    changed = post(
        client,
        edit_url,
        need_form(
            title="Senior care assistant",
            headcount="2",
            candidate=[WELLBEING, RECORDS],
            **{"importance-0": "optional", "importance-1": "essential"},
        ),
    )
    assert posted_id(changed, "needs") == need_id
    need = _need(site, need_id)
    assert need["title"] == "Senior care assistant" and need["headcount"] == 2
    assert need["skills"] == {WELLBEING: "optional", RECORDS: "essential"}
    dropped = post(
        client, edit_url, need_form(candidate=[RECORDS], **{"importance-0": "essential"})
    )
    assert _need(site, posted_id(dropped, "needs"))["skills"] == {RECORDS: "essential"}

    delete_url = f"/employer/needs/{need_id}/delete"
    assert "Are you sure you want to delete this skill need?" in page_text(client.get(delete_url))
    gone = post(client, delete_url, {})
    assert gone.status_code == 303 and gone.location == "/employer"
    assert client.get(f"/employer/needs/{need_id}").status_code == 404
    with site.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "delete"))
        assert event is not None and event.target_type == "skill-demand"
        assert str(event.target_id) == need_id and event.actor_role == "employer"


# --- the supply view ------------------------------------------------------------------------------


def _need_with_gap(client: PageCheckingClient) -> str:
    """Wellbeing essential; records and lifting optional (no course teaches lifting)."""
    return posted_id(
        post(
            client,
            "/employer/needs/new",
            need_form(
                candidate=[WELLBEING, RECORDS, LIFTING],
                **{
                    "importance-0": "essential",
                    "importance-1": "optional",
                    "importance-2": "optional",
                },
            ),
        ),
        "needs",
    )


def test_the_supply_view_shows_courses_in_reach_with_coverage_and_missing_skills(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    need_id = _need_with_gap(client)
    page = client.get(f"/employer/needs/{need_id}")
    text = page_text(page)
    table = text[text.index("Courses in reach supplying Care assistant") :]
    row = table[table.index("Adult care worker") : table.index("Learner pipeline")]
    # 1 of 1 essential skills, 1 of 2 optional ones; lifting is not supplied.
    assert "Chelmsford same district 100% 50% move people safely (optional)" in row
    assert "Demo Chelmsford College, level 2, 12 places" in row
    assert "Skills no course in reach supplies" in text
    assert text.count("move people safely (optional)") == 2
    # The online software course supplies none of these skills, so it is not listed.
    assert "Software developer" not in text
    assert "This page shows demo data" in text


def test_named_learners_are_only_those_who_consented_and_each_view_is_audited(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    ids = add_learners(site)
    need_id = _need_with_gap(client)
    text = page_text(client.get(f"/employer/needs/{need_id}"))
    pipeline = text[text.index("Learner pipeline") :]
    assert "Ready now 2" in pipeline and "On a pathway 0" in pipeline
    assert "Learners considered 2" in pipeline  # the third lives out of reach
    assert f"{CONSENTING} Chelmsford Ready now None needed" in pipeline
    assert HIDDEN not in text and FAR_AWAY not in text
    assert "1 learner is counted but not named" in pipeline
    with site.app_context():
        viewer = db.session.scalar(sa.select(User).where(User.email == employer.email))
        events = list(
            db.session.scalars(sa.select(AuditEvent).where(AuditEvent.target_type == "learner"))
        )
        assert [(e.action, e.target_id, e.actor_id) for e in events] == [
            ("read", ids[CONSENTING], viewer.public_id)
        ]  # type: ignore[union-attr]
        assert events[0].detail == {"via": "skill-demand-supply", "object": need_id}
        # Consent withdrawn: the learner is still counted, no longer named, and not audited.
        learner = db.session.scalar(sa.select(Learner).where(Learner.public_id == ids[CONSENTING]))
        assert learner is not None
        learner.visible_to_employers = False
        db.session.commit()
    again = page_text(client.get(f"/employer/needs/{need_id}"))
    assert CONSENTING not in again and "Ready now 2" in again
    assert "2 learners are counted but not named" in again
    with site.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.target_type == "learner")
            )
            == 1
        )


# --- vacancies -----------------------------------------------------------------------------------


ADVERT_WITH_CONTACTS = (
    "Join our friendly team in Chelmsford. You will support people's wellbeing every day.\n"
    "For an informal chat call Jane Smith on 01245 513714 or email jane.smith@care.example.\n"
    "We offer paid training."
)


def test_a_pasted_advert_loses_its_contact_details_and_the_employer_is_told(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    suggested = post(
        client,
        "/employer/vacancies/new",
        vacancy_form(advert=ADVERT_WITH_CONTACTS, action="suggest", candidate=[]),
    )
    text = page_text(suggested)
    assert "Contact details were removed from the advert" in text
    assert "support people's wellbeing Suggested from the text (likely" in text
    # The note left in place of the details is not read for skills.
    assert "“[Contact details removed]”" not in text
    html = suggested.get_data(as_text=True)
    assert "01245" not in html and "jane.smith" not in html and "Jane Smith" not in html

    saved = post(client, "/employer/vacancies/new", vacancy_form(advert=ADVERT_WITH_CONTACTS))
    vacancy_id = posted_id(saved, "vacancies")
    stored = _vacancy(site, vacancy_id)
    assert "01245" not in stored.description and "jane" not in stored.description.lower()
    assert "You will support people's wellbeing every day." in stored.description
    assert stored.description.endswith("[Contact details removed]")
    assert (stored.salary_min, stored.salary_max) == (24000, 27000)
    assert stored.source == "employer" and stored.employer_name.startswith("Test Employer")
    assert _vacancy_skills(site, vacancy_id) == {WELLBEING: ("essential", "confirmed", 1.0)}
    page = page_text(client.get(saved.location))
    assert "Your vacancy “Senior carer” has been posted." in page
    assert "Contact details were removed from the advert" in page

    # Saving it again unchanged removes nothing more and says nothing about contact details.
    again = post(
        client, f"/employer/vacancies/{vacancy_id}/edit", vacancy_form(advert=stored.description)
    )
    assert "Contact details were removed" not in page_text(client.get(again.location))
    assert _vacancy(site, vacancy_id).description == stored.description


def test_a_vacancy_with_problems_says_what_is_wrong(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    before = _count(site, Vacancy)
    blank = post(client, "/employer/vacancies/new", {"action": "save"})
    assert _error_summary(blank) == [
        ("Enter the job title", "title"),
        ("Select the district where the job is based", "district"),
        ("Paste the text of the advert", "advert"),
        (
            "Choose at least one skill the role needs: describe the role to get suggestions, "
            "or search for a skill",
            "advert",
        ),
    ]
    past = date.today() - timedelta(days=1)
    cases = {
        ("1", "", "2027"): "The closing date must include a day, month and year",
        ("31", "2", "2027"): "The closing date must be a real date, like 27 3 2027",
        ("a", "b", "c"): "The closing date must be a real date, like 27 3 2027",
        (
            str(past.day),
            str(past.month),
            str(past.year),
        ): "The closing date must be today or in the future",
        ("1", "1", str(date.today().year + 3)): "The closing date must be within a year from today",
    }
    for (day, month, year), message in cases.items():
        response = post(
            client,
            "/employer/vacancies/new",
            vacancy_form(closing_day=day, closing_month=month, closing_year=year),
        )
        assert _error_summary(response) == [(message, "closing_day")], (day, month, year)
        assert "govuk-input--error" in response.get_data(as_text=True)
    assert _count(site, Vacancy) == before


def test_a_vacancy_shows_its_supply_and_is_changed_and_deleted(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    add_learners(site)
    vacancy_id = posted_id(
        post(
            client,
            "/employer/vacancies/new",
            vacancy_form(
                candidate=[WELLBEING, CODE],
                **{"importance-0": "essential", "importance-1": "optional"},
            ),
        ),
        "vacancies",
    )
    text = page_text(client.get(f"/employer/vacancies/{vacancy_id}"))
    assert "Essential skills support people's wellbeing" in text
    table = text[text.index("Courses in reach supplying Senior carer") :]
    assert "Adult care worker" in table and "Software developer" in table
    assert "Online online 0% 100%" in table  # the online course supplies the optional skill
    assert f"{CONSENTING} Chelmsford" in text and HIDDEN not in text

    edit = f"/employer/vacancies/{vacancy_id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="Senior carer"' in html and "Join our team." in html
    post(
        client,
        edit,
        vacancy_form(title="Lead carer", candidate=[CODE], **{"importance-0": "essential"}),
    )
    assert _vacancy(site, vacancy_id).title == "Lead carer"
    assert _vacancy_skills(site, vacancy_id) == {CODE: ("essential", "confirmed", 1.0)}

    gone = post(client, f"/employer/vacancies/{vacancy_id}/delete", {})
    assert gone.status_code == 303 and gone.location == "/employer"
    assert "Your vacancy “Lead carer” has been deleted." in page_text(client.get("/employer"))
    assert client.get(f"/employer/vacancies/{vacancy_id}").status_code == 404


def test_an_employer_account_without_an_organisation_is_refused(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    with site.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == employer.email))
        assert user is not None
        user.employer_id = None
        db.session.commit()
    assert "not linked to an organisation" in page_text(client.get("/employer"))
    assert client.get("/employer/needs/new").status_code == 403
    assert client.get("/employer/vacancies/new").status_code == 403


def test_the_pages_are_under_the_organisation_in_the_navigation(
    site: Flask, client: PageCheckingClient, employer: Account
) -> None:
    html = client.get("/employer/needs/new").get_data(as_text=True)
    item = re.search(
        r'<li class="govuk-service-navigation__item[^"]*">\s*<a[^>]*href="/employer"', html
    )
    assert item and "govuk-service-navigation__item--active" in item.group(0)
    assert CHELMSFORD in html  # the district choices
