"""Journeys through the site in Chromium, with JavaScript and without."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sitetest import PASSWORD

pytestmark = pytest.mark.browser


def _register_learner(page: Page, base: str, name: str, email: str) -> None:
    page.goto(base + "/")
    page.get_by_role("button", name="Create an account").click()  # a start button (a link)
    page.get_by_role("link", name="Register as a learner").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("District where you live (optional)").select_option(label="Chelmsford")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def test_a_learner_registers_signs_out_and_signs_in_again(
    page: Page, live_server: str, artifacts: Path, problems: list[str]
) -> None:
    _register_learner(page, live_server, "Ada Lovelace", "ada@example.com")
    expect(page).to_have_url(f"{live_server}/learner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_text("Your account has been created.")).to_be_visible()
    page.screenshot(path=artifacts / "1-registered.png", full_page=True)

    # JavaScript is on and the CSP let GOV.UK Frontend start: the body says so.
    expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(live_server + "/learner")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/learner$"))

    # GOV.UK Frontend's module ran under the CSP: the password input grew its "Show" button.
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    page.screenshot(path=artifacts / "2-wrong-password.png", full_page=True)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/learner")
    expect(page.get_by_text("Ada Lovelace")).to_be_visible()
    page.screenshot(path=artifacts / "3-signed-in.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Sign in")).to_be_visible()
    assert problems == []


def test_registration_and_sign_in_work_without_javascript(
    no_js_page: Page, live_server: str, artifacts: Path
) -> None:
    page = no_js_page
    _register_learner(page, live_server, "Alan Turing", "alan@example.com")
    expect(page).to_have_url(f"{live_server}/learner")
    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill("alan@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/learner")
    page.screenshot(path=artifacts / "signed-in-without-js.png", full_page=True)


def test_an_employer_registers_by_searching_its_activity_without_javascript(
    no_js_page: Page, live_server: str, artifacts: Path
) -> None:
    page = no_js_page
    page.goto(live_server + "/register/employer")
    page.get_by_label("Search for what your organisation does").fill("residential nursing care")
    page.get_by_role("button", name="Search activities").click()
    expect(page.get_by_text("Priority sector: Care").first).to_be_visible()
    page.screenshot(path=artifacts / "1-activities.png", full_page=True)
    page.get_by_role("radio").first.check()
    page.get_by_label("Organisation name").fill("Oak Care Ltd")
    page.get_by_label("District where your organisation is based").select_option(label="Colchester")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Email address").fill("grace@oak.example")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_server}/employer")
    expect(page.get_by_text("Oak Care Ltd")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Care")
    page.screenshot(path=artifacts / "2-registered.png", full_page=True)


def test_public_course_search_leads_to_a_course(
    page: Page, live_server: str, artifacts: Path, problems: list[str]
) -> None:
    page.goto(live_server + "/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Courses").click()
    page.get_by_label("Course title").fill("care")
    page.get_by_label("Where you want to study").select_option(label="Chelmsford")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 course")).to_be_visible()
    page.screenshot(path=artifacts / "1-results.png", full_page=True)
    page.get_by_role("link", name="Adult care worker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adult care worker")
    expect(page.get_by_text("This page shows demo data")).to_be_visible()
    expect(page.get_by_role("cell", name="support people's wellbeing")).to_be_visible()
    page.screenshot(path=artifacts / "2-course.png", full_page=True)

    page.goto(live_server + "/courses")
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert problems == []


def test_script_injected_through_a_form_is_shown_not_run(
    page: Page, live_server: str, problems: list[str]
) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    _register_learner(page, live_server, payload, "mallory@example.com")
    expect(page).to_have_url(f"{live_server}/learner")
    expect(page.get_by_text(payload)).to_be_visible()  # the text, escaped
    assert not [p for p in problems if p.startswith("dialog")]
