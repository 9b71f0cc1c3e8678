"""axe-core on the key pages: no serious or critical accessibility violations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from sitetest import CHELMSFORD, PASSWORD

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def _sign_in_as_learner(page: Page, base: str) -> None:
    page.goto(base + "/register/learner")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(base + "/learner")


def _submit_empty(path: str, button: str) -> Callable[[Page, str], None]:
    def visit(page: Page, base: str) -> None:
        page.goto(base + path)
        page.get_by_role("button", name=button).click()
        page.wait_for_selector(".govuk-error-summary")

    return visit


def _go(path: str) -> Callable[[Page, str], None]:
    return lambda page, base: page.goto(base + path)


def _course(page: Page, base: str) -> None:
    page.goto(base + "/courses?q=adult+care")
    page.get_by_role("link", name="Adult care worker").click()
    page.wait_for_selector("h1")


KEY_PAGES: dict[str, Callable[[Page, str], None]] = {
    "home": _go("/"),
    "sectors": _go("/sectors"),
    "course search": _go(f"/courses?district={CHELMSFORD}"),
    "course search with an error": _go("/courses?sector=farming"),
    "course": _course,
    "sign in": _go("/sign-in"),
    "sign in with errors": _submit_empty("/sign-in", "Sign in"),
    "register": _go("/register"),
    "register a learner with errors": _submit_empty("/register/learner", "Create account"),
    "register an employer with activities": _go("/register/employer?q=care+home"),
    "learner dashboard": _sign_in_as_learner,
    "page not found": _go("/no-such-page"),
}


@pytest.mark.parametrize("name", list(KEY_PAGES))
def test_key_pages_have_no_serious_accessibility_violations(
    page: Page, live_server: str, artifacts: Path, name: str
) -> None:
    KEY_PAGES[name](page, live_server)
    results = Axe().run(page)
    violations = results.response["violations"]
    (artifacts / "axe.json").write_text(json.dumps(violations, indent=2))
    page.screenshot(path=artifacts / "page.png", full_page=True)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
        for v in violations
        if v.get("impact") in BLOCKING
    ]
    assert blocking == [], f"{name}: {blocking}"
