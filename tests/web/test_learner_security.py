"""The learner's pages: one learner never reaches another's data, reads of one's own record are
not audited, and SQL or script payloads are stored as text and shown escaped."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from learnertest import ABOUT, FORKLIFT, WELLBEING, add_extra_skills, install_linker, skill_uri
from sitetest import TENDRING, Account, PageCheckingClient, no_injected_markup, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Learner, LearnerSkill, Skill, User

OWN_PAGES = [
    "/learner",
    "/learner/profile",
    "/learner/skills",
    "/learner/skills?q=records",
    "/learner/consent",
    "/learner/your-data",
    "/learner/delete-account",
    "/learner/your-data/json",
    "/learner/your-data/csv",
]
BOB_WORDS = "Bob keeps bees near Maldon and fixes tractors."

SQL_PAYLOADS = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "'; DROP TABLE learner;--",
    "1; DELETE FROM learner_skill",
    "' UNION SELECT email, password_hash FROM user_account--",
    "admin'--",
    "%' AND 1=0 UNION SELECT NULL--",
    "') OR ('a'='a",
    "\\'; SELECT pg_sleep(5);--",
]
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<img src=x onerror=alert(document.cookie)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "{{ 7*7 }}{% raw %}",
    '<a href="javascript:alert(1)">x</a>',
    "'-alert(1)-'",
    "<body onload=alert(1)>",
]


@pytest.fixture
def site(web_app: Flask) -> Flask:
    add_extra_skills(web_app)
    install_linker(web_app)
    return web_app


def _post(
    client: PageCheckingClient,
    url: str,
    data: dict[str, object],
    form_page: str = "/learner/profile",
) -> object:
    token = client.csrf_token(form_page)
    return client.post(url, data={**data, "csrf_token": token})


def _learner_ids(app: Flask, account: Account) -> tuple[uuid.UUID, uuid.UUID]:
    with app.app_context():
        learner = db.session.scalar(
            sa.select(Learner).join(User).where(User.email == account.email)
        )
        assert learner is not None
        return learner.public_id, account.public_id


def _skills(app: Flask, account: Account) -> dict[str, bool]:
    with app.app_context():
        return {
            label: confirmed
            for label, confirmed in db.session.execute(
                sa.select(Skill.label, LearnerSkill.confirmed)
                .join(Skill)
                .join(Learner)
                .join(User)
                .where(User.email == account.email)
            )
        }


def _readable(response: object) -> str:
    """A response's text; a zip's files, one after another."""
    data: bytes = response.data  # type: ignore[attr-defined]
    if response.mimetype == "application/zip":  # type: ignore[attr-defined]
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return data.decode()


def test_one_learner_never_reaches_anothers_data(
    site: Flask,
    client: PageCheckingClient,
    make_account: Callable[..., Account],
    login_as: Callable[..., Account],
) -> None:
    bob_client: PageCheckingClient = site.test_client()  # type: ignore[assignment]
    bob = login_as("learner", on=bob_client)
    _post(bob_client, "/learner/profile", {"about": ABOUT + " " + BOB_WORDS})
    _post(bob_client, "/learner/skills/add", {"skill": skill_uri(site, FORKLIFT)})
    bob_before = _skills(site, bob)
    assert bob_before[FORKLIFT] and not bob_before[WELLBEING]
    bob_ids = _learner_ids(site, bob)

    ada = login_as("learner")
    secrets = [BOB_WORDS, bob.email, *map(str, bob_ids)]
    for url in OWN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        body = _readable(response)
        assert not [s for s in secrets if s in body], url
    # Ada acting on Bob's skills: they are not in her profile, so there is nothing to act on.
    for action in ("confirm", "remove"):
        for label in (WELLBEING, FORKLIFT):
            response = _post(
                client,
                f"/learner/skills/{action}",
                {"skill": skill_uri(site, label)},
                "/learner/skills",
            )
            assert response.status_code == 404, (action, label)
    assert _skills(site, bob) == bob_before
    assert _skills(site, ada) == {}

    # Every learner route naming an object gets Bob's ids in turn: none of them answers.
    object_routes = [
        r for r in site.url_map.iter_rules() if r.endpoint.startswith("learner.") and r.arguments
    ]
    for rule in object_routes:
        for object_id in bob_ids:
            with site.test_request_context():
                url = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, object_id))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                status = client.open(url, method=method).status_code
                assert status in (400, 403, 404), (rule.rule, method, status)
    # No learner route takes a learner's or an account's id: each acts on the signed-in one.
    assert not [r.rule for r in object_routes if {"learner_id", "user_id"} & set(r.arguments)]


def test_a_learner_reading_their_own_data_is_not_audited_but_exports_are(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("learner")
    for url in OWN_PAGES:
        assert client.get(url).status_code == 200
    with site.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["export", "export"]


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in (
                User.__table__,
                Learner.__table__,
                LearnerSkill.__table__,
                Skill.__table__,
            )
        }


@pytest.mark.parametrize("payload", SQL_PAYLOADS + XSS_PAYLOADS)
def test_payloads_in_the_skill_search_change_nothing(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account], payload: str
) -> None:
    login_as("learner")
    before = _counts(site)
    page = client.get("/learner/skills", query_string={"q": payload})
    assert page.status_code == 200
    text = page_text(page)
    assert f"matching “{' '.join(payload.split())}”" in text
    no_injected_markup(page.get_data(as_text=True), payload)
    # The results fragment is not a page: fetched without the page checks.
    fragment = FlaskClient.open(
        client,
        "/learner/skills/search",
        query_string={"q": payload},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    no_injected_markup(fragment.get_data(as_text=True), payload)
    assert _counts(site) == before


def test_payloads_in_the_about_text_are_stored_as_text_and_shown_escaped(
    site: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    account = login_as("learner")
    for payload in SQL_PAYLOADS + XSS_PAYLOADS:
        # The payload in a sentence that names a skill, so that it is shown as the evidence too.
        about = f"I support people's wellbeing {payload}"
        before = _counts(site)
        saved = _post(client, "/learner/profile", {"about": about, "district": TENDRING})
        assert saved.status_code == 302, payload
        with site.app_context():
            stored = db.session.scalar(
                sa.select(Learner.about).join(User).where(User.email == account.email)
            )
        assert stored == about, payload
        counts = _counts(site)
        assert {k: v for k, v in counts.items() if k != "learner_skill"} == {
            k: v for k, v in before.items() if k != "learner_skill"
        }
        for url in ("/learner", "/learner/profile", "/learner/skills"):
            response = client.get(url)
            assert response.status_code == 200, (payload, url)
            no_injected_markup(response.get_data(as_text=True), (payload, url))
        exported = json.loads(client.get("/learner/your-data/json").data)
        assert exported["tables"]["learner"][0]["about"] == about
    # What the learner typed is shown as they typed it (escaped, not run).
    form = client.get("/learner/profile").get_data(as_text=True)
    assert "I support people&#39;s wellbeing &lt;body onload=alert(1)&gt;</textarea>" in form


@pytest.mark.parametrize(
    ("url", "field", "form_page"),
    [
        ("/learner/profile", "district", "/learner/profile"),
        ("/learner/profile", "level", "/learner/profile"),
        ("/learner/profile", "sectors", "/learner/profile"),
        ("/learner/consent", "visible", "/learner/consent"),
        ("/learner/skills/add", "skill", "/learner/skills"),
        ("/learner/skills/confirm", "skill", "/learner/skills"),
        ("/learner/skills/remove", "skill", "/learner/skills"),
        ("/learner/skills/add", "q", "/learner/skills"),
    ],
)
def test_payloads_in_choice_fields_are_refused_cleanly(
    site: Flask,
    client: PageCheckingClient,
    login_as: Callable[..., Account],
    url: str,
    field: str,
    form_page: str,
) -> None:
    login_as("learner")
    before = _counts(site)
    for payload in SQL_PAYLOADS + XSS_PAYLOADS:
        data: dict[str, object] = {field: payload}
        if field == "q":
            data["skill"] = skill_uri(site, FORKLIFT)
        response = _post(client, url, data, form_page)
        assert response.status_code < 500, payload
        if response.status_code == 302:
            assert response.location.startswith("/learner")
            follow = client.get(response.location)
            no_injected_markup(follow.get_data(as_text=True), payload)
        else:
            no_injected_markup(response.get_data(as_text=True), payload)
    after = _counts(site)
    if field == "q":  # the forklift, added once (later adds find it already there)
        after[LearnerSkill.__tablename__] -= 1
    assert after == before
