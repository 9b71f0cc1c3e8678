"""A course provider's journey in Chromium: a course, an offering, a skill, an import."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from provider_support import OWN_PROVIDER, csv_file, prepare, provider_account
from sitetest import PASSWORD, make_app, serving

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@pytest.fixture
def provider_site(catalogue_db: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A live server with small readers, and a provider account: (base URL, email)."""
    database = tmp_path / "provider.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database)
    prepare(app)
    account = provider_account(app, OWN_PROVIDER, "staff@college.example")
    with serving(app) as url:
        yield url, account.email


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


def _journey(
    page: Page, base: str, email: str, artifacts: Path, tmp_path: Path, check: bool
) -> None:
    def checkpoint(name: str) -> None:
        if check:
            _axe(page, artifacts, name)
        else:
            page.screenshot(path=artifacts / f"{name}.png", full_page=True)

    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/provider")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your courses")
    expect(page.get_by_role("link", name="Adult care worker")).to_be_visible()
    checkpoint("1-courses")

    # A course: first a mistake, shown in the error summary, then the details.
    page.get_by_role("button", name="Add a course").click()
    page.get_by_role("button", name="Add course").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the course title")
    expect(summary).to_contain_text("Select the level of the course")
    checkpoint("2-course-errors")
    page.get_by_label("Course title").fill("Data analysis with spreadsheets")
    page.get_by_label("Level", exact=True).select_option(label="Level 3 (A level)")
    page.get_by_label("Apprenticeship route (optional)").select_option(label="Digital")
    page.get_by_label("Overview").fill(
        "Learners use spreadsheets software to analyse data and present findings."
    )
    page.get_by_role("button", name="Add course").click()

    # Where and when it runs.
    expect(page.get_by_role("heading", level=1)).to_have_text("Add where and when it runs")
    page.get_by_label("In person").check()
    page.get_by_label("District where it runs").select_option(label="Chelmsford")
    page.get_by_label("Start dates (optional)").fill("7/9/2026\n11/1/2027")
    page.get_by_label("Places on each intake").fill("16")
    page.get_by_role("button", name="Add offering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data analysis with spreadsheets")
    offerings = page.get_by_role("table", name="Your offerings of Data analysis with spreadsheets")
    expect(offerings).to_contain_text("Chelmsford")
    expect(offerings).to_contain_text("7 September 2026")
    expect(offerings).to_contain_text("16")
    checkpoint("3-course")

    # A skill suggested from the course text, confirmed.
    page.get_by_role("button", name="Review skills").click()
    suggestions = page.get_by_role(
        "table", name="Skills suggested from the text of Data analysis with spreadsheets"
    )
    expect(suggestions.get_by_role("row", name="analyse data")).to_contain_text("%")
    page.get_by_role("button", name="Confirm analyse data").click()
    confirmed = page.get_by_text("“analyse data” is confirmed as a skill of this course.")
    expect(confirmed).to_be_visible()
    listed = page.get_by_role("table", name="Skills listed for Data analysis with spreadsheets")
    expect(listed.get_by_role("row", name="analyse data")).to_contain_text("Confirmed")
    checkpoint("4-skills")

    # An import with a bad row: nothing imported, the row's problem shown.
    page.goto(base + "/provider")
    page.get_by_role("button", name="Import courses from a file").click()
    upload = tmp_path / "courses.csv"
    upload.write_bytes(
        csv_file(
            "CARE-201,Introduction to adult social care,2,,40,online,2026-10-05,Care.",
            "BRICK-1,Bricklaying basics,2,Narnia,8,in-person,,",
        )
    )
    page.get_by_label("Upload a file").set_input_files(upload)
    page.get_by_role("button", name="Import courses").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "1 of 2 rows in courses.csv have problems, so nothing was imported"
    )
    problems = page.get_by_role("table", name="Rows with problems")
    expect(problems.get_by_role("row", name="3 district")).to_contain_text(
        "unknown district 'Narnia'"
    )
    checkpoint("5-import-errors")

    # The valid row only, on request; the report names the skipped row.
    page.get_by_label("Upload a file").set_input_files(upload)
    page.get_by_label("Import the valid rows and skip the others").check()
    page.get_by_role("button", name="Import courses").click()
    expect(page.get_by_text("1 offering imported from courses.csv")).to_be_visible()
    skipped = page.get_by_role("table", name="Rows skipped")
    expect(skipped.get_by_role("row", name="3 district")).to_contain_text("Narnia")
    checkpoint("6-import-report")
    page.get_by_role("link", name="See your courses").click()
    expect(page.get_by_role("link", name="Introduction to adult social care")).to_be_visible()
    expect(page.get_by_role("link", name="Bricklaying basics")).to_have_count(0)


def test_a_provider_adds_a_course_confirms_a_skill_and_imports_a_file(
    page: Page,
    provider_site: tuple[str, str],
    artifacts: Path,
    tmp_path: Path,
    problems: list[str],
) -> None:
    base, email = provider_site
    _journey(page, base, email, artifacts, tmp_path, check=True)
    assert problems == []


def test_the_provider_journey_works_without_javascript(
    browser: Browser, provider_site: tuple[str, str], artifacts: Path, tmp_path: Path
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        base, email = provider_site
        _journey(context.new_page(), base, email, artifacts, tmp_path, check=False)
    finally:
        context.close()
