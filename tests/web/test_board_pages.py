"""The skills board's pages on a constructed world whose figures are known: the dashboard,
drill-downs, traces, snapshots and the change view, the CSV export, the method and the audit log.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from boardtest import (
    ALPHA,
    BETA,
    FIRST_SNAPSHOT,
    GAMMA,
    LEARNER_EMAIL_DOMAIN,
    NAMED_EMPLOYER,
    UNNAMED_EMPLOYER,
    Expected,
    add_what_site_accounts_need,
    build_world_database,
    chart_values,
    charts,
    close_and_open_gaps,
    row_for,
    table_rows,
)
from flask import Flask
from sitetest import Account, PageCheckingClient, create_account, make_app, page_text

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, GapSnapshot, User
from skillsmatch.services import audit
from skillsmatch.services.gaps import list_snapshots
from web.board import keys

ESCO = "http://data.europa.eu/esco/skill/"
LIFTING = f"{ESCO}move-people-safely"
BRICKS = f"{ESCO}lay-bricks"


@pytest.fixture(scope="session")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("board") / "world.sqlite3"
    build_world_database(path)
    return path


@pytest.fixture
def world_app(world_db: Path, tmp_path: Path) -> Iterator[Flask]:
    database = tmp_path / "world.sqlite3"
    shutil.copy(world_db, database)
    app = make_app(database)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def board(world_app: Flask) -> PageCheckingClient:
    """A client signed in as a member of the skills board."""
    client: PageCheckingClient = world_app.test_client()  # type: ignore[assignment]
    account = create_account(world_app, "board")
    assert client.sign_in(account.email).status_code == 302
    return client


def _snapshot_id(app: Flask) -> uuid.UUID:
    with app.app_context():
        return list_snapshots(db.session, 1)[0].public_id


def _urls(app: Flask) -> dict[str, str]:
    s = _snapshot_id(app)
    care, construction = keys.sector_id("care"), keys.sector_id("construction")
    alpha = keys.district_id(ALPHA)
    lifting = keys.skill_id(LIFTING)
    base = f"/board/snapshots/{s}"
    return {
        "dashboard": "/board",
        "live": "/board/live-report",
        "snapshot": base,
        "sector": f"{base}/sectors/{care}",
        "district": f"{base}/districts/{alpha}",
        "skill": f"{base}/skills/{lifting}",
        "cell": f"{base}/cells/{care}/{alpha}",
        "gap": f"{base}/gaps/{care}/{alpha}/{lifting}",
        "other cell": f"{base}/cells/{construction}/{keys.district_id(BETA)}",
        "snapshots": "/board/snapshots",
        "changes": f"{base}/changes",
        "methodology": "/board/methodology",
        "audit log": "/board/audit-log",
    }


# -- every page ----------------------------------------------------------------------------------


def test_every_board_page_passes_the_page_checks_and_puts_a_table_beside_each_chart(
    world_app: Flask, board: PageCheckingClient
) -> None:
    chart_count = 0
    for name, url in _urls(world_app).items():
        response = board.get(url)  # the client checks HTML5, one <h1>, ids, nonces, CSRF
        assert response.status_code == 200, name
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert nonce is not None
        for chart in charts(response):
            chart_count += 1
            assert chart.nonce == nonce.group(1), name
            assert chart.tables >= 1, f"{name}: a chart without its table"
            assert len(chart.summary) > 40, f"{name}: a chart without its summary"
            assert str(chart.spec["$schema"]).startswith("https://vega.github.io/schema/vega-lite/")
        if charts(response):
            html = response.get_data(as_text=True)
            assert "/static/vega/vega-embed.min.js" in html and "/static/js/charts.mjs" in html
            assert "cdn" not in html.lower() and "https://vega.github.io/schema" in html
    assert chart_count >= 15


def test_the_site_policy_has_no_unsafe_eval(board: PageCheckingClient) -> None:
    csp = board.get("/board").headers["Content-Security-Policy"]
    assert "unsafe-eval" not in csp and "unsafe-inline" not in csp


# -- the figures of the constructed world --------------------------------------------------------


def test_the_heatmap_table_shows_each_cells_share_unmet(
    world_app: Flask, board: PageCheckingClient
) -> None:
    response = board.get("/board")
    text = page_text(response)
    assert FIRST_SNAPSHOT in text and "Live report" not in text
    rows = table_rows(response, "Share of skill needs unmet")
    assert rows[0] == ["District", "Care", "Construction"]
    assert row_for(rows, "Alpha")[1:] == ["100% of Care skill needs unmet in Alpha", "– no demand"]
    assert row_for(rows, "Beta")[1:] == [
        "– no demand",
        "85% of Construction skill needs unmet in Beta",
    ]
    assert row_for(rows, "Gamma")[1:] == ["0% of Care skill needs unmet in Gamma", "– no demand"]
    heatmap = next(c for c in charts(response) if "Heatmap" in str(c.spec.get("description")))
    values = {(v["sector"], v["district"]): v["severity"] for v in chart_values(heatmap.spec)}
    assert values[("Care", "Alpha")] == 1.0 and values[("Construction", "Beta")] == 0.85
    assert values[("Care", "Beta")] is None
    assert heatmap.summary == (
        "3 of the 8 sector and district cells have employer demand and 2 of them have a gap. "
        "Across all of them 84% of the skill needs (82 of 98) have no course place in reach. "
        "The most severe is Care in Alpha, where 100% of 14 skill needs are unmet."
    )


def test_the_top_gaps_table_has_the_exact_figures_and_reasons(board: PageCheckingClient) -> None:
    rows = table_rows(board.get("/board"), "The 2 largest gaps")
    assert rows[0] == [
        "Skill",
        "Sector",
        "District",
        "People needing it",
        "Course places in reach",
        "Shortfall",
        "Why",
    ]
    demand, supply, shortfall = Expected.bricks_beta
    assert rows[1] == [
        "lay bricks for Construction in Beta: where the figures come from",
        "Construction",
        "Beta",
        str(demand),
        str(supply),
        str(shortfall),
        Expected.bricks_beta_reason,
    ]
    demand, supply, shortfall = Expected.lifting_alpha
    assert rows[2][1:] == [
        "Care",
        "Alpha",
        str(demand),
        str(supply),
        str(shortfall),
        Expected.lifting_alpha_reason,
    ]


def test_per_10k_residents_divides_by_the_working_age_population(
    board: PageCheckingClient,
) -> None:
    rows = table_rows(board.get("/board"), "Shortfall by district")
    assert row_for(rows, "Beta") == ["Beta", "40,000", "80", "68", Expected.beta_per_10k]
    assert row_for(rows, "Alpha") == ["Alpha", "20,000", "14", "14", Expected.alpha_per_10k]
    assert row_for(rows, "Delta") == ["Delta", "50,000", "0", "0", "0"]
    assert [r[0] for r in rows[1:]] == ["Beta", "Alpha", "Delta", "Gamma"]


def test_a_cell_lists_its_skills_and_demands_and_traces_a_figure(
    world_app: Flask, board: PageCheckingClient
) -> None:
    urls = _urls(world_app)
    cell = board.get(urls["cell"])
    assert "Care in Alpha" in page_text(cell)
    skills = table_rows(cell, "Every skill Care employers in Alpha need")
    assert skills[1][1:] == ["14", "0", "14", Expected.lifting_alpha_reason]
    # The skill's link is the trace page for this cell.
    assert urls["gap"] in cell.get_data(as_text=True)
    demands = table_rows(cell, "Care in Alpha: demands and vacancies")
    assert [(r[1], r[2]) for r in demands[1:]] == [
        (NAMED_EMPLOYER, "10"),
        ("Not named (the employer has not agreed)", "4"),
    ]

    trace = board.get(urls["gap"])
    text = page_text(trace)
    assert Expected.lifting_alpha_reason in text
    behind = table_rows(trace, "2 counted, adding up to 14")
    assert [r[1:] for r in behind[1:]] == [
        [NAMED_EMPLOYER, "Not stated", "10", "10"],
        ["Not named (the employer has not agreed)", "Not stated", "4", "4"],
    ]
    assert "No course in reach of Alpha teaches move people safely." in text


def test_trace_pages_name_only_consenting_employers_and_no_person(
    world_app: Flask, board: PageCheckingClient
) -> None:
    urls = _urls(world_app)
    with world_app.app_context():
        learner_emails = list(
            db.session.scalars(
                sa.select(User.email).where(User.email.endswith(LEARNER_EMAIL_DOMAIN))
            )
        )
    assert learner_emails
    for name in ("dashboard", "sector", "district", "cell", "gap", "skill", "snapshot"):
        html = board.get(urls[name]).get_data(as_text=True)
        assert UNNAMED_EMPLOYER not in html, name
        for email in learner_emails:
            assert email not in html, name
    # The learner holding the skill is counted, not shown.
    assert "Learners in reach who already have it 1" in page_text(board.get(urls["gap"]))


def test_a_covered_skill_is_traced_to_the_courses_that_cover_it(
    world_app: Flask, board: PageCheckingClient
) -> None:
    s = _snapshot_id(world_app)
    url = (
        f"/board/snapshots/{s}/gaps/{keys.sector_id('care')}/{keys.district_id(GAMMA)}/"
        f"{keys.skill_id(LIFTING)}"
    )
    response = board.get(url)
    assert "Covered: 5 places in reach for 4 needed." in page_text(response)
    courses = table_rows(response, "1 course offering in reach of Gamma")
    assert courses[1][0].startswith("Moving and handling")
    assert courses[1][1:] == ["Gamma College Gamma (same district)", "2", "5", courses[1][4], "Yes"]


def test_sector_district_and_skill_pages_sum_their_rows(
    world_app: Flask, board: PageCheckingClient
) -> None:
    urls = _urls(world_app)
    sector = board.get(urls["sector"])
    by_district = table_rows(sector, "Care by district")
    assert row_for(by_district, "Alpha")[1:] == ["14", "14", "14", "100%", "7"]
    assert row_for(by_district, "Gamma")[1:] == ["4", "4", "0", "0%", "0"]
    district = board.get(urls["district"])
    assert row_for(table_rows(district, "Alpha by sector"), "Care")[1:] == [
        "14",
        "14",
        "0",
        "14",
        "100%",
    ]
    skill = board.get(urls["skill"])
    assert "move people safely" in page_text(skill)
    rows = table_rows(skill, "Every sector and district that needs move people safely")
    assert [r[2:5] for r in rows[1:]] == [["14", "0", "14"], ["4", "5", "0"]]


@pytest.mark.parametrize(
    "page", ["sector", "district", "skill", "cell", "gap", "snapshot", "changes"]
)
def test_unknown_ids_are_not_found(world_app: Flask, board: PageCheckingClient, page: str) -> None:
    url = _urls(world_app)[page]
    # Replace the last id in the path (the snapshot's, for snapshot and changes) by a new one.
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f-]{27}", url)
    wrong = url.replace(ids[-1], str(uuid.uuid4()))
    assert board.get(wrong).status_code == 404


# -- the live report and building snapshots ------------------------------------------------------


def test_the_live_report_is_labelled_as_not_a_snapshot(board: PageCheckingClient) -> None:
    text = page_text(board.get("/board/live-report"))
    assert "Live report – not a snapshot." in text
    assert "Skill gaps in Greater Essex" in text
    rows = table_rows(board.get("/board/live-report"), "The 2 largest gaps")
    assert rows[1][0] == "lay bricks"  # no trace links: a live report is not stored


def test_without_a_snapshot_the_dashboard_shows_the_live_report_and_offers_to_build_one(
    client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    login_as("board")
    response = client.get("/board")
    text = page_text(response)
    assert "Live report – not a snapshot." in text and "No snapshot has been stored yet." in text
    assert 'action="/board/snapshots"' in response.get_data(as_text=True)
    assert "Build a snapshot now" in text
    assert "Course offerings" in text  # what SkillsMatch holds


def test_building_a_snapshot_needs_a_post_with_a_token_and_is_audited(
    world_app: Flask, board: PageCheckingClient
) -> None:
    def count() -> int:
        with world_app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(GapSnapshot)) or 0

    assert count() == 1
    assert board.post("/board/snapshots", data={"label": "Q2"}).status_code == 400  # no token
    assert count() == 1
    response = board.submit("/board/snapshots", {"label": "Second quarter"})
    assert response.status_code == 302
    assert count() == 2
    with world_app.app_context():
        latest = list_snapshots(db.session, 1)[0]
        assert latest.label == "Second quarter"
        assert response.location == f"/board/snapshots/{latest.public_id}"
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).one()
        assert (event.actor_role, event.target_type, event.target_id) == (
            "board",
            "gap-snapshot",
            latest.public_id,
        )
        assert event.detail == {"rows": 3, "gap_rows": 2}
    page = board.get(response.location)
    assert "Snapshot built: 2 gaps in 2 sector and district cells." in page_text(page)


def test_a_snapshot_name_that_is_too_long_is_refused_with_an_error(
    world_app: Flask, board: PageCheckingClient
) -> None:
    response = board.submit("/board/snapshots", {"label": "x" * 121})
    assert response.status_code == 400
    assert "Name must be 120 characters or fewer" in page_text(response)


def test_the_change_view_lists_new_closed_and_changed_gaps(
    world_app: Flask, board: PageCheckingClient
) -> None:
    first = _snapshot_id(world_app)
    assert "This is the first snapshot" in page_text(board.get(f"/board/snapshots/{first}/changes"))
    with world_app.app_context():
        close_and_open_gaps(db.session)
        db.session.commit()
    response = board.submit("/board/snapshots", {"label": "Second quarter"})
    changes = board.get(response.location + "/changes")
    text = page_text(changes)
    assert f"From {FIRST_SNAPSHOT}" in text and "to Second quarter" in text
    assert "Total shortfall 82 before, 71 now" in text
    new = table_rows(changes, "Skills short now that were not before")
    assert new[1:] == [["lay bricks", "Construction, Delta", "No demand", "3", "+3"]]
    closed = table_rows(changes, "Skills short before that are not now")
    assert closed[1:] == [["move people safely", "Care, Alpha", "14", "0", "-14"]]
    changed = table_rows(changes, "Skills short in both snapshots")
    assert changed[1:] == [["None."]]
    cells = table_rows(changes, "Sector and district cells whose shortfall changed")
    assert [r[0] for r in cells[1:]] == ["Care, Alpha", "Construction, Delta"]


# -- export --------------------------------------------------------------------------------------


def test_the_csv_export_has_the_cli_columns_and_rows_and_is_audited(
    world_app: Flask, board: PageCheckingClient
) -> None:
    live = board.get("/board/live-report/export")
    assert live.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="skillsmatch-gaps-live-\d{4}-\d{2}-\d{2}\.csv"',
        live.headers["Content-Disposition"],
    )
    cli = world_app.test_cli_runner().invoke(args=["gap-report", "--format", "csv"])
    assert cli.exit_code == 0
    assert live.get_data(as_text=True) == cli.output
    stored = board.get(f"/board/snapshots/{_snapshot_id(world_app)}/export")
    assert stored.get_data(as_text=True) == cli.output  # nothing changed since the snapshot
    assert stored.headers["Content-Disposition"].startswith('attachment; filename="skillsmatch-')
    with world_app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export")
        ).all()
        assert sorted(e.target_type for e in events) == ["gap-report", "gap-snapshot"]
        assert all(e.detail == {"format": "csv", "rows": 3} for e in events)


def test_the_csv_export_neutralises_formulas(world_app: Flask, board: PageCheckingClient) -> None:
    with world_app.app_context():
        from skillsmatch.models import Skill

        skill = db.session.scalars(sa.select(Skill).where(Skill.uri == BRICKS)).one()
        skill.label = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    body = board.get("/board/live-report/export").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


# -- method and audit log ------------------------------------------------------------------------


def test_the_methodology_takes_its_figures_from_the_parameters(
    board: PageCheckingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = page_text(board.get("/board/methodology"))
    assert "Demand is counted over the next 12 months." in text
    assert "needs 10 people over 24 months counts as needing 5" in text
    assert "an optional skill counts 0.5 (so an optional skill weighs 50% of an essential" in text
    assert "sharing at least 50% of their words" in text
    assert "a level 3 course counts for demand at level 2, a level 4 course does not" in text
    assert "Demo data" in text and "what employers have not told SkillsMatch" in text

    from functools import partial

    from skillsmatch.services.gaps import GapParameters

    monkeypatch.setattr(
        "web.board.views.GapParameters",
        partial(GapParameters, horizon_months=6, optional_weight=0.25, max_levels_above=0),
    )
    text = page_text(board.get("/board/methodology"))
    assert "Demand is counted over the next 6 months." in text
    assert "needs 10 people over 12 months counts as needing 5" in text
    assert "an optional skill counts 0.25 (so an optional skill weighs 25% of an essential" in text
    assert "a level 2 course counts for demand at level 2, a level 3 course does not" in text


def test_the_audit_log_pages_filters_and_shows_no_personal_data(
    world_app: Flask, board: PageCheckingClient
) -> None:
    with world_app.app_context():
        person = User(
            email="ada@example.com", password_hash="x", role="learner", display_name="Ada Lovelace"
        )
        reader = User(
            email="grace@example.com",
            password_hash="x",
            role="employer",
            display_name="Grace Hopper",
        )
        db.session.add_all([person, reader])
        db.session.flush()
        for n in range(55):
            audit.record(
                db.session,
                actor=reader,
                action="read",
                target_type="learner",
                target_id=person.public_id,
                request_id=f"req-{n:04d}",
            )
        audit.record(
            db.session,
            actor=None,
            action="delete",
            target_type="learner",
            target_id=person.public_id,
            detail={"rows": 7},
        )
        db.session.commit()
        person_id = person.public_id

    first = board.get("/board/audit-log")
    rows = table_rows(first, "56 events")
    assert len(rows) == 1 + 50
    assert rows[1][:3] == [rows[1][0], "System", "delete"] and "rows: 7" in rows[1][4]
    html = first.get_data(as_text=True)
    for personal in ("ada@example.com", "Ada Lovelace", "grace@example.com", "Grace Hopper"):
        assert personal not in html
    assert str(person_id) in html  # identifiers only
    second = board.get("/board/audit-log?page=2")
    assert len(table_rows(second, "56 events")) == 1 + 6
    assert board.get("/board/audit-log?page=3").status_code == 404

    only_deletes = board.get("/board/audit-log?action=delete")
    assert len(table_rows(only_deletes, "1 event of action “delete”")) == 2
    wrong = board.get("/board/audit-log?action=drop-table")
    assert wrong.status_code == 400
    assert "Select an action from the list" in page_text(wrong)


# -- who may see them ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "learner", "employer", "provider"])
def test_only_the_board_sees_board_pages(world_app: Flask, role: str) -> None:
    """With real ids (so a refusal is not a 404 in disguise), every other role is refused."""
    urls = _urls(world_app)
    client: PageCheckingClient = world_app.test_client()  # type: ignore[assignment]
    if role != "anonymous":
        add_what_site_accounts_need(world_app)
        account = create_account(world_app, role)
        assert client.sign_in(account.email).status_code == 302
    for name, url in urls.items():
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and response.location.startswith("/sign-in"), name
        else:
            assert response.status_code == 403, (role, name)
    s = _snapshot_id(world_app)
    for url in (f"/board/snapshots/{s}/export", "/board/live-report/export"):
        assert client.get(url).status_code in (302, 403)


def test_board_pages_sit_under_the_skills_board_navigation_item(
    world_app: Flask, board: PageCheckingClient
) -> None:
    for name in ("cell", "gap", "methodology", "audit log"):
        html = board.get(_urls(world_app)[name]).get_data(as_text=True)
        item = re.search(r'<li class="([^"]*)">\s*<a[^>]*href="/board"', html)
        assert item is not None and "govuk-service-navigation__item--active" in item.group(1), name


def test_demo_data_is_marked_as_demo(world_app: Flask, board: PageCheckingClient) -> None:
    assert "This page shows demo data" not in page_text(board.get("/board"))
    with world_app.app_context():
        from skillsmatch.models import Employer, SkillDemand

        demand = db.session.scalars(
            sa.select(SkillDemand).join(Employer).where(Employer.name == NAMED_EMPLOYER)
        ).one()
        demand.is_demo = True
        db.session.commit()
    built = board.submit("/board/snapshots", {"label": "With demo data"})
    assert "This page shows demo data" in page_text(board.get(built.location))
    s = built.location.rsplit("/", 1)[1]
    trace = board.get(
        f"/board/snapshots/{s}/gaps/{keys.sector_id('care')}/"
        f"{keys.district_id(ALPHA)}/{keys.skill_id(LIFTING)}"
    )
    behind = table_rows(trace, "2 counted")
    assert row_for(behind, "Care assistant")[0].endswith("Demo")
    assert not row_for(behind, "Night carer")[0].endswith("Demo")
    assert "Includes demo data" in page_text(board.get("/board/snapshots"))
