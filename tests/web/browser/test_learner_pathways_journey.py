"""A learner with skills finds a pathway, sees why it matches and saves it, in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from pathwaytest import (
    CARE_COURSE,
    CARE_WORKER,
    HOIST,
    MEDICATION,
    RECORDS,
    WELLBEING,
    PathwayWorld,
    build_pathway_world,
    install_index,
    set_profile,
)
from playwright.sync_api import Page, expect
from sitetest import PASSWORD, Account, create_account

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
PATHWAY = f"{CARE_COURSE} to {CARE_WORKER}"


@pytest.fixture
def world(live_app: Flask) -> PathwayWorld:
    found = build_pathway_world(live_app)
    install_index(live_app)
    return found


@pytest.fixture
def learner(live_app: Flask, world: PathwayWorld) -> Account:
    account = create_account(live_app, "learner")
    set_profile(live_app, account, skills=(WELLBEING, HOIST))
    return account


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


def _open_pathway(page: Page, base: str) -> None:
    page.get_by_role("link", name="See pathways recommended for you").click()
    expect(page).to_have_url(base + "/learner/pathways")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pathways for you")
    card = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name=PATHWAY, exact=True)
    )
    expect(
        card.get_by_text("Good match:")
        .or_(card.get_by_text("Fair match:"))
        .or_(card.get_by_text("Strong match:"))
        .or_(card.get_by_text("Weak match:"))
    ).to_be_visible()
    card.get_by_role("link", name=f"See why it matches ({PATHWAY})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PATHWAY)


def test_a_learner_opens_a_pathway_saves_it_and_finds_it_on_the_dashboard(
    page: Page, live_server: str, learner: Account, artifacts: Path, problems: list[str]
) -> None:
    base = live_server
    _sign_in(page, base, learner.email)
    _check(page, artifacts, "1-dashboard-before")
    expect(page.get_by_text("You have not saved any pathways yet")).to_be_visible()

    page.get_by_role("link", name="See pathways recommended for you").click()
    expect(page.get_by_role("heading", name="Courses that lead to jobs")).to_be_visible()
    expect(page.get_by_role("heading", name="Jobs you could apply for now")).to_be_visible()
    _check(page, artifacts, "2-pathways")
    page.go_back()

    _open_pathway(page, base)
    expect(page.locator("#skills-have")).to_contain_text(WELLBEING)
    expect(page.locator("#skills-adds")).to_contain_text(RECORDS)
    expect(page.locator("#skills-missing li").first).to_contain_text(f"{MEDICATION} (essential)")
    expect(page.get_by_role("table", name="Parts of the match score")).to_be_visible()
    page.get_by_text("Read the whole explanation").click()
    expect(page.locator(".govuk-details__text")).to_contain_text("You already have 1 of the 5")
    _check(page, artifacts, "3-pathway")

    page.get_by_role("button", name="Save this pathway").click()
    expect(page.get_by_text("You saved this pathway.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove from saved pathways")).to_be_visible()
    _check(page, artifacts, "4-pathway-saved")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your profile").click()
    saved = page.locator("#your-pathways")
    expect(saved.get_by_role("link", name=PATHWAY)).to_be_visible()
    _check(page, artifacts, "5-dashboard-saved")

    saved.get_by_role("button", name=f"Remove {PATHWAY}").click()
    expect(page.get_by_text("You removed the pathway from your saved pathways.")).to_be_visible()
    expect(page.get_by_text("You have not saved any pathways yet")).to_be_visible()
    assert problems == []


def test_saving_a_pathway_works_without_javascript(
    no_js_page: Page, live_server: str, learner: Account, artifacts: Path
) -> None:
    page, base = no_js_page, live_server
    _sign_in(page, base, learner.email)
    _open_pathway(page, base)
    page.get_by_role("button", name="Save this pathway").click()
    expect(page.get_by_text("You saved this pathway.")).to_be_visible()
    page.goto(base + "/learner")
    expect(page.locator("#your-pathways").get_by_role("link", name=PATHWAY)).to_be_visible()
    page.screenshot(path=artifacts / "no-js-dashboard-saved.png", full_page=True)
