"""The skills board's journey in Chromium: the dashboard's charts drawn under the CSP, a drill
down from a heatmap cell to the sources of a figure, a new snapshot and what changed; axe on
each board page; and the same pages without JavaScript."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from boardtest import NAMED_EMPLOYER, UNNAMED_EMPLOYER, build_world_database, close_and_open_gaps
from flask import Flask
from playwright.sync_api import Page, expect
from sitetest import PASSWORD, Account, create_account, make_app, serving

from skillsmatch.extensions import db

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
# Collects Content-Security-Policy violations, whatever the console says about them.
WATCH_CSP = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', (e) =>"
    " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@dataclass(frozen=True)
class BoardSite:
    url: str
    app: Flask
    account: Account


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("board-browser") / "world.sqlite3"
    build_world_database(path)
    return path


@pytest.fixture
def board_site(world_db: Path, tmp_path: Path) -> Iterator[BoardSite]:
    """The site over the constructed world, served on 127.0.0.1, with a board account."""
    database = tmp_path / "live.sqlite3"
    shutil.copy(world_db, database)
    app = make_app(database)
    account = create_account(app, "board")
    with serving(app) as url:
        yield BoardSite(url, app, account)


def _sign_in(page: Page, site: BoardSite) -> None:
    page.goto(site.url + "/sign-in")
    page.get_by_label("Email address").fill(site.account.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url + "/board")
    # Let the dashboard finish loading, so that going on cancels none of its requests.
    page.wait_for_load_state()


def _real(problems: list[str]) -> list[str]:
    """Problems but the browser's own favicon fetch, which leaving a page can cancel."""
    return [p for p in problems if not (p.startswith("request failed") and "favicon" in p)]


def _charts_drawn(page: Page) -> int:
    """Wait until every chart on the page is drawn as SVG; return how many there are."""
    page.wait_for_load_state()
    charts = page.locator("[data-chart-spec]")
    expect(page.locator("[data-chart-drawn]")).to_have_count(charts.count())
    expect(page.locator("[data-chart-drawn] svg")).to_have_count(charts.count())
    return charts.count()


def test_the_board_drills_from_the_heatmap_to_the_sources_and_compares_snapshots(
    page: Page, board_site: BoardSite, artifacts: Path, problems: list[str]
) -> None:
    page.add_init_script(WATCH_CSP)
    _sign_in(page, board_site)
    expect(page.get_by_role("heading", level=1)).to_have_text("Skill gaps in Greater Essex")
    assert _charts_drawn(page) == 4  # nothing demanded is in a digital, green... collection
    heatmap = page.locator("#heatmap .app-chart svg")
    expect(heatmap).to_be_visible()
    # The heatmap draws a cell for each sector x district (2 x 4 here) with its share unmet.
    labels = heatmap.locator("g.mark-text.role-mark text")
    expect(labels).to_have_count(8)
    expect(labels.filter(has_text="100%")).to_have_count(1)
    expect(labels.filter(has_text="85%")).to_have_count(1)
    page.screenshot(path=artifacts / "1-dashboard.png", full_page=True)
    page.locator("#heatmap").screenshot(path=artifacts / "1-heatmap.png")
    assert page.evaluate("window.cspViolations") == []

    # From a cell of the heatmap's table to the skills behind it, then to one figure's sources.
    page.get_by_role("link", name="100% of Care skill needs unmet in Alpha").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care in Alpha")
    _charts_drawn(page)
    page.screenshot(path=artifacts / "2-cell.png", full_page=True)
    page.get_by_role("link", name="move people safely for Care in Alpha").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("move people safely")
    reason = "No course in reach of Alpha teaches move people safely."
    expect(page.locator(".govuk-inset-text")).to_contain_text(reason)
    expect(page.get_by_role("cell", name=NAMED_EMPLOYER)).to_be_visible()
    expect(page.get_by_text(UNNAMED_EMPLOYER)).to_have_count(0)
    page.screenshot(path=artifacts / "3-trace.png", full_page=True)

    # The world changes; the board builds a snapshot and sees what changed.
    with board_site.app.app_context():
        close_and_open_gaps(db.session)
        db.session.commit()
    page.get_by_role("link", name="Snapshots").click()
    page.get_by_label("Name for the snapshot (optional)").fill("Second quarter")
    page.get_by_role("button", name="Build a snapshot now").click()
    built = "Snapshot built: 2 gaps in 2 sector and district cells."
    expect(page.get_by_text(built)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skill gaps in Greater Essex")
    page.screenshot(path=artifacts / "4-new-snapshot.png", full_page=True)
    page.get_by_role("link", name="What changed since the snapshot before").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What changed")
    expect(page.get_by_text("82 before, 71 now")).to_be_visible()
    assert _charts_drawn(page) == 1
    new_gaps = page.locator("#new-gaps")
    expect(new_gaps.get_by_role("row")).to_have_count(2)
    expect(new_gaps).to_contain_text("Construction, Delta")
    expect(page.locator("#closed-gaps")).to_contain_text("Care, Alpha")
    page.screenshot(path=artifacts / "5-changes.png", full_page=True)
    assert page.evaluate("window.cspViolations") == []
    assert _real(problems) == []


BOARD_PAGES = {
    "dashboard": "/board",
    "cell": "cell",
    "trace": "trace",
    "snapshots": "/board/snapshots",
    "changes": "changes",
    "methodology": "/board/methodology",
    "audit log": "/board/audit-log",
    "live report": "/board/live-report",
    "data held": "/board/data",
    "import vacancies": "/board/data/import-vacancies",
}


def _open(page: Page, site: BoardSite, where: str) -> None:
    if where.startswith("/"):
        page.goto(site.url + where)
    elif where == "cell":
        page.get_by_role("link", name="85% of Construction skill needs unmet in Beta").click()
    elif where == "trace":
        page.get_by_role("link", name="lay bricks for Construction in Beta").first.click()
    elif where == "changes":
        page.get_by_role("link", name="What changed since the last snapshot").click()
    page.wait_for_selector("h1")


@pytest.mark.parametrize("name", list(BOARD_PAGES))
def test_board_pages_have_no_serious_accessibility_violations(
    page: Page, board_site: BoardSite, artifacts: Path, problems: list[str], name: str
) -> None:
    _sign_in(page, board_site)
    _open(page, board_site, BOARD_PAGES[name])
    _charts_drawn(page)  # axe checks the page with its charts, as people see it
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
    assert _real(problems) == []


def test_the_board_pages_work_without_javascript(
    no_js_page: Page, board_site: BoardSite, artifacts: Path
) -> None:
    page = no_js_page
    _sign_in(page, board_site)
    expect(page.locator("[data-chart-drawn]")).to_have_count(0)
    # Each chart's summary and table are there without it.
    expect(page.locator("#heatmap table")).to_be_visible()
    expect(page.locator("#heatmap .app-figure__summary")).to_contain_text(
        "The most severe is Care in Alpha"
    )
    page.get_by_role("link", name="85% of Construction skill needs unmet in Beta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Construction in Beta")
    page.goto(board_site.url + "/board/snapshots")
    page.get_by_role("button", name="Build a snapshot now").click()
    expect(page.get_by_text("Snapshot built")).to_be_visible()
    page.screenshot(path=artifacts / "built-without-js.png", full_page=True)


def test_the_csp_would_refuse_charts_drawn_without_the_expression_interpreter(
    page: Page, board_site: BoardSite
) -> None:
    """The check above is real: Vega's default expression compiler needs eval, which the CSP
    refuses, so without the interpreter no chart is drawn and violations are reported."""
    charts_js = Path(__file__).resolve().parents[3] / "web" / "static" / "js" / "charts.mjs"
    without = (
        charts_js.read_text().replace("ast: true,", "").replace("expr: expressionInterpreter,", "")
    )
    assert "ast: true" not in without and "expr:" not in without
    page.route(
        "**/static/js/charts.mjs",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=without),
    )
    page.add_init_script(WATCH_CSP)
    _sign_in(page, board_site)
    # Each chart gives up and hides its empty box; the table stays.
    expect(page.locator(".app-chart[hidden]")).to_have_count(page.locator(".app-chart").count())
    assert page.locator("[data-chart-drawn]").count() == 0
    assert any(v.startswith("script-src") for v in page.evaluate("window.cspViolations"))
    expect(page.locator("#heatmap table")).to_be_visible()
