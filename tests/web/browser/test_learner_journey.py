"""A learner builds their profile in Chromium: with JavaScript, and without it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from learnertest import ABOUT, FORKLIFT, WELLBEING, add_extra_skills, install_linker
from playwright.sync_api import Page, expect
from sitetest import PASSWORD, create_account

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@pytest.fixture
def site(live_app: Flask) -> Flask:
    """The live app with a few more skills and a small skill linker over them."""
    add_extra_skills(live_app)
    install_linker(live_app)
    return live_app


def _check(page: Page, artifacts: Path, name: str) -> None:
    """A screenshot, and axe-core: no serious or critical accessibility violations."""
    page.screenshot(path=artifacts / f"{name}.png", full_page=True)
    violations = Axe().run(page).response["violations"]
    (artifacts / f"{name}-axe.json").write_text(json.dumps(violations, indent=2))
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
        for v in violations
        if v.get("impact") in BLOCKING
    ]
    assert blocking == [], f"{name}: {blocking}"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/learner")


def _write_about(page: Page) -> None:
    page.get_by_role("link", name="Change what you wrote about yourself").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_label("Your experience and interests").fill(ABOUT)
    page.get_by_label("District where you live").select_option(label="Tendring")
    page.get_by_label("Your highest qualification").select_option(value="3")
    page.get_by_label("Care", exact=True).check()


def test_a_learner_builds_a_profile_sets_consent_and_downloads_their_data(
    page: Page, site: Flask, live_server: str, artifacts: Path, problems: list[str]
) -> None:
    base = live_server
    account = create_account(site, "learner")
    _sign_in(page, base, account.email)
    _check(page, artifacts, "1-dashboard")

    _write_about(page)
    _check(page, artifacts, "2-about-you")
    page.get_by_role("button", name="Save and find my skills").click()
    expect(page).to_have_url(base + "/learner/skills")
    expect(page.get_by_text("We found 3 skills in what you wrote")).to_be_visible()
    wellbeing = page.locator("li").filter(has=page.get_by_role("heading", name=WELLBEING))
    expect(wellbeing.get_by_text("Likely")).to_be_visible()
    expect(wellbeing.locator("q")).to_have_text("Every day I would support people's wellbeing.")
    _check(page, artifacts, "3-suggestions")
    page.get_by_role("button", name=f"Confirm “{WELLBEING}”").click()
    expect(page.get_by_text(f"You confirmed “{WELLBEING}”.")).to_be_visible()

    # The search box shows results as the learner types, without sending the form.
    before = page.url
    page.get_by_label("Search for a skill").press_sequentially("forklift", delay=20)
    expect(page.get_by_role("heading", name="1 skill matching “forklift”")).to_be_visible()
    expect(page.locator("#skill-search-status")).to_have_text("1 skill matching “forklift”")
    assert page.url == before
    _check(page, artifacts, "4-search-as-you-type")
    page.get_by_role("button", name=f"Add “{FORKLIFT}”").click()
    expect(page.get_by_text(f"You added “{FORKLIFT}” to your skills.")).to_be_visible()
    confirmed = page.get_by_role("table")
    expect(confirmed.get_by_role("rowheader", name=FORKLIFT)).to_be_visible()
    expect(confirmed.get_by_role("rowheader", name=WELLBEING)).to_be_visible()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your profile").click()
    page.get_by_role("link", name="Choose whether employers can see you").click()
    _check(page, artifacts, "5-consent")
    page.get_by_label("Yes, employers can see my profile").check()
    page.get_by_role("button", name="Save your choice").click()
    expect(page.get_by_text("Employers can now see your profile.")).to_be_visible()
    _check(page, artifacts, "6-dashboard-after")

    page.get_by_role("link", name="Download your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    _check(page, artifacts, "7-your-data")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as JSON").click()
    download = info.value
    assert re.fullmatch(
        r"skillsmatch-your-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename
    )
    saved = artifacts / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text())
    skills = {s["skill"]["label"]: s["confirmed"] for s in data["tables"]["learner_skill"]}
    assert skills[WELLBEING] is True and skills[FORKLIFT] is True
    assert data["tables"]["learner"][0]["visible_to_employers"] is True
    assert data["tables"]["learner"][0]["about"] == ABOUT
    assert problems == []


def test_the_learner_pages_work_without_javascript_through_to_deleting_the_account(
    no_js_page: Page, site: Flask, live_server: str, artifacts: Path
) -> None:
    page, base = no_js_page, live_server
    account = create_account(site, "learner")
    _sign_in(page, base, account.email)
    _write_about(page)
    page.get_by_role("button", name="Save and find my skills").click()
    expect(page.get_by_text("We found 3 skills in what you wrote")).to_be_visible()
    page.get_by_role("button", name=f"Remove “{WELLBEING}”").click()
    expect(page.get_by_text(f"You removed “{WELLBEING}” from your skills.")).to_be_visible()

    page.get_by_label("Search for a skill").fill("forklift")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/learner/skills\?q=forklift#add-a-skill$"))
    page.get_by_role("button", name=f"Add “{FORKLIFT}”").click()
    expect(page.get_by_text("Already in your skills")).to_be_visible()
    page.screenshot(path=artifacts / "1-skills.png", full_page=True)

    page.goto(base + "/learner/consent")
    page.get_by_role("button", name="Save your choice").click()
    expect(
        page.get_by_role("link", name="Select yes if employers can see your profile")
    ).to_be_visible()
    page.get_by_label("No, keep my profile hidden from employers").check()
    page.get_by_role("button", name="Save your choice").click()
    expect(page.get_by_text("Employers can no longer see your profile.")).to_be_visible()

    page.get_by_role("link", name="Delete your account").click()
    page.get_by_label("Enter your password to confirm").fill(PASSWORD)
    page.screenshot(path=artifacts / "2-delete.png", full_page=True)
    page.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(base + "/")
    expect(page.get_by_text("Your account and all your data have been deleted.")).to_be_visible()
    page.goto(base + "/learner")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/learner$"))
