"""Headers, cookies, CSRF, rate limits, error pages, access decorators and the audit helper."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from sitetest import PASSWORD, Account, PageCheckingClient, course_id, make_app, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, User
from skillsmatch.services import audit
from web.auth.permissions import public, role_required, safe_next

REQUIRED_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP_PARTS = (
    "default-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "style-src 'self'",
)


def _get_urls(app: Flask) -> list[str]:
    return [
        "/",
        "/sectors",
        "/courses",
        f"/courses/{course_id(app, 'Adult care worker')}",
        "/sign-in",
        "/register",
        "/register/learner",
        "/register/employer",
        "/data-sources",
        "/privacy",
        "/no-such-page",
    ]


def _check_headers(response: object, url: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in REQUIRED_HEADERS.items():
        assert headers.get(name) == value, (url, name)
    csp = headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp, (url, part)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert "'nonce-" in csp
    assert headers["Cache-Control"] == "no-store", url
    assert headers.get("Permissions-Policy")


def test_every_page_sends_the_security_headers(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    checked = 0
    for url in _get_urls(web_app):
        _check_headers(client.get(url), url)
        checked += 1
    for role in ("learner", "employer", "provider", "board"):
        login_as(role)
        for url in (f"/{role}", "/account/change-password", "/"):
            _check_headers(client.get(url), url)
            checked += 1
        client.sign_out()
    assert checked == 23


def test_each_response_gets_its_own_nonce(client: PageCheckingClient) -> None:
    nonces = {client.get("/").headers["Content-Security-Policy"] for _ in range(3)}
    assert len(nonces) == 3


def test_static_files_are_cacheable_and_carry_headers(client: PageCheckingClient) -> None:
    response = client.get("/static/js/app.mjs")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_the_session_cookie_is_host_only_secure_httponly_lax(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    response = client.sign_in(account.email)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")]
    assert len(cookies) == 1
    attributes = {part.strip().split("=")[0].lower() for part in cookies[0].split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite", "expires"} <= attributes
    assert "domain" not in attributes  # __Host- cookies must not name a domain
    assert "SameSite=Lax" in cookies[0] and "Path=/;" in cookies[0] + ";"


def _state_changing_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            values = {name: uuid.uuid4() for name in rule.arguments}
            with app.test_request_context():
                from flask import url_for

                routes.append((method, url_for(rule.endpoint, **values)))
    return routes


def test_every_state_changing_route_needs_a_csrf_token(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    routes = _state_changing_routes(web_app)
    assert len(routes) >= 5
    for who in ("anonymous", "learner"):
        if who != "anonymous":
            login_as(who)
        for method, url in routes:
            for data in ({}, {"csrf_token": "forged"}):
                response = client.open(url, method=method, data=data)
                assert response.status_code == 400, (who, method, url, data)
                assert "Sorry, this form has expired" in page_text(response)
    # The session survived: nothing was changed by the refused requests.
    assert client.get("/learner").status_code == 200


def test_a_token_from_another_session_is_refused(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    other: PageCheckingClient = web_app.test_client()  # type: ignore[assignment]
    token = other.csrf_token("/sign-in")
    account = make_account("learner")
    response = client.post(
        "/sign-in", data={"email": account.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400


def test_the_sixth_failed_sign_in_in_a_minute_is_refused(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    for _ in range(4):
        assert client.sign_in(account.email, "wrong password").status_code == 200
    # A successful sign-in does not count against the limit...
    assert client.sign_in(account.email).status_code == 302
    client.sign_out()
    assert client.sign_in(account.email, "wrong password").status_code == 200  # 5th failure
    refused = client.sign_in(account.email, "wrong password")
    assert refused.status_code == 429
    assert "Too many attempts" in page_text(refused)
    assert int(refused.headers["Retry-After"]) > 0
    # ...and once limited, even the right password waits.
    assert client.sign_in(account.email).status_code == 429


def test_registration_is_rate_limited(client: PageCheckingClient) -> None:
    statuses = [
        client.submit("/register/learner", {"name": "", "email": "", "password": ""}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_redis_rate_limit_storage(
    catalogue_db: Path, tmp_path: Path, make_account: Callable[..., Account]
) -> None:
    """Production counts attempts in Redis, shared by every worker."""
    url = "redis://127.0.0.1:6379"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI: {exc}")
        pytest.skip(f"no Redis at {url}")
    database = tmp_path / "redis.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database, RATELIMIT_STORAGE_URI=url)
    # A client address of its own, so that the counters belong to this test alone.
    address = f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    store = redis.Redis.from_url(url)
    try:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        statuses = [client.sign_in("nobody@example.com", "wrong").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        # The count lives in Redis: clearing it there lets the client try again.
        keys = list(store.scan_iter(f"LIMITS:*/{address}/*"))
        assert keys
        store.delete(*keys)
        assert client.sign_in("nobody@example.com", "wrong").status_code == 200
    finally:
        for key in store.scan_iter(f"LIMITS:*/{address}/*"):
            store.delete(key)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    ("method", "url", "status", "heading"),
    [
        ("GET", "/no-such-page", 404, "Page not found"),
        ("GET", "/sign-out", 405, "Sorry, that action is not allowed here"),
        ("DELETE", "/courses", 405, "Sorry, that action is not allowed here"),
    ],
)
def test_error_pages_are_generic(
    client: PageCheckingClient, method: str, url: str, status: int, heading: str
) -> None:
    response = client.open(url, method=method)
    assert response.status_code == status
    assert heading in page_text(response)
    if status == 405:
        assert "Allow" in response.headers


def test_a_wrong_role_gets_the_forbidden_page(
    client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("learner")
    response = client.get("/board")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in page_text(response)


def test_a_server_error_shows_no_trace(catalogue_db: Path, tmp_path: Path) -> None:
    database = tmp_path / "boom.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database, PROPAGATE_EXCEPTIONS=False)

    @public
    def boom() -> str:
        raise RuntimeError("secret detail of the failure")

    app.add_url_rule("/boom", "boom", boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = page_text(response)
    assert "Sorry, there is a problem with the service" in text
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert response.headers["Content-Security-Policy"]


def test_access_decorators_refuse_misuse() -> None:
    def view() -> str:
        return ""

    with pytest.raises(TypeError, match="exactly one"):
        role_required("learner")(public(view))
    with pytest.raises(ValueError, match="unknown roles"):
        role_required("admin")
    with pytest.raises(ValueError, match="at least one"):
        role_required()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/learner", "/learner"),
        ("/courses?q=care", "/courses?q=care"),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("learner", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next_allows_only_paths_on_this_site(target: str | None, expected: str | None) -> None:
    assert safe_next(target) == expected


def test_the_audit_helper_records_identifiers_only(
    web_app: Flask, make_account: Callable[..., Account]
) -> None:
    account = make_account("board")
    target = uuid.uuid4()
    with web_app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == account.email))
        audit.record(
            db.session,
            actor=actor,
            action="export",
            target_type="learner",
            target_id=target,
            request_id="r1",
            detail={"format": "csv", "rows": 3},
        )
        audit.record(
            db.session, actor=None, action="delete", target_type="learner", target_id=target
        )
        db.session.commit()
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.actor_role, e.action, e.target_id) for e in events] == [
            ("board", "export", target),
            ("system", "delete", target),
        ]
        assert events[0].actor_id == account.public_id
        assert events[0].detail == {"format": "csv", "rows": 3}
        for bad in (
            {"action": "Read Record"},
            {"target_type": "learner record"},
            {"detail": {"email": "x@example.com"}},
            {"detail": {"note": "free text typed by someone"}},
            {"detail": {"fields": ["name"]}},
        ):
            kwargs = {
                "actor": actor,
                "action": "read",
                "target_type": "learner",
                "target_id": target,
                **bad,
            }
            with pytest.raises(ValueError):
                audit.record(db.session, **kwargs)  # type: ignore[arg-type]
