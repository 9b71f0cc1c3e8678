"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1.

Playwright cannot download its own browsers here, so it launches /usr/bin/chromium (installed
by .ci/run). Without it the tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request
from sitetest import make_app, serving

from skillsmatch.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
# The browser must not reach for Google's services: this machine has no network beyond itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
FRONTEND = PROJECT_ROOT / "web" / "static" / "govuk" / "skillsmatch.min.css"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def base_url() -> None:
    """No fixed base URL: each test's live server has its own port.

    Defined here because pytest-playwright's fallback fixture trips a pytest deprecation
    warning, which this suite turns into an error.
    """
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    _require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    _require(FRONTEND.exists(), "the front end is not built (make install)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def live_app(catalogue_db: Path, tmp_path: Path) -> Flask:
    """The app the live server serves; a test may set it up (extensions, data) first."""
    database = tmp_path / "live.sqlite3"
    shutil.copy(catalogue_db, database)
    return make_app(database)


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """The site served by werkzeug on a free port of 127.0.0.1, in a thread."""
    with serving(live_app) as url:
        yield url


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """A folder for this test's screenshots and reports (git-ignored)."""
    folder = ARTIFACTS / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def problems(page: Page) -> Iterator[list[str]]:
    """Console errors (CSP violations among them), failed requests and dialogs on the page."""
    found: list[str] = []
    page.on("console", lambda m: found.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    page.on("dialog", lambda d: (found.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("requestfailed", lambda r: _failed(found, r))
    yield found


def _failed(found: list[str], request: Request) -> None:
    # A navigation cancels what the last page was still fetching (its favicon, say): that is
    # the browser moving on, not a broken request.
    if request.failure != "net::ERR_ABORTED":
        found.append(f"request failed: {request.url} ({request.failure})")


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    """A page in a context with JavaScript switched off: every journey works without it."""
    context: BrowserContext = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()
