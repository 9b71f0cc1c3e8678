"""Password reset by emailed link, the outbox and SMTP mail, and trusting a reverse proxy."""

from __future__ import annotations

import email
import re
import smtplib
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, Response, request
from sitetest import PASSWORD, Account, PageCheckingClient, create_account, make_app, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, User
from skillsmatch.passwords import verify_password
from skillsmatch.services import mail, password_reset

NEW_PASSWORD = "a brand new passphrase"


def _outbox(app: Flask) -> list[Message]:
    folder = Path(app.config["OUTBOX_DIR"])
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def _link(message: Message) -> str:
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    found = re.search(r"https://skills\.example\.org(/reset-password\?token=\S+)", body)
    assert found, body
    return found.group(1)


def _ask(client: PageCheckingClient, address: str) -> str:
    response = client.submit("/forgot-password", {"email": address})
    assert response.status_code == 200
    return page_text(response)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _password_hash(app: Flask, address: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(User.password_hash).where(User.email == address)) or ""


def _catalogue_copy(catalogue_db: Path, tmp_path: Path) -> Path:
    """A private copy of the catalogue, for a test that needs the site with its own settings."""
    database = tmp_path / "site.sqlite3"
    database.write_bytes(catalogue_db.read_bytes())
    return database


def test_sign_in_offers_a_reset(client: PageCheckingClient) -> None:
    page = client.get("/sign-in")
    assert 'href="/forgot-password"' in page.text


def test_a_reset_link_sets_a_new_password_once_and_signs_out_everywhere(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    elsewhere: PageCheckingClient = web_app.test_client()  # type: ignore[assignment]
    assert elsewhere.sign_in(account.email).status_code == 302

    assert "we have sent it a link" in _ask(client, account.email.upper())
    (message,) = _outbox(web_app)
    assert message["To"] == account.email
    assert message["Subject"] == "Reset your SkillsMatch password"
    link = _link(message)

    # The token moves into the session; the form's own address carries none.
    opened = client.get(link)
    assert opened.status_code == 302 and opened.location == "/reset-password"
    form = client.get("/reset-password")
    assert form.status_code == 200 and "Choose a new password" in page_text(form)
    assert link.partition("token=")[2] not in form.text

    done = client.submit("/reset-password", {"new_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.location == "/sign-in"
    assert "Your password has been reset" in page_text(client.get("/sign-in"))
    assert verify_password(_password_hash(web_app, account.email), NEW_PASSWORD)
    assert elsewhere.get("/learner").status_code == 302  # the other session is over
    assert client.sign_in(account.email, PASSWORD).status_code == 200
    assert client.sign_in(account.email, NEW_PASSWORD).status_code == 302
    client.sign_out()

    # The same link again: refused, and the password stays as it is.
    assert client.get(link).status_code == 302
    again = client.get("/reset-password")
    assert again.status_code == 400 and "already been used" in page_text(again)
    assert verify_password(_password_hash(web_app, account.email), NEW_PASSWORD)

    (asked,) = _events(web_app, "request-password-reset")
    (reset,) = _events(web_app, "reset-password")
    for event in (asked, reset):
        assert (event.actor_id, event.target_id) == (account.public_id, account.public_id)
        assert event.detail == {}


def test_the_link_ignores_a_forged_host_header(catalogue_db: Path, tmp_path: Path) -> None:
    database = _catalogue_copy(catalogue_db, tmp_path)
    # Without CSRF, as the session cookie is not sent to another host name.
    app = make_app(database, WTF_CSRF_ENABLED=False)
    account = create_account(app, "learner")
    forged = app.test_client().post(
        "/forgot-password", data={"email": account.email}, headers={"Host": "attacker.example"}
    )
    assert forged.status_code == 200
    body = _outbox(app)[0].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "attacker.example" not in body and "https://skills.example.org/reset-password?" in body


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("employer")
    known = _ask(client, account.email)
    unknown = _ask(client, "nobody@example.com")
    malformed = _ask(client, "not an address")
    assert known == unknown == malformed
    assert [m["To"] for m in _outbox(web_app)] == [account.email]
    assert len(_events(web_app, "request-password-reset")) == 1


def test_an_empty_address_is_asked_for(client: PageCheckingClient) -> None:
    response = client.submit("/forgot-password", {"email": ""})
    assert response.status_code == 200 and "Enter your email address" in page_text(response)


@pytest.mark.parametrize(
    "token", ["", "nonsense", "a" * 600, "<script>alert(1)</script>", "' OR '1'='1"]
)
def test_a_bad_link_is_refused_clearly(client: PageCheckingClient, token: str) -> None:
    client.get("/reset-password", query_string={"token": token})
    response = client.get("/reset-password")
    assert response.status_code == 400
    assert "This link is not valid" in page_text(response)
    assert "<script>alert" not in response.text
    posted = client.submit(
        "/reset-password", {"new_password": NEW_PASSWORD}, form_page="/forgot-password"
    )
    assert posted.status_code == 400


def test_a_link_expires(
    web_app: Flask, make_account: Callable[..., Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    account = make_account("provider")
    with web_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        assert user is not None
        secret = web_app.config["SECRET_KEY"]
        token = password_reset.make_token(user, secret)
        assert password_reset.user_for_token(db.session, token, secret, 60).id == user.id
        with pytest.raises(password_reset.InvalidResetLink, match="not valid"):
            password_reset.user_for_token(db.session, token, "another secret", 60)
        # An hour and a bit later, by the signer's clock.
        import itsdangerous.timed

        later = itsdangerous.timed.TimestampSigner.get_timestamp(None) + 3700  # type: ignore[arg-type]
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
        with pytest.raises(password_reset.InvalidResetLink, match="expired"):
            password_reset.user_for_token(db.session, token, secret, 3600)


def test_a_new_password_is_checked(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    _ask(client, account.email)
    client.get(_link(_outbox(web_app)[0]))
    for new, message in [
        ("short", "Password must be 8 characters or more"),
        (PASSWORD, "must be different from your current one"),
        ("", "Enter a new password"),
    ]:
        response = client.submit("/reset-password", {"new_password": new})
        assert response.status_code == 200 and message in page_text(response)
    assert verify_password(_password_hash(web_app, account.email), PASSWORD)


def test_reset_requests_are_rate_limited(web_app: Flask, client: PageCheckingClient) -> None:
    statuses = [
        client.submit("/forgot-password", {"email": f"x{i}@example.com"}).status_code
        for i in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_reset_emails_go_through_smtp_when_a_server_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent: list[tuple[str, object]] = []

    class Server:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(("connect", (host, port)))

        def __enter__(self) -> Server:
            return self

        def __exit__(self, *exc: object) -> None:
            sent.append(("quit", None))

        def starttls(self) -> None:
            sent.append(("starttls", None))

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user))

        def send_message(self, message: Message) -> None:
            sent.append(("send", message["To"]))

    monkeypatch.setattr(smtplib, "SMTP", Server)
    config = {
        "MAIL_SERVER": "smtp.example.com",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": "app",
        "MAIL_PASSWORD": "pw",
        "MAIL_FROM": "SkillsMatch <a@b.uk>",
        "OUTBOX_DIR": str(tmp_path),
    }
    mail.send(config, "ada@example.com", "Subject", "Body")
    assert sent == [
        ("connect", ("smtp.example.com", 587)),
        ("starttls", None),
        ("login", "app"),
        ("send", "ada@example.com"),
        ("quit", None),
    ]
    assert not list(tmp_path.iterdir())  # nothing written to the outbox


def test_a_mail_failure_is_reported_without_the_address(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    make_account: Callable[..., Account],
    catalogue_db: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"no")})

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    database = _catalogue_copy(catalogue_db, tmp_path)
    app = make_app(database, MAIL_SERVER="smtp.example.com")
    client: PageCheckingClient = app.test_client()  # type: ignore[assignment]
    response = client.submit("/forgot-password", {"email": "ada@example.com"})
    assert response.status_code == 200  # unknown address: no email attempted
    account = create_account(app, "learner")
    response = client.submit("/forgot-password", {"email": account.email})
    assert "We could not send the email just now" in page_text(response)
    assert account.email not in caplog.text and "SMTPRecipientsRefused" in caplog.text


def test_forwarded_headers_count_only_behind_a_trusted_proxy(
    catalogue_db: Path, tmp_path: Path
) -> None:
    database = _catalogue_copy(catalogue_db, tmp_path)
    forwarded = {
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "skills.example.org",
    }

    def remote_address(app: Flask) -> tuple[str | None, str]:
        seen: dict[str, object] = {}

        @app.after_request
        def capture(response: Response) -> Response:
            seen["addr"], seen["url"] = request.remote_addr, request.url_root
            return response

        app.test_client().get("/", headers=forwarded)
        return seen["addr"], str(seen["url"])  # type: ignore[return-value]

    direct = make_app(database)
    assert remote_address(direct) == ("127.0.0.1", "http://localhost/")
    behind = make_app(database, TRUSTED_PROXIES=1)
    assert remote_address(behind) == ("203.0.113.9", "https://skills.example.org/")
