"""Registration, sign-in, sign-out, password changes, session revocation and timeouts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from sitetest import (
    CHELMSFORD,
    PASSWORD,
    Account,
    PageCheckingClient,
    activity_id,
    page_text,
)

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Employer, Learner, User
from skillsmatch.passwords import verify_password

NEW_PASSWORD = "a different long passphrase"


def _user(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def _learner_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password": PASSWORD,
        "district": CHELMSFORD,
        **overrides,
    }


def test_a_learner_registers_and_is_signed_in(web_app: Flask, client: PageCheckingClient) -> None:
    response = client.submit("/register/learner", _learner_form(email=" Ada@Example.COM "))
    assert response.status_code == 302 and response.location == "/learner"
    page = client.get("/learner")
    assert "Your account has been created." in page_text(page)
    assert "Chelmsford" in page_text(page)
    user = _user(web_app, "ada@example.com")  # the address is stored normalised
    assert user.role == "learner" and user.display_name == "Ada Lovelace"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with web_app.app_context():
        assert db.session.scalar(sa.select(Learner).where(Learner.user_id == user.id))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter your name"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "ada@"}, "Enter an email address in the correct format"),
        ({"password": ""}, "Enter a password"),
        ({"password": "short"}, "Password must be 8 characters or more"),
        ({"password": "x" * 129}, "Password must be 128 characters or fewer"),
        ({"password": "ada@example.com"}, "Password must not be your email address"),
        ({"district": "E99999999"}, "Select a district from the list"),
        ({"name": "x" * 121}, "Your name must be 120 characters or fewer"),
    ],
)
def test_learner_registration_explains_what_is_wrong(
    web_app: Flask, client: PageCheckingClient, overrides: dict[str, str], message: str
) -> None:
    response = client.submit("/register/learner", _learner_form(**overrides))
    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text and message in text
    assert "<title>Error: " in response.text
    assert PASSWORD not in response.text  # passwords are never sent back
    with web_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_email_address_registers_only_once(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    make_account("learner", "taken@example.com")
    response = client.submit("/register/learner", _learner_form(email="taken@example.com"))
    assert "An account with this email address already exists" in page_text(response)


def test_an_employer_finds_its_sector_by_searching_activities(
    web_app: Flask, client: PageCheckingClient
) -> None:
    search = client.get("/register/employer?q=residential+nursing+care")
    assert search.status_code == 200
    assert "Priority sector: Care" in page_text(search)
    assert 'type="radio"' in search.text
    chosen = activity_id(web_app, "residential nursing care")
    response = client.submit(
        "/register/employer",
        {
            "q": "residential nursing care",
            "activity": str(chosen),
            "organisation": "Oak Care Ltd",
            "district": CHELMSFORD,
            "name": "Grace Hopper",
            "email": "grace@oak.example",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302 and response.location == "/employer"
    assert "Oak Care Ltd" in page_text(client.get("/employer"))
    with web_app.app_context():
        employer = db.session.scalar(sa.select(Employer).where(Employer.name == "Oak Care Ltd"))
        assert employer is not None and employer.sector is not None
        assert employer.sector.slug == "care" and employer.sic2007.startswith("87")
        user = db.session.scalar(sa.select(User).where(User.email == "grace@oak.example"))
        assert user is not None and user.role == "employer" and user.employer_id == employer.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"activity": ""}, "Search for and select what your organisation does"),
        ({"activity": "999999999"}, "Select an activity from the search results"),
        ({"activity": "not-an-id"}, "Select an activity from the search results"),
        ({"district": ""}, "Select the district where you are based"),
        ({"organisation": "Demo Care Homes Ltd"}, "An organisation with this name is already"),
    ],
)
def test_employer_registration_explains_what_is_wrong(
    web_app: Flask, client: PageCheckingClient, overrides: dict[str, str], message: str
) -> None:
    form = {
        "q": "care home",
        "activity": str(activity_id(web_app, "care home")),
        "organisation": "Elm Care",
        "district": CHELMSFORD,
        "name": "Grace",
        "email": "grace@elm.example",
        "password": PASSWORD,
        **overrides,
    }
    response = client.submit("/register/employer", form)
    assert response.status_code == 200
    assert message in page_text(response)
    with web_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Employer).where(Employer.name == "Elm Care")
            )
            == 0
        )


def test_activity_search_without_matches_says_so(client: PageCheckingClient) -> None:
    text = page_text(client.get("/register/employer?q=zzzzqqq"))
    assert "No activities match “zzzzqqq”" in text


def test_sign_in_lands_on_the_role_page(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    for role in ("learner", "employer", "provider", "board"):
        account = make_account(role)
        response = client.sign_in(account.email.upper())  # addresses are not case-sensitive
        assert response.status_code == 302 and response.location == f"/{role}"
        # Signed in, the sign-in and registration pages send people to their own page.
        assert client.get("/sign-in").location == f"/{role}"
        assert client.get("/register").location == f"/{role}"
        client.sign_out()


def test_wrong_credentials_get_one_message_and_no_session(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    for email, password in ((account.email, "wrong password"), ("nobody@example.com", PASSWORD)):
        response = client.sign_in(email, password)
        assert response.status_code == 200
        assert "Enter a correct email address and password" in page_text(response)
        assert client.get("/learner").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_only_on_this_site(
    client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    asked = client.get("/learner")
    assert asked.status_code == 302 and asked.location == "/sign-in?next=/learner"
    account = make_account("learner")
    token = client.csrf_token("/sign-in?next=/learner")
    response = client.post(
        "/sign-in?next=/learner",
        data={"email": account.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.location == "/learner"
    client.sign_out()
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        token = client.csrf_token("/sign-in")
        response = client.post(
            "/sign-in",
            query_string={"next": evil},
            data={"email": account.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.location == "/learner", evil
        client.sign_out()


def test_sign_out_revokes_the_session_on_the_server(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("learner")
    stolen = client.get_cookie("__Host-session")
    assert stolen is not None
    replay = web_app.test_client()
    replay.set_cookie(stolen.key, stolen.value, secure=True, httponly=True)
    assert replay.get("/learner").status_code == 200  # a copied cookie works until sign-out
    response = client.sign_out()
    assert response.status_code == 302
    assert "You have signed out." in page_text(client.get("/"))
    # Replaying the old cookie, as someone who copied it would, no longer works.
    replay = web_app.test_client()
    replay.set_cookie(stolen.key, stolen.value, secure=True, httponly=True)
    assert replay.get("/learner").status_code == 302


def test_a_password_change_signs_out_every_other_session(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    account = login_as("learner")
    elsewhere: PageCheckingClient = web_app.test_client()  # type: ignore[assignment]
    assert elsewhere.sign_in(account.email).status_code == 302
    assert elsewhere.get("/learner").status_code == 200

    response = client.submit(
        "/account/change-password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/learner").status_code == 200  # this session carries on
    assert elsewhere.get("/learner").status_code == 302  # the other one is over

    user = _user(web_app, account.email)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    with web_app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "change-password")
        )
        assert event is not None
        assert (event.actor_id, event.target_id, event.actor_role) == (
            account.public_id,
            account.public_id,
            "learner",
        )
        assert event.request_id and event.detail == {}
    client.sign_out()
    assert client.sign_in(account.email, PASSWORD).status_code == 200
    assert client.sign_in(account.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"current_password": "wrong", "new_password": NEW_PASSWORD},
            "Your current password is not correct",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short"},
            "Password must be 8 characters or more",
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD},
            "Your new password must be different",
        ),
        ({"current_password": "", "new_password": ""}, "Enter your current password"),
    ],
)
def test_a_password_change_explains_what_is_wrong(
    web_app: Flask,
    client: PageCheckingClient,
    login_as: Callable[..., Account],
    form: dict[str, str],
    message: str,
) -> None:
    account = login_as("employer")
    response = client.submit("/account/change-password", form)
    assert response.status_code == 200 and message in page_text(response)
    assert verify_password(_user(web_app, account.email).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("key", "age"),
    [("seen_at", 30 * 60 + 61), ("signed_in_at", 12 * 60 * 60 + 1)],
    ids=["idle for 30 minutes", "older than 12 hours"],
)
def test_sessions_time_out(
    client: PageCheckingClient, login_as: Callable[..., Account], key: str, age: int
) -> None:
    login_as("learner")
    with client.session_transaction() as session:
        session[key] = int(time.time()) - age
    response = client.get("/learner")
    assert response.status_code == 302 and response.location.startswith("/sign-in")
    assert "You were signed out to keep your information safe" in page_text(client.get("/"))
    assert client.get("/learner").status_code == 302  # and it stays over


def test_an_active_session_stays_signed_in(
    client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("learner")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert client.get("/learner").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5  # activity moves the idle clock on


def test_an_outdated_password_hash_is_upgraded_at_sign_in(
    web_app: Flask, client: PageCheckingClient, make_account: Callable[..., Account]
) -> None:
    account = make_account("learner")
    old = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)
    with web_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        assert user is not None
        user.password_hash = old.hash(PASSWORD)
        db.session.commit()
    assert client.sign_in(account.email).status_code == 302
    upgraded = _user(web_app, account.email).password_hash
    assert "t=2" not in upgraded and verify_password(upgraded, PASSWORD)


def test_sign_in_logs_carry_no_personal_data(
    client: PageCheckingClient,
    make_account: Callable[..., Account],
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = make_account("learner")
    with caplog.at_level(logging.INFO):
        client.sign_in(account.email, "wrong password")
        client.sign_in(account.email)
        client.sign_out()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sign-in failed" in logged and f"user={account.public_id}" in logged
    assert account.email not in logged and "wrong password" not in logged
    assert PASSWORD not in logged
