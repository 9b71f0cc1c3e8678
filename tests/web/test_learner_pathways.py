"""The learner's pathway pages and saved pathways, through the page-checking client.

The data (``pathwaytest``): a care occupation asking for five skills, two courses teaching some
of them in reach of Chelmsford (one also out of reach, in Tendring), and care jobs in and out of
reach. Amy lives in Chelmsford, is interested in care and has confirmed "support people's
wellbeing" and "use a hoist" (a narrower skill of "move people safely").
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import pytest
import sqlalchemy as sa
from flask import Flask
from pathwaytest import (
    CARE_COURSE,
    CARE_WORKER,
    CLOSED_JOB,
    DEMO_JOB,
    FAR_JOB,
    HOIST,
    MEALS,
    MEDICATION,
    MEDICATION_COURSE,
    MOVING,
    READY_JOB,
    RECORDS,
    SALARY,
    VIOLIN,
    WELLBEING,
    PathwayWorld,
    build_pathway_world,
    install_index,
    pathway_url,
    set_profile,
)
from sitetest import PASSWORD, Account, PageCheckingClient, page_text

from skillsmatch.extensions import db
from skillsmatch.models import CourseOffering, District, Learner, SavedPathway, User
from skillsmatch.services import personal_data, saved_pathways
from skillsmatch.services.pathways import (
    EXTENSION_KEY,
    PART_LABELS,
    LearnerPathways,
    PathwayIndex,
    recommend_pathways,
)
from skillsmatch.services.pathways import index as index_module

# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def world(web_app: Flask) -> PathwayWorld:
    found = build_pathway_world(web_app)
    install_index(web_app)
    return found


@pytest.fixture
def amy(world: PathwayWorld, web_app: Flask, login_as: Callable[..., Account]) -> Account:
    account = login_as("learner")
    set_profile(web_app, account, skills=(WELLBEING, HOIST))
    return account


def _tree(response: Any) -> Element:
    return html5lib.parse(response.get_data(), namespaceHTMLElements=False)


def _text(element: Element | None) -> str:
    return " ".join(" ".join(element.itertext()).split()) if element is not None else ""


def _by_id(response: Any, element_id: str) -> Element | None:
    return _tree(response).find(f".//*[@id='{element_id}']")


def _items(response: Any, list_id: str) -> list[str]:
    """The text of each item of the list with this id ([] when it is not a list)."""
    found = _by_id(response, list_id)
    return [] if found is None else [_text(li) for li in found.iter("li")]


def _card_titles(response: Any) -> list[str]:
    return [
        _text(h)
        for h in _tree(response).iter()
        if "govuk-summary-card__title" in (h.get("class") or "")
    ]


def _learner(app: Flask, account: Account) -> Learner:
    learner = db.session.scalar(sa.select(Learner).join(User).where(User.email == account.email))
    assert learner is not None
    return learner


def _recommended(app: Flask, account: Account) -> LearnerPathways:
    """What the service recommends for the account's learner, to compare the pages with."""
    with app.app_context():
        return recommend_pathways(app.extensions[EXTENSION_KEY], _learner(app, account))


def _save(client: PageCheckingClient, page: str) -> Any:
    """Press "Save this pathway" on the pathway page at ``page``."""
    response = client.get(page)
    form = _tree(response).find(".//form[@action='/learner/saved-pathways']")
    assert form is not None, "no save button"
    data = {i.get("name"): i.get("value") or "" for i in form.iter("input")}
    return client.post("/learner/saved-pathways", data=data)


def _post_save(
    client: PageCheckingClient, world: PathwayWorld, then: uuid.UUID | None = None
) -> Any:
    """Post the save form's fields directly (as a second press of the button would)."""
    token = client.csrf_token("/learner")
    return client.post(
        "/learner/saved-pathways",
        data={
            "course": str(world.care_course),
            "occupation": str(world.occupation),
            "second_course": str(then or ""),
            "csrf_token": token,
        },
    )


def _saved(app: Flask, account: Account) -> list[SavedPathway]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                sa.select(SavedPathway).join(Learner).join(User).where(User.email == account.email)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def _remove(
    client: PageCheckingClient,
    saved_id: uuid.UUID,
    back: str = "dashboard",
    token_page: str = "/learner",
) -> Any:
    token = client.csrf_token(token_page)
    return client.post(
        f"/learner/saved-pathways/{saved_id}/remove", data={"back": back, "csrf_token": token}
    )


# --- the list of pathways --------------------------------------------------------------------


def test_the_pathways_page_shows_each_pathway_as_a_card_with_its_score_and_why(
    web_app: Flask, client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    expected = _recommended(web_app, amy)
    response = client.get("/learner/pathways")
    assert response.status_code == 200
    text = page_text(response)

    singles = [f"{p.courses[0].title} to {p.occupation}" for p in expected.pathways]
    doubles = [
        f"{p.courses[0].title}, then {p.courses[1].title} to {p.occupation}"
        for p in expected.two_step
    ]
    assert set(singles) == {
        f"{CARE_COURSE} to {CARE_WORKER}",
        f"{MEDICATION_COURSE} to {CARE_WORKER}",
    }
    assert doubles == [f"{CARE_COURSE}, then {MEDICATION_COURSE} to {CARE_WORKER}"]
    cards = _card_titles(response)
    assert [c for c in cards if c in singles + doubles] == singles + doubles
    for p in [*expected.pathways, *expected.two_step]:
        # The score in words and numbers, with how sure it is and why.
        assert f"match: {p.score.score} out of 100" in text
        assert f"{p.score.confidence.capitalize()} confidence: {p.score.confidence_reason}" in text

    care = next(p for p in expected.pathways if p.courses[0].title == CARE_COURSE)
    card = next(
        c
        for c in _tree(response).iter("div")
        if "govuk-summary-card" in (c.get("class") or "").split()
        and _text(c).startswith(f"{CARE_COURSE} to {CARE_WORKER}")
    )
    body = _text(card)
    soon = date.today() + timedelta(days=30)
    assert "Job Care worker (Care)" in body
    assert "Course Adult care worker at Demo Online Skills Academy Demo" in body
    assert "Travel Online" in body and "Level Level 2, at your level" in body
    assert "Length 12 months" in body and "Funding Up to £6,000 of government funding" in body
    assert f"Starts Next start {soon.day} {soon:%B %Y}, 15 places" in body
    assert (
        f"Why You have 1 of the 5 skills this job asks for; the course adds 1, and 2 would "
        f"still be missing (1 essential). {care.n_vacancies} live jobs for it in your reach."
    ) in body
    # A real course carries no demo tag; the demo offering's does, and the page says why.
    medication = next(
        c
        for c in _tree(response).iter("div")
        if "govuk-summary-card" in (c.get("class") or "").split()
        and _text(c).startswith(f"{MEDICATION_COURSE} to")
    )
    assert "Demo" not in _text(medication)
    assert "This page shows demo data" in text

    # Jobs: the one Amy is ready for now; none out of reach or closed.
    ready = _text(_by_id(response, "jobs-section"))
    assert f"{READY_JOB} at Essex Care Partnership" in ready
    assert FAR_JOB not in text and CLOSED_JOB not in text
    assert [m.vacancy.title for m in expected.ready_now] == [READY_JOB]
    # Links to each pathway, named by course(s) and occupation.
    assert f'href="{pathway_url(world)}"' in response.text
    assert f'href="{pathway_url(world, then=world.medication_course)}"' in response.text


def test_a_learners_pathways_page_never_shows_another_learners_name(
    web_app: Flask, client: PageCheckingClient, amy: Account
) -> None:
    response = client.get("/learner/pathways")
    assert "Test learner" in page_text(response)  # her own name, as the caption
    assert amy.email not in response.text


NOTICE_CASES = {
    "no-skills": (
        {"skills": (), "pending": (WELLBEING,)},
        "/learner/skills",
        "Confirm the 1 skill suggested from your profile",
    ),
    "skills-unmatched": ({"skills": (VIOLIN,)}, "/learner/skills", VIOLIN),
    "no-district": (
        {"skills": (WELLBEING,), "district": None},
        "/learner/profile#district",
        "Your district is not set",
    ),
    "no-sectors": (
        {"skills": (WELLBEING,), "sectors": ()},
        "/learner/profile#sectors",
        "pathways into all seven priority sectors",
    ),
    "no-pathways": (
        {"skills": (WELLBEING,), "sectors": ("construction",)},
        "/learner/profile#sectors",
        "No course in your reach teaches",
    ),
    "none-ready-now": ({"skills": (RECORDS,)}, "/learner/skills", "You are not yet ready"),
}


@pytest.mark.parametrize("code", sorted(NOTICE_CASES))
def test_each_notice_explains_what_to_do_next(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    login_as: Callable[..., Account],
    code: str,
) -> None:
    profile, href, words = NOTICE_CASES[code]
    account = login_as("learner")
    set_profile(web_app, account, **profile)
    expected = _recommended(web_app, account)
    assert expected.has(code)
    response = client.get("/learner/pathways")
    assert response.status_code == 200
    notice = _tree(response).find(f".//*[@data-notice='{code}']")
    assert notice is not None, code
    message = next(n.message for n in expected.notices if n.code == code)
    assert message in _text(notice) and words in _text(notice)
    assert notice.find(f".//a[@href='{href}']") is not None


def test_a_district_outside_the_area_is_explained(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    login_as: Callable[..., Account],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A district the index does not cover (added while its rebuild is still under way) gives
    online courses only."""
    account = login_as("learner")
    set_profile(web_app, account, skills=(WELLBEING,))
    client.get("/learner/pathways")  # the index as it stands
    web_app.config["PATHWAY_INDEX_REFRESH"] = "background"
    monkeypatch.setattr(index_module, "_refresh_in_background", lambda app, encoder: None)
    with web_app.app_context():
        cardiff = District(
            code="W06000015",
            name="Cardiff",
            population_2011=1,
            population_2021=1,
            working_age_2021=1,
        )
        _learner(web_app, account).district = cardiff
        db.session.commit()
    response = client.get("/learner/pathways")
    assert response.status_code == 200
    notice = _tree(response).find(".//*[@data-notice='district-outside-area']")
    assert "not one of the 14 districts" in _text(notice)
    assert notice is not None and notice.find(".//a[@href='/learner/profile#district']") is not None
    # Only online offerings are in reach: the Chelmsford college is not counted.
    detail = client.get(pathway_url(world))
    assert "Demo Chelmsford College" not in page_text(detail)


def test_nothing_in_reach_is_explained(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    login_as: Callable[..., Account],
) -> None:
    with web_app.app_context():
        db.session.execute(sa.update(CourseOffering).values(places=0))
        db.session.commit()
    install_index(web_app)
    account = login_as("learner")
    set_profile(web_app, account, skills=(WELLBEING,))
    response = client.get("/learner/pathways")
    assert response.status_code == 200
    notice = _tree(response).find(".//*[@data-notice='no-courses-in-reach']")
    assert notice is not None and "No course with free places is in your reach" in _text(notice)
    assert notice.find(".//a[@href='/courses']") is not None
    assert "No course pathway to show" in page_text(response)


# --- one pathway -----------------------------------------------------------------------------


def test_the_pathway_page_shows_exactly_what_the_learner_has_gains_and_lacks(
    web_app: Flask, client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    response = client.get(pathway_url(world))
    assert response.status_code == 200
    assert _text(_tree(response).find(".//h1")) == f"{CARE_COURSE} to {CARE_WORKER}"
    assert _items(response, "skills-have") == [f"{WELLBEING} (essential)"]
    assert _items(response, "skills-adds") == [f"{RECORDS} (essential)"]
    assert _items(response, "skills-partly") == [
        f"{MOVING} (essential; partly covered by “{HOIST}”)"
    ]
    # Essential first.
    assert _items(response, "skills-missing") == [
        f"{MEDICATION} (essential)",
        f"{MEALS} (optional)",
    ]

    expected = next(
        p for p in _recommended(web_app, amy).pathways if p.courses[0].title == CARE_COURSE
    )
    text = page_text(response)
    assert f"match: {expected.score.score} out of 100" in text
    assert f"{expected.coverage_now}% now, {expected.coverage_after}% after the course" in text
    # The score's parts, in plain English, add up to the score.
    table = _by_id(response, "score-parts")
    assert table is not None
    rows = [[_text(c) for c in tr] for tr in table.iter("tr")][1:]
    parts = {r[0]: r for r in rows[:-1]}
    assert set(parts) == {
        PART_LABELS[k].capitalize()
        for k in ("skills", "gain", "relevance", "interest", "practical", "jobs")
    }
    assert rows[-1][0] == "Match score" and rows[-1][2] == str(expected.score.score)
    assert abs(sum(float(r[2]) for r in rows[:-1]) - expected.score.score) <= 0.6
    assert sum(float(r[3]) for r in rows[:-1]) == 100
    assert f"How sure SkillsMatch is: {expected.score.confidence}" in text

    # The course, where it runs within reach (not in Tendring), with starts and places.
    offerings = _by_id(response, "offerings-table-1")
    assert offerings is not None
    providers = [_text(tr[0]) for tr in offerings.iter("tr")][1:]
    assert [p.split(" Demo")[0] for p in providers] == [
        "Demo Chelmsford College",
        "Demo Online Skills Academy",
    ]
    assert sum("Counted in the match" in p for p in providers) == 1
    assert "Tendring Training Trust" not in _text(offerings)
    soon = date.today() + timedelta(days=30)
    assert f"{soon.day} {soon:%B %Y}" in _text(offerings)
    assert "No start date listed: ask the provider" in _text(offerings)

    # The live jobs it leads to, within reach, with salary and demo marks.
    jobs = _by_id(response, "jobs-table")
    assert jobs is not None
    job_rows = {_text(tr[0]): _text(tr) for tr in jobs.iter("tr")}
    assert set(job_rows) - {"Job"} == {f"{DEMO_JOB} Demo", READY_JOB}
    assert SALARY in job_rows[f"{DEMO_JOB} Demo"]
    assert FAR_JOB not in text and CLOSED_JOB not in text


def test_a_two_course_pathway_shows_what_each_course_adds(
    client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    response = client.get(pathway_url(world, then=world.medication_course))
    assert response.status_code == 200
    assert _items(response, "skills-adds") == [f"{RECORDS} (essential)"]
    assert _items(response, "skills-adds-second") == [f"{MEDICATION} (essential)"]
    assert _items(response, "skills-missing") == [f"{MEALS} (optional)"]
    assert "Needs two courses" in page_text(response)  # the score's penalty, named
    assert _by_id(response, "course-1") is not None and _by_id(response, "course-2") is not None


def test_a_pathway_not_recommended_now_says_so_and_unknown_ones_are_not_found(
    client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    response = client.get(pathway_url(world, course=world.software_course))
    assert response.status_code == 200
    notice = _tree(response).find(".//*[@data-notice='not-recommended']")
    assert "not among the pathways recommended for you now" in _text(notice)
    assert "Save this pathway" not in page_text(response)
    assert "Software developer" in page_text(response)

    unknown = uuid.uuid4()
    for url in (
        f"/learner/pathways/{unknown}/to/{world.occupation}",
        f"/learner/pathways/{world.care_course}/to/{unknown}",
        pathway_url(world, then=unknown),
        pathway_url(world, then=world.care_course),
    ):
        assert client.get(url).status_code == 404, url
    # Not a UUID at all: no route.
    assert client.get(f"/learner/pathways/{world.care_course}/to/care-worker").status_code == 404


# --- saving pathways -------------------------------------------------------------------------


def test_a_learner_saves_a_pathway_sees_it_on_the_dashboard_and_removes_it(
    web_app: Flask, client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    dashboard = client.get("/learner")
    assert "You have not saved any pathways yet" in page_text(dashboard)
    assert 'href="/learner/pathways"' in dashboard.text

    response = _save(client, pathway_url(world))
    assert response.status_code == 303 and response.location == pathway_url(world)
    after = client.get(pathway_url(world))
    assert "You saved this pathway. You can find it on your profile page." in page_text(after)
    assert "Remove from saved pathways" in page_text(after)
    (saved,) = _saved(web_app, amy)

    listed = client.get("/learner/pathways")
    card = next(
        c
        for c in _tree(listed).iter("div")
        if "govuk-summary-card" in (c.get("class") or "").split()
        and _text(c).startswith(f"{CARE_COURSE} to")
    )
    assert "Saved" in _text(card)
    assert "You have saved 1 pathway" in page_text(listed)

    dashboard = client.get("/learner")
    section = _text(_by_id(dashboard, "your-pathways"))
    assert f"{CARE_COURSE} to {CARE_WORKER}" in section and "Care" in section
    assert f'href="{pathway_url(world)}"' in dashboard.text

    response = _remove(client, saved.public_id)
    assert response.status_code == 303 and response.location == "/learner#your-pathways"
    assert "You removed the pathway" in page_text(client.get("/learner"))
    assert _saved(web_app, amy) == []


def test_saving_twice_keeps_one_and_a_two_course_pathway_is_its_own(
    web_app: Flask, client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    _save(client, pathway_url(world))
    again = _post_save(client, world)
    assert again.status_code == 303 and again.location == pathway_url(world)
    assert "You had already saved this pathway." in page_text(client.get(pathway_url(world)))
    _save(client, pathway_url(world, then=world.medication_course))
    saved = _saved(web_app, amy)
    assert len(saved) == 2
    assert {s.second_course_id is None for s in saved} == {True, False}
    # Removing from the pathway page goes back to it, no longer saved.
    two_step = next(s for s in saved if s.second_course_id is not None)
    response = _remove(
        client,
        two_step.public_id,
        back="pathway",
        token_page=pathway_url(world, then=world.medication_course),
    )
    assert response.location == pathway_url(world, then=world.medication_course)
    assert "Save this pathway" in page_text(client.get(response.location))
    assert len(_saved(web_app, amy)) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"course": "not-a-uuid"},
        {"occupation": ""},
        {"course": str(uuid.UUID(int=1))},
        {"occupation": str(uuid.UUID(int=2))},
        {"second_course": "nonsense"},
    ],
)
def test_saving_an_unknown_pathway_is_not_found(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    amy: Account,
    fields: dict[str, str],
) -> None:
    data = {
        "course": str(world.care_course),
        "occupation": str(world.occupation),
        "second_course": "",
        **fields,
    }
    token = client.csrf_token(pathway_url(world))
    response = client.post("/learner/saved-pathways", data={**data, "csrf_token": token})
    assert response.status_code == 404
    assert _saved(web_app, amy) == []


def test_one_learner_cannot_see_or_remove_anothers_saved_pathway(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    amy: Account,
    login_as: Callable[..., Account],
) -> None:
    _save(client, pathway_url(world))
    (amys,) = _saved(web_app, amy)

    bob_client: PageCheckingClient = web_app.test_client()  # type: ignore[assignment]
    bob = login_as("learner", on=bob_client)
    set_profile(web_app, bob, skills=(WELLBEING,))
    dashboard = bob_client.get("/learner")
    assert "You have not saved any pathways yet" in page_text(dashboard)
    assert str(amys.public_id) not in dashboard.text
    page = bob_client.get(pathway_url(world))
    assert "Save this pathway" in page_text(page) and str(amys.public_id) not in page.text
    for back in ("dashboard", "pathway"):
        response = _remove(bob_client, amys.public_id, back=back)
        assert response.status_code == 404
    assert [s.public_id for s in _saved(web_app, amy)] == [amys.public_id]
    with web_app.app_context():
        learner = _learner(web_app, bob)
        exported = personal_data.personal_data_map().export(
            db.session, personal_data.Subject.of(learner)
        )
    assert exported.tables["saved_pathway"] == []


def test_saved_pathways_are_in_the_learners_export_and_erased_with_the_account(
    web_app: Flask, client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    _save(client, pathway_url(world))
    _save(client, pathway_url(world, then=world.medication_course))
    response = client.get("/learner/your-data/json")
    assert response.status_code == 200
    rows = json.loads(response.data)["tables"]["saved_pathway"]
    assert len(rows) == 2
    for row in rows:
        assert row["course"]["title"] == CARE_COURSE and row["occupation"]["label"] == CARE_WORKER
        assert "learner_id" not in row and "id" not in row
    assert {(r["second_course"] or {}).get("title") for r in rows} == {None, MEDICATION_COURSE}

    token = client.csrf_token("/learner/delete-account")
    response = client.post(
        "/learner/delete-account", data={"password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    with web_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedPathway)) == 0


# --- the index in the running app ----------------------------------------------------------


def test_the_index_is_built_on_first_use_and_not_again_for_each_page(
    web_app: Flask,
    client: PageCheckingClient,
    monkeypatch: pytest.MonkeyPatch,
    login_as: Callable[..., Account],
) -> None:
    world = build_pathway_world(web_app)
    assert EXTENSION_KEY not in web_app.extensions
    builds: list[int] = []
    real_build = PathwayIndex.build.__func__  # type: ignore[attr-defined]

    def counting(cls: type[PathwayIndex], *args: Any, **kwargs: Any) -> PathwayIndex:
        builds.append(1)
        return real_build(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(PathwayIndex, "build", classmethod(counting))
    account = login_as("learner")
    set_profile(web_app, account, skills=(WELLBEING, HOIST))
    assert client.get("/learner").status_code == 200
    assert builds == []  # the dashboard needs no index
    for url in (
        "/learner/pathways",
        pathway_url(world),
        "/learner/pathways",
        pathway_url(world, then=world.medication_course),
    ):
        assert client.get(url).status_code == 200, url
    assert builds == [1]
    assert isinstance(web_app.extensions[EXTENSION_KEY], PathwayIndex)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    calls: list[int] = []
    real = saved_pathways.recommend_pathways

    def counting(*args: Any, **kwargs: Any) -> LearnerPathways:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(saved_pathways, "recommend_pathways", counting)
    yield calls


def test_recommendations_are_worked_out_again_only_when_the_profile_changes(
    web_app: Flask,
    client: PageCheckingClient,
    world: PathwayWorld,
    amy: Account,
    counted: list[int],
) -> None:
    for url in ("/learner/pathways", pathway_url(world), "/learner/pathways"):
        client.get(url)
    assert len(counted) == 1
    before = client.get(pathway_url(world, course=world.medication_course))
    assert _items(before, "skills-have") == [f"{WELLBEING} (essential)"]
    assert len(counted) == 1
    set_profile(web_app, amy, skills=(WELLBEING, HOIST, RECORDS))
    after = client.get(pathway_url(world, course=world.medication_course))
    assert len(counted) == 2
    assert _items(after, "skills-have") == [f"{WELLBEING} (essential)", f"{RECORDS} (essential)"]
    # A rebuilt index starts afresh.
    install_index(web_app)
    client.get("/learner/pathways")
    assert len(counted) == 3


def test_the_pathway_pages_sit_under_the_learners_navigation(
    client: PageCheckingClient, world: PathwayWorld, amy: Account
) -> None:
    for url in ("/learner/pathways", pathway_url(world)):
        response = client.get(url)
        assert re.search(
            r"govuk-service-navigation__item--active[^>]*>\s*<a[^>]*"
            r'href="/learner"',
            response.text,
        ), url
