"""An employer's journey in Chromium: sign in, post a skill need with a suggested skill confirmed,
open its supply view; post a vacancy whose advert loses its contact details. With JavaScript
(and axe on each page) and without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from employertest import CONSENTING, HIDDEN, ROLE, add_learners, prepare
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sitetest import PASSWORD, Account, create_account

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
ADVERT = (
    "Join our friendly team. You will support people's wellbeing every day.\n"
    "For an informal chat call Jane Smith on 01245 513714."
)


@pytest.fixture
def employer_site(live_app: Flask) -> Account:
    """Small linker and pathway index, learners with and without consent, an employer."""
    prepare(live_app)
    add_learners(live_app)
    return create_account(live_app, "employer", "hr@oak.example")


def _axe(page: Page, artifacts: Path, name: str) -> None:
    """No serious or critical accessibility violations; the report and a screenshot saved."""
    violations = Axe().run(page).response["violations"]
    (artifacts / f"{name}-axe.json").write_text(json.dumps(violations, indent=2))
    page.screenshot(path=artifacts / f"{name}.png", full_page=True)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
        for v in violations
        if v.get("impact") in BLOCKING
    ]
    assert blocking == [], f"{name}: {blocking}"


def _journey(page: Page, base: str, email: str, artifacts: Path, check: bool) -> None:
    def checkpoint(name: str) -> None:
        if check:
            _axe(page, artifacts, name)
        else:
            page.screenshot(path=artifacts / f"{name}.png", full_page=True)

    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/employer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation")
    checkpoint("1-organisation")

    # A skill need: first a mistake, shown in the error summary.
    page.get_by_role("button", name="Post a skill need").click()
    page.get_by_role("button", name="Post skill need").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the job title or role")
    expect(summary).to_contain_text("Choose at least one skill the role needs")
    checkpoint("2-need-errors")

    # The details, then skills suggested from a description of the role.
    page.get_by_label("Job title or role").fill("Care assistant")
    page.get_by_label("How many people you need").fill("4")
    page.get_by_label("Within how many months").fill("6")
    page.get_by_label("District where they will work").select_option(label="Chelmsford")
    page.get_by_label("Describe the role").fill(ROLE)
    page.get_by_role("button", name="Suggest skills from the description").click()
    wellbeing = page.get_by_role("group", name="support people's wellbeing")
    expect(wellbeing).to_contain_text("Suggested from the text (likely")
    expect(wellbeing.get_by_label("Not needed")).to_be_checked()
    # The details typed so far are kept.
    expect(page.get_by_label("Job title or role")).to_have_value("Care assistant")
    wellbeing.get_by_label("Essential").check()
    page.get_by_role("group", name="maintain records").get_by_label("Optional").check()
    checkpoint("3-need-suggestions")
    page.get_by_role("button", name="Post skill need").click()

    # Its supply view: the course in reach, its coverage, the pipeline.
    expect(page.get_by_role("heading", level=1)).to_have_text("Care assistant")
    expect(page.get_by_text("Your skill need “Care assistant” has been posted.")).to_be_visible()
    courses = page.get_by_role("table", name="Courses in reach supplying Care assistant")
    course = courses.get_by_role("row").filter(has_text="Adult care worker")
    expect(course).to_contain_text("100%")
    expect(course).to_contain_text("Demo Chelmsford College")
    named = page.get_by_role("table", name="Learners who agreed to be seen by employers")
    expect(named).to_contain_text(CONSENTING)
    expect(page.get_by_text(HIDDEN)).to_have_count(0)
    checkpoint("4-need-supply")

    # From the organisation's page to the same supply view.
    page.get_by_role("link", name="Back to your organisation").click()
    needs = page.get_by_role("table", name="Your skill needs")
    expect(needs).to_contain_text("1 essential, 1 optional")
    needs.get_by_role("link", name="Care assistant").click()
    expect(page.get_by_role("heading", name="Learner pipeline")).to_be_visible()

    # A vacancy from a pasted advert: contact details removed, and the employer told so.
    page.get_by_role("link", name="Back to your organisation").click()
    page.get_by_role("button", name="Post a vacancy").click()
    page.get_by_label("Job title").fill("Senior carer")
    page.get_by_label("District where the job is based").select_option(label="Chelmsford")
    page.get_by_label("Text of the advert").fill(ADVERT)
    page.get_by_role("button", name="Suggest skills from the advert").click()
    expect(page.get_by_text("Contact details were removed from the advert")).to_be_visible()
    expect(page.get_by_label("Text of the advert")).not_to_contain_text("01245")
    page.get_by_role("group", name="support people's wellbeing").get_by_label("Essential").check()
    checkpoint("5-vacancy-suggestions")
    page.get_by_role("button", name="Post vacancy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Senior carer")
    # The employer was told when the details were removed; the advert says where they were.
    advert = page.locator(".govuk-inset-text").filter(has_text="Join our friendly team")
    expect(advert).to_contain_text("[Contact details removed]")
    expect(advert).not_to_contain_text("01245")
    expect(
        page.get_by_role("table", name="Courses in reach supplying Senior carer")
    ).to_contain_text("Adult care worker")
    checkpoint("6-vacancy-supply")


def test_an_employer_posts_a_need_and_sees_what_supplies_it(
    page: Page, live_server: str, employer_site: Account, artifacts: Path, problems: list[str]
) -> None:
    _journey(page, live_server, employer_site.email, artifacts, check=True)
    assert problems == []


def test_the_employer_journey_works_without_javascript(
    browser: Browser, live_server: str, employer_site: Account, artifacts: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        _journey(context.new_page(), live_server, employer_site.email, artifacts, check=False)
    finally:
        context.close()
