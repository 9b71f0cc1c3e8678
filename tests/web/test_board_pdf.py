"""The gap report as PDF, on the constructed world whose figures are known: the download, its
figures and charts, the method on the last page, escaping and what it may fetch."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import altair as alt
import pytest
import sqlalchemy as sa
from boardtest import (
    FIRST_SNAPSHOT,
    UNNAMED_EMPLOYER,
    Expected,
    add_what_site_accounts_need,
    build_world_database,
)
from flask import Flask
from sitetest import PageCheckingClient, create_account, make_app
from weasyprint import HTML, Document
from weasyprint.formatting_structure.boxes import ReplacedBox, TextBox
from werkzeug.test import TestResponse

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Skill
from skillsmatch.services.gaps import list_snapshots
from web.board import pdf
from web.board.charts import Figure

BRICKS = "http://data.europa.eu/esco/skill/lay-bricks"
METHOD = "Method and data sources"


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("board-pdf") / "world.sqlite3"
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
    client: PageCheckingClient = world_app.test_client()  # type: ignore[assignment]
    assert client.sign_in(create_account(world_app, "board").email).status_code == 302
    return client


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML each PDF download was laid out from, in order."""
    seen: list[str] = []
    write = pdf.write_pdf

    def keep(html: str) -> pdf.Pdf:
        seen.append(html)
        return write(html)

    monkeypatch.setattr(pdf, "write_pdf", keep)
    return seen


def _snapshot_url(app: Flask) -> str:
    with app.app_context():
        return f"/board/snapshots/{list_snapshots(db.session, 1)[0].public_id}/pdf"


def _pages(html: str) -> list[str]:
    """The text laid out on each page, whitespace collapsed, read from WeasyPrint's boxes."""
    document: Document = HTML(string=html, url_fetcher=pdf.url_fetcher()).render()
    # WeasyPrint keeps each page's box tree in ``_page_box``; its text boxes hold the lines.
    return [
        " ".join(
            " ".join(b.text for b in page._page_box.descendants() if isinstance(b, TextBox)).split()
        )
        for page in document.pages
    ]


def _is_pdf(response: TestResponse) -> None:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and response.data.rstrip().endswith(b"%%EOF")
    assert response.headers["Cache-Control"] == "no-store"


# -- the download --------------------------------------------------------------------------------


def test_a_snapshots_pdf_has_a_generated_file_name_and_is_audited(
    world_app: Flask, board: PageCheckingClient
) -> None:
    url = _snapshot_url(world_app)
    response = board.get(url)
    _is_pdf(response)
    snapshot_id = url.split("/")[3]
    assert re.fullmatch(
        rf'attachment; filename="skillsmatch-gaps-\d{{4}}-\d{{2}}-\d{{2}}-{snapshot_id[:8]}\.pdf"',
        response.headers["Content-Disposition"],
    )
    with world_app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert (event.actor_role, event.target_type, event.target_id) == (
            "board",
            "gap-snapshot",
            uuid.UUID(snapshot_id),
        )
        assert event.detail["format"] == "pdf" and event.detail["pages"] >= 2


def test_the_live_reports_pdf_is_named_as_live_and_audited(
    world_app: Flask, board: PageCheckingClient, rendered: list[str]
) -> None:
    response = board.get("/board/live-report/pdf")
    _is_pdf(response)
    assert re.fullmatch(
        r'attachment; filename="skillsmatch-gaps-live-\d{4}-\d{2}-\d{2}\.pdf"',
        response.headers["Content-Disposition"],
    )
    assert "Live report, not a snapshot." in _pages(rendered[0])[0]
    with world_app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert (event.target_type, event.target_id) == ("gap-report", None)


def test_the_report_page_links_to_both_pdfs(world_app: Flask, board: PageCheckingClient) -> None:
    html = board.get("/board").get_data(as_text=True)
    assert f'href="{_snapshot_url(world_app)}" download' in html
    assert 'href="/board/live-report/pdf" download' in html


# -- what it shows -------------------------------------------------------------------------------


def test_the_pdf_has_the_exact_top_gaps_charts_and_the_method_on_its_last_page(
    world_app: Flask, board: PageCheckingClient, rendered: list[str]
) -> None:
    board.get(_snapshot_url(world_app))
    (html,) = rendered
    pages = _pages(html)
    text = " ".join(pages)
    assert FIRST_SNAPSHOT in pages[0] and "Skill gaps in Greater Essex" in pages[0]
    assert "Shortfall 82 (84% of skill needs)" in pages[0]
    demand, supply, shortfall = Expected.bricks_beta
    assert (
        f"lay bricks Construction Beta {demand} {supply} {shortfall} {Expected.bricks_beta_reason}"
    ) in text
    demand, supply, shortfall = Expected.lifting_alpha
    assert (
        f"move people safely Care Alpha {demand} {supply} {shortfall} "
        f"{Expected.lifting_alpha_reason}"
    ) in text
    # The sector x district table, a row per district.
    assert "District Care Construction Alpha 100% – Beta – 85% Delta – – Gamma 0% –" in text
    assert f"Beta 40,000 80 68 {Expected.beta_per_10k}" in text
    # The method and its sources only on the last page, with the snapshot's figures.
    assert [i for i, page in enumerate(pages) if METHOD in page] == [len(pages) - 1]
    last = pages[-1]
    assert "Demand is counted over the next 12 months." in last
    assert "Data sources" in last and "ESCO v1.1.1, European Commission" in last
    footer = f"Skill gaps in Greater Essex: {FIRST_SNAPSHOT} Page {len(pages)} of {len(pages)}"
    assert footer in last
    # The charts are SVG images embedded in the document, nothing linked.
    charts = re.findall(r'<img class="chart" src="([^"]+)"', html)
    assert len(charts) == 4  # heatmap, top gaps, per 10,000, skill groups (no collection demand)
    assert all(c.startswith("data:image/svg+xml;base64,") for c in charts)
    document = HTML(string=html, url_fetcher=pdf.url_fetcher()).render()
    drawn = [
        b
        for page in document.pages
        for b in page._page_box.descendants()
        if isinstance(b, ReplacedBox)
    ]
    assert len(drawn) == 4 and all(b.width > 300 for b in drawn)


def test_an_employer_that_has_not_agreed_is_never_named(
    world_app: Flask, board: PageCheckingClient, rendered: list[str]
) -> None:
    board.get(_snapshot_url(world_app))
    board.get("/board/live-report/pdf")
    assert len(rendered) == 2
    for html in rendered:
        assert UNNAMED_EMPLOYER not in html
        assert UNNAMED_EMPLOYER not in " ".join(_pages(html))


def test_markup_in_a_skill_label_is_printed_as_text(
    world_app: Flask, board: PageCheckingClient, rendered: list[str]
) -> None:
    payload = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">'
    with world_app.app_context():
        skill = db.session.scalars(sa.select(Skill).where(Skill.uri == BRICKS)).one()
        skill.label = payload
        db.session.commit()
    _is_pdf(board.get("/board/live-report/pdf"))
    (html,) = rendered
    assert payload not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=" in html
    assert f"{payload} Construction Beta" in " ".join(_pages(html))


# -- what it may fetch ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
    ],
)
def test_the_pdf_fetches_nothing_but_data_uris(url: str) -> None:
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf.url_fetcher()(url)
    assert pdf.url_fetcher()("data:text/plain,hello").read() == b"hello"


def test_a_chart_may_not_load_data_from_a_url() -> None:
    chart = alt.Chart(alt.Data(url="http://127.0.0.1:9/rows.json")).mark_bar().encode(x="a:Q")
    with pytest.raises(ValueError, match="not allowed"):
        pdf.chart_svg(Figure("f", "F", "A chart.", chart))


def test_the_file_name_keeps_only_safe_characters() -> None:
    assert pdf.file_name('gaps-2026-11-23"; x=..\\/é') == "gaps-2026-11-23---x-..---.pdf"


# -- who may download it -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "learner", "employer", "provider"])
def test_only_the_board_may_download_the_pdf(world_app: Flask, role: str) -> None:
    client: PageCheckingClient = world_app.test_client()  # type: ignore[assignment]
    if role != "anonymous":
        add_what_site_accounts_need(world_app)
        assert client.sign_in(create_account(world_app, role).email).status_code == 302
    for url in (_snapshot_url(world_app), "/board/live-report/pdf"):
        response = client.get(url)
        assert response.status_code == (302 if role == "anonymous" else 403), (role, url)
        assert not response.data.startswith(b"%PDF")


def test_an_unknown_snapshot_is_not_found(board: PageCheckingClient) -> None:
    assert board.get(f"/board/snapshots/{uuid.uuid4()}/pdf").status_code == 404
