"""Meta-tests over ``app.url_map``: access rules, typed parameters, paths, authorisation matrix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sitetest import (
    Account,
    PageCheckingClient,
    course_id,
    create_account,
    endpoint_url,
    make_app,
    site_rules,
)
from werkzeug.routing.converters import UUIDConverter

from web.auth.permissions import access_rule

ROLES = ("learner", "employer", "provider", "board")
EVERYONE = frozenset({"anonymous", *ROLES})
SIGNED_IN = frozenset(ROLES)
# Who may get a successful (2xx) answer from each endpoint: the declared policy. A new
# endpoint fails test_the_matrix_covers_every_endpoint until it is added here.
POLICY: dict[str, frozenset[str]] = {
    "public.home": EVERYONE,
    "public.sectors": EVERYONE,
    "public.courses": EVERYONE,
    "public.course": EVERYONE,
    "public.data_sources": EVERYONE,
    "public.privacy": EVERYONE,
    "auth.sign_in": EVERYONE,
    "auth.register": EVERYONE,
    "auth.register_learner": EVERYONE,
    "auth.register_employer": EVERYONE,
    "auth.sign_out": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.forgot_password": EVERYONE,
    "auth.reset_password": EVERYONE,
    "learner.dashboard": frozenset({"learner"}),
    "learner.profile": frozenset({"learner"}),
    "learner.skills": frozenset({"learner"}),
    "learner.skill_search": frozenset({"learner"}),
    "learner.confirm_skill": frozenset({"learner"}),
    "learner.remove_skill": frozenset({"learner"}),
    "learner.add_skill": frozenset({"learner"}),
    "learner.consent": frozenset({"learner"}),
    "learner.your_data": frozenset({"learner"}),
    "learner.export_json": frozenset({"learner"}),
    "learner.export_csv": frozenset({"learner"}),
    "learner.delete_account": frozenset({"learner"}),
    "learner.pathways": frozenset({"learner"}),
    "learner.pathway": frozenset({"learner"}),
    "learner.save_pathway": frozenset({"learner"}),
    "learner.remove_saved_pathway": frozenset({"learner"}),
    "employer.dashboard": frozenset({"employer"}),
    "employer.new_need": frozenset({"employer"}),
    "employer.need": frozenset({"employer"}),
    "employer.edit_need": frozenset({"employer"}),
    "employer.delete_need": frozenset({"employer"}),
    "employer.new_vacancy": frozenset({"employer"}),
    "employer.vacancy": frozenset({"employer"}),
    "employer.edit_vacancy": frozenset({"employer"}),
    "employer.delete_vacancy": frozenset({"employer"}),
    "provider.dashboard": frozenset({"provider"}),
    "provider.new_course": frozenset({"provider"}),
    "provider.course": frozenset({"provider"}),
    "provider.edit_course": frozenset({"provider"}),
    "provider.standards": frozenset({"provider"}),
    "provider.new_offering": frozenset({"provider"}),
    "provider.edit_offering": frozenset({"provider"}),
    "provider.delete_offering": frozenset({"provider"}),
    "provider.course_skills": frozenset({"provider"}),
    "provider.import_courses": frozenset({"provider"}),
    "provider.import_template": frozenset({"provider"}),
    "board.dashboard": frozenset({"board"}),
    "board.live_report": frozenset({"board"}),
    "board.snapshot": frozenset({"board"}),
    "board.sector": frozenset({"board"}),
    "board.district": frozenset({"board"}),
    "board.skill": frozenset({"board"}),
    "board.cell": frozenset({"board"}),
    "board.gap": frozenset({"board"}),
    "board.snapshots": frozenset({"board"}),
    "board.build_snapshot": frozenset({"board"}),
    "board.changes": frozenset({"board"}),
    "board.export_snapshot": frozenset({"board"}),
    "board.export_live_report": frozenset({"board"}),
    "board.export_snapshot_pdf": frozenset({"board"}),
    "board.export_live_report_pdf": frozenset({"board"}),
    "board.methodology": frozenset({"board"}),
    "board.audit_log": frozenset({"board"}),
    "board.data": frozenset({"board"}),
    "board.import_vacancies": frozenset({"board"}),
    "board.import_vacancies_template": frozenset({"board"}),
}


def test_every_endpoint_has_exactly_one_access_rule(web_app: Flask) -> None:
    missing = [
        r.endpoint
        for r in site_rules(web_app)
        if access_rule(web_app.view_functions[r.endpoint]) is None
    ]
    assert missing == []


def test_url_parameters_are_typed_and_objects_are_named_by_uuid(web_app: Flask) -> None:
    for rule in site_rules(web_app):
        for name, converter in rule._converters.items():
            assert isinstance(converter, UUIDConverter), f"{rule.rule}: <{name}> is not a uuid"
            assert name.endswith("_id"), f"{rule.rule}: <{name}> should name the object's id"


def test_paths_are_kebab_case(web_app: Flask) -> None:
    for rule in site_rules(web_app):
        literal = re.sub(r"<[^>]+>", "", rule.rule)
        for segment in literal.strip("/").split("/"):
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*|", segment), rule.rule


def test_the_matrix_covers_every_endpoint(web_app: Flask) -> None:
    assert {r.endpoint for r in site_rules(web_app)} == set(POLICY)


def test_the_policy_agrees_with_the_decorators(web_app: Flask) -> None:
    for endpoint, allowed in POLICY.items():
        rule = access_rule(web_app.view_functions[endpoint])
        assert rule is not None
        declared = {w for w in EVERYONE if rule.allows(None if w == "anonymous" else w)}
        assert declared == allowed


@pytest.fixture
def matrix_app(catalogue_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """The site with CSRF checks off, so that every POST reaches its role check."""
    import shutil

    database = tmp_path / "matrix.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    yield app


def test_authorisation_matrix_has_no_unexpected_success(matrix_app: Flask) -> None:
    """Every endpoint x {anonymous, learner, employer, provider, board} x method."""
    real_course = course_id(matrix_app, "Adult care worker")

    def client_for(who: str) -> PageCheckingClient:
        # A fresh sign-in each time: sign-out and password changes end sessions.
        client: PageCheckingClient = matrix_app.test_client()  # type: ignore[assignment]
        if who != "anonymous":
            account: Account = create_account(matrix_app, who)
            assert client.sign_in(account.email).status_code == 302
        return client

    checked, unexpected, refused_allowed = 0, [], []
    for rule in sorted(site_rules(matrix_app), key=lambda r: r.rule):
        url = endpoint_url(matrix_app, rule, dict.fromkeys(rule.arguments, real_course))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for who in sorted(EVERYONE):
                client = client_for(who)
                response = client.open(url, method=method)
                checked += 1
                allowed = who in POLICY[rule.endpoint]
                if 200 <= response.status_code < 300 and not allowed:
                    unexpected.append((rule.endpoint, method, who, response.status_code))
                if allowed and response.status_code in (401, 403):
                    refused_allowed.append((rule.endpoint, method, who))
                if not allowed:
                    # Anonymous people are sent to sign in; signed-in ones are refused.
                    if who == "anonymous":
                        assert response.status_code == 302, (rule.endpoint, method)
                        assert response.location.startswith("/sign-in")
                    else:
                        assert response.status_code == 403, (rule.endpoint, method, who)
    assert unexpected == [], "unexpected 2xx answers"
    assert refused_allowed == []
    assert checked >= len(POLICY) * len(EVERYONE)


def test_a_view_without_an_access_rule_is_refused(catalogue_db: Path, tmp_path: Path) -> None:
    import shutil

    database = tmp_path / "bare.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    response = app.test_client().get("/forgotten")
    assert response.status_code == 403 and b"secret" not in response.data
