"""Views of the board blueprint: the gap report and its drill-downs, snapshots, the method, the
data held and vacancy imports, and the audit log. Only the skills board ("board" role) may open
them."""

from __future__ import annotations

import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from skillsmatch.commands.gaps import rows_as_csv
from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, GapSnapshot
from skillsmatch.services import board_data
from skillsmatch.services.dashboards import board_summary
from skillsmatch.services.file_imports import ImportOutcome
from skillsmatch.services.gaps import (
    Cell,
    DemandSource,
    GapParameters,
    GapRow,
    GapView,
    Rollup,
    SnapshotReport,
    TracedOffering,
    build_report,
    diff_snapshots,
    get_snapshot,
    list_snapshots,
    previous_snapshot,
    rollups,
    save_snapshot,
)
from skillsmatch.services.gaps.reasons import join_words
from skillsmatch.services.gaps.report import top_order
from skillsmatch.services.gaps.results import FIGURE_COLUMNS, OUTSIDE_WINDOW, UNDATED
from web import auditing, imports
from web.auth.permissions import role_required
from web.board import bp, charts, keys, method, pdf
from web.board.forms import AuditFilterForm, BuildSnapshotForm

TOP_GAPS = 20
# Rows of a change table shown on the page; the CSV export has them all.
CHANGES_SHOWN = 100
PATHWAY_GAPS_SHOWN = 50
AUDIT_PAGE = 50
_IMPORT_REPORT_KEY = "board_vacancy_import"
_SEE_OTHER = 303


@bp.context_processor
def _board_helpers() -> dict[str, Any]:
    return {
        "sector_key": keys.sector_id,
        "district_key": keys.district_id,
        "skill_key": keys.skill_id,
        "amount": charts.amount,
        "percent": charts.percent,
        "snapshot_name": snapshot_name,
        "kind_words": kind_words,
        "employer_words": employer_words,
        "counted_words": counted_words,
        "plural": plural,
    }


def plural(count: int, word: str, words: str | None = None) -> str:
    """1 skill, 2 skills (1,234 demands)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def kind_words(source: DemandSource) -> str:
    """What a demand item is, in words: an employer's stated need or a vacancy."""
    if source.kind == "vacancy":
        return "Live vacancy"
    text = "Employer's skill need"
    if source.timeframe_months:
        text += f" within {source.timeframe_months} months"
    merged = len(source.merged_vacancies)
    if merged:
        text += f", with {merged} vacanc{'y' if merged == 1 else 'ies'} for it counted once"
    return text


def counted_words(traced: TracedOffering, parameters: GapParameters) -> str:
    """Whether an offering's places count towards the supply, and if not, why not."""
    if traced.counted:
        return "Yes"
    why = []
    if not traced.fits_level:
        why.append("its level is too high for the demand")
    if traced.offering.intake == OUTSIDE_WINDOW:
        why.append("no intake soon")
    elif traced.offering.intake == UNDATED and not parameters.count_undated_offerings:
        why.append("no start dates published")
    return "No: " + join_words(why) if why else "No"


def employer_words(source: DemandSource) -> str:
    """The employer's name where it agreed to be named in reports; otherwise say why not."""
    return source.employer or "Not named (the employer has not agreed)"


def snapshot_name(snapshot: GapSnapshot) -> str:
    """How a page names a snapshot: its label, or the date it describes."""
    day = snapshot.as_of
    return snapshot.label or f"Snapshot of {day.day} {day:%B %Y}"


# -- the report: dashboard, a snapshot, the live report ------------------------------------------


@bp.get("")
@role_required("board")
def dashboard() -> ResponseReturnValue:
    """Show the latest snapshot's gap report, or the live report while there is none."""
    latest = list_snapshots(db.session, 1)
    counts = board_summary(db.session)
    if latest:
        return _report_page(latest[0], SnapshotReport(db.session, latest[0]), counts=counts)
    return _report_page(None, build_report(db.session), counts=counts)


@bp.get("/live-report")
@role_required("board")
def live_report() -> ResponseReturnValue:
    """Show the gap report computed from today's data, not stored: a preview, not a snapshot."""
    return _report_page(None, build_report(db.session))


@bp.get("/snapshots/<uuid:snapshot_id>")
@role_required("board")
def snapshot(snapshot_id: uuid.UUID) -> ResponseReturnValue:
    """Show one stored snapshot's gap report."""
    snap, view = _snapshot(snapshot_id)
    return _report_page(snap, view)


def _report_page(
    snap: GapSnapshot | None,
    view: GapView,
    counts: dict[str, int] | None = None,
    form: BuildSnapshotForm | None = None,
) -> ResponseReturnValue:
    latest = list_snapshots(db.session, 1)
    return render_template(
        "board/report.html",
        snap=snap,
        is_latest=bool(snap and latest and latest[0].id == snap.id),
        previous=previous_snapshot(db.session, snap) if snap else None,
        counts=counts,
        form=form or BuildSnapshotForm(),
        shows_demo=bool(view.summary.get("includes_demo")),
        **_report_parts(snap, view),
    )


def _report_parts(snap: GapSnapshot | None, view: GapView) -> dict[str, Any]:
    """What the report page and its PDF both show: the tables and the charts beside them."""
    cells = view.heatmap()
    top = view.top_gaps(TOP_GAPS)
    collections = view.collections()
    groups = view.skill_groups(1)
    districts = by_rate(view.districts(), view)
    figures = _figures(
        (str(snap.public_id), "report") if snap else None,
        lambda: {
            "heatmap": charts.heatmap(cells),
            "top": charts.top_gaps(top),
            "collections": charts.coverage(
                collections,
                "collections",
                "Digital, green and transversal skills",
                "ESCO collection",
                ranked=False,
            ),
            "groups": charts.coverage(groups, "skill-groups", "Skill groups", "ESCO skill group"),
            "per_10k": charts.per_10k(districts),
        },
    )
    return {
        "view": view,
        "summary": view.summary,
        "matrix": _matrix(cells, view),
        "cells": cells,
        "top": top,
        "collections": collections,
        "groups": groups,
        "districts": districts,
        "sectors": view.sectors(),
        "figures": figures,
    }


def by_rate(districts: list[Rollup], view: GapView) -> list[Rollup]:
    """Every district, largest shortfall per 10,000 working-age residents first (those without
    demand too, with nothing to count)."""
    present = {r.key for r in districts}
    empty = [
        Rollup(
            key=d["code"],
            label=d["name"],
            extra={"working_age": d["working_age"], "shortfall_per_10k": 0.0},
        )
        for d in view.summary.get("districts", [])
        if d["code"] not in present
    ]
    return sorted(
        [*districts, *empty], key=lambda r: (-(r.extra.get("shortfall_per_10k") or 0.0), r.label)
    )


@dataclass(frozen=True)
class MatrixRow:
    district: dict[str, Any]
    cells: list[Cell | None]


def _matrix(cells: list[Cell], view: GapView) -> dict[str, Any]:
    """The heatmap as a table: a row per district, a column per sector."""
    sectors = view.summary.get("sectors", [])
    by_key = {(c.sector_slug, c.district_code): c for c in cells}
    rows = [
        MatrixRow(d, [by_key.get((s["slug"], d["code"])) for s in sectors])
        for d in view.summary.get("districts", [])
    ]
    return {"sectors": sectors, "rows": rows}


# A snapshot never changes, so neither do its charts: each page's are built once per process
# (Altair takes ~10-30 ms a chart) and kept, the most recently used first.
_FIGURE_CACHE: OrderedDict[tuple[str, ...], dict[str, charts.Figure]] = OrderedDict()
FIGURE_CACHE_SIZE = 256
_figure_lock = threading.Lock()


def _figures(
    key: tuple[str, ...] | None, build: Callable[[], dict[str, charts.Figure]]
) -> dict[str, charts.Figure]:
    """A page's charts; ``key`` names a snapshot's page (None: the live report, never kept)."""
    if key is None:
        return build()
    with _figure_lock:
        found = _FIGURE_CACHE.get(key)
        if found is not None:
            _FIGURE_CACHE.move_to_end(key)
            return found
    figures = build()
    for figure in figures.values():
        figure.spec()  # built once, here
    with _figure_lock:
        _FIGURE_CACHE[key] = figures
        while len(_FIGURE_CACHE) > FIGURE_CACHE_SIZE:
            _FIGURE_CACHE.popitem(last=False)
    return figures


def _top(rows: list[GapRow]) -> list[GapRow]:
    """The largest gaps among ``rows``, in the order ``GapView.top_gaps`` gives."""
    return sorted((r for r in rows if r.is_gap), key=top_order)[:TOP_GAPS]


def _snapshot(snapshot_id: uuid.UUID) -> tuple[GapSnapshot, SnapshotReport]:
    snap = get_snapshot(db.session, snapshot_id)
    if snap is None:
        abort(404)
    return snap, SnapshotReport(db.session, snap)


# -- drill-downs: sector, district, skill, cell, one gap -----------------------------------------


@bp.get("/snapshots/<uuid:snapshot_id>/sectors/<uuid:sector_id>")
@role_required("board")
def sector(snapshot_id: uuid.UUID, sector_id: uuid.UUID) -> ResponseReturnValue:
    """Show one sector's gaps: by district, its largest gaps, collections, pathway gaps."""
    snap, view = _snapshot(snapshot_id)
    found = keys.find_sector(view, sector_id) or abort(404)
    slug = found["slug"]
    # One read of the sector's rows serves every roll-up on the page.
    rows = view.rows(sector=slug)
    top = _top(rows)
    districts = by_rate(rollups.by_district(rows, view.working_age), view)
    collections = rollups.by_collection(rows)
    figures = _figures(
        (str(snap.public_id), "sector", slug),
        lambda: {
            "per_10k": charts.per_10k(districts, "sector-per-10k"),
            "top": charts.top_gaps(top, "sector-top-gaps", sector=False),
            "collections": charts.coverage(
                collections,
                "sector-collections",
                "Digital, green and transversal skills",
                "ESCO collection",
                ranked=False,
            ),
        },
    )
    return render_template(
        "board/sector.html",
        snap=snap,
        view=view,
        sector=found,
        cells=[c for c in view.heatmap() if c.sector_slug == slug],
        districts=districts,
        top=top,
        collections=collections,
        groups=rollups.by_skill_group(rows, 1),
        pathway_gaps=view.pathway_gaps(sector=slug, limit=PATHWAY_GAPS_SHOWN),
        figures=figures,
        shows_demo=snap.includes_demo,
    )


@bp.get("/snapshots/<uuid:snapshot_id>/districts/<uuid:district_id>")
@role_required("board")
def district(snapshot_id: uuid.UUID, district_id: uuid.UUID) -> ResponseReturnValue:
    """Show one district's gaps: by sector, its largest gaps, collections, pathway gaps."""
    snap, view = _snapshot(snapshot_id)
    found = keys.find_district(view, district_id) or abort(404)
    code = str(found["code"])
    rows = view.rows(district=code)
    top = _top(rows)
    sectors = rollups.by_sector(rows)
    collections = rollups.by_collection(rows)
    figures = _figures(
        (str(snap.public_id), "district", code),
        lambda: {
            "sectors": charts.coverage(sectors, "district-sectors", "Gaps by sector", "sector"),
            "top": charts.top_gaps(top, "district-top-gaps", district=False),
            "collections": charts.coverage(
                collections,
                "district-collections",
                "Digital, green and transversal skills",
                "ESCO collection",
                ranked=False,
            ),
        },
    )
    return render_template(
        "board/district.html",
        snap=snap,
        view=view,
        district=found,
        cells=[c for c in view.heatmap() if c.district_code == code],
        sectors=sectors,
        top=top,
        collections=collections,
        groups=rollups.by_skill_group(rows, 1),
        pathway_gaps=view.pathway_gaps(district=code, limit=PATHWAY_GAPS_SHOWN),
        figures=figures,
        shows_demo=snap.includes_demo,
    )


@bp.get("/snapshots/<uuid:snapshot_id>/skills/<uuid:skill_id>")
@role_required("board")
def skill(snapshot_id: uuid.UUID, skill_id: uuid.UUID) -> ResponseReturnValue:
    """Show one skill's demand, supply and shortfall in every sector and district that needs it."""
    snap, view = _snapshot(snapshot_id)
    found = keys.find_skill(view, skill_id) or abort(404)
    rows = view.rows(skill=found.key)
    gaps = sorted(
        (r for r in rows if r.is_gap), key=lambda r: (-r.shortfall, r.sector_name, r.district_name)
    )
    figure = _figures(
        (str(snap.public_id), "skill", found.key),
        lambda: {"gaps": charts.top_gaps(gaps, "skill-gaps")},
    )["gaps"]
    return render_template(
        "board/skill.html",
        snap=snap,
        skill=found,
        rows=rows,
        gaps=gaps,
        first=rows[0],
        figure=figure,
        shows_demo=snap.includes_demo,
    )


@bp.get("/snapshots/<uuid:snapshot_id>/cells/<uuid:sector_id>/<uuid:district_id>")
@role_required("board")
def cell(
    snapshot_id: uuid.UUID, sector_id: uuid.UUID, district_id: uuid.UUID
) -> ResponseReturnValue:
    """Show one sector in one district: every skill demanded there and the demands behind it."""
    snap, view = _snapshot(snapshot_id)
    found_sector = keys.find_sector(view, sector_id) or abort(404)
    found_district = keys.find_district(view, district_id) or abort(404)
    slug, code = found_sector["slug"], str(found_district["code"])
    the_cell = view.cell(slug, code) or abort(404)
    top = view.top_gaps(TOP_GAPS, sector=slug, district=code)
    figure = _figures(
        (str(snap.public_id), "cell", slug, code),
        lambda: {"top": charts.top_gaps(top, "cell-top-gaps", sector=False, district=False)},
    )["top"]
    return render_template(
        "board/cell.html",
        snap=snap,
        sector=found_sector,
        district=found_district,
        cell=the_cell,
        rows=view.rows(sector=slug, district=code),
        demands=view.demands(sector=slug, district=code),
        figure=figure,
        shows_demo=snap.includes_demo,
    )


@bp.get("/snapshots/<uuid:snapshot_id>/gaps/<uuid:sector_id>/<uuid:district_id>/<uuid:skill_id>")
@role_required("board")
def gap(
    snapshot_id: uuid.UUID, sector_id: uuid.UUID, district_id: uuid.UUID, skill_id: uuid.UUID
) -> ResponseReturnValue:
    """Trace one figure: the demands and vacancies behind it and the courses in reach."""
    snap, view = _snapshot(snapshot_id)
    found_sector = keys.find_sector(view, sector_id) or abort(404)
    found_district = keys.find_district(view, district_id) or abort(404)
    found_skill = keys.find_skill(view, skill_id) or abort(404)
    rows = view.rows(
        sector=found_sector["slug"], district=str(found_district["code"]), skill=found_skill.key
    )
    if not rows:
        abort(404)
    trace = view.trace(rows[0])
    return render_template(
        "board/gap.html",
        snap=snap,
        sector=found_sector,
        district=found_district,
        trace=trace,
        row=trace.row,
        parameters=view.parameters,
        shows_demo=any(d.is_demo for d, _ in trace.demands)
        or any(o.offering.is_demo for o in trace.offerings),
    )


# -- snapshots: list, build, change since the last one, export -----------------------------------


@bp.get("/snapshots")
@role_required("board")
def snapshots() -> ResponseReturnValue:
    """List the stored snapshots, newest first, with a button to build one now."""
    return _snapshots_page(BuildSnapshotForm())


def _snapshots_page(form: BuildSnapshotForm, status: int = 200) -> ResponseReturnValue:
    found = list_snapshots(db.session)
    return render_template(
        "board/snapshots.html",
        snapshots=found,
        form=form,
        shows_demo=any(s.includes_demo for s in found),
    ), status


@bp.post("/snapshots")
@role_required("board")
def build_snapshot() -> ResponseReturnValue:
    """Build the gap report from today's data and store it as a snapshot."""
    form = BuildSnapshotForm()
    if not form.validate_on_submit():
        return _snapshots_page(form, 400)
    report = build_report(db.session)
    snap = save_snapshot(db.session, report, form.label.data or "")
    auditing.record(
        "create",
        "gap-snapshot",
        snap.public_id,
        rows=len(report.all_rows),
        gap_rows=int(report.summary["gap_rows"]),
    )
    db.session.commit()
    flash(
        f"Snapshot built: {report.summary['gap_rows']:,} gaps in "
        f"{report.summary['cells_with_gaps']} sector and district cells.",
        "success",
    )
    return redirect(url_for("board.snapshot", snapshot_id=snap.public_id))


@bp.get("/snapshots/<uuid:snapshot_id>/changes")
@role_required("board")
def changes(snapshot_id: uuid.UUID) -> ResponseReturnValue:
    """Show what changed since the snapshot before this one: new, closed and changed gaps."""
    snap, _ = _snapshot(snapshot_id)
    previous = previous_snapshot(db.session, snap)
    diff = diff_snapshots(db.session, previous, snap) if previous else None
    return render_template(
        "board/changes.html",
        snap=snap,
        previous=previous,
        diff=diff,
        figure=_figures(
            (str(snap.public_id), "changes"), lambda: {"cells": charts.cell_changes(diff.cells)}
        )["cells"]
        if diff
        else None,
        shown=CHANGES_SHOWN,
        shows_demo=snap.includes_demo or bool(previous and previous.includes_demo),
    )


@bp.get("/snapshots/<uuid:snapshot_id>/export")
@role_required("board")
def export_snapshot(snapshot_id: uuid.UUID) -> Response:
    """Download a snapshot's gap rows as CSV (the columns of ``skillsmatch gap-report``)."""
    snap, view = _snapshot(snapshot_id)
    name = f"skillsmatch-gaps-{snap.as_of.isoformat()}-{str(snap.public_id)[:8]}.csv"
    return _csv(view, name, "gap-snapshot", snap.public_id)


@bp.get("/live-report/export")
@role_required("board")
def export_live_report() -> Response:
    """Download today's gap rows as CSV: what ``skillsmatch gap-report --format csv`` prints."""
    report = build_report(db.session)
    return _csv(
        report,
        f"skillsmatch-gaps-live-{report.parameters.as_of.isoformat()}.csv",
        "gap-report",
        None,
    )


def _csv(view: GapView, filename: str, target_type: str, target_id: uuid.UUID | None) -> Response:
    rows = [r.figures() for r in view.rows()]
    auditing.record("export", target_type, target_id, format="csv", rows=len(rows))
    db.session.commit()
    return Response(
        rows_as_csv(rows, list(FIGURE_COLUMNS)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/snapshots/<uuid:snapshot_id>/pdf")
@role_required("board")
def export_snapshot_pdf(snapshot_id: uuid.UUID) -> Response:
    """Download a snapshot's gap report as PDF, with the method on its last page."""
    snap, view = _snapshot(snapshot_id)
    name = f"skillsmatch-gaps-{snap.as_of.isoformat()}-{str(snap.public_id)[:8]}"
    return _pdf(snap, view, name, "gap-snapshot", snap.public_id)


@bp.get("/live-report/pdf")
@role_required("board")
def export_live_report_pdf() -> Response:
    """Download today's gap report as PDF: computed now, not stored."""
    report = build_report(db.session)
    return _pdf(
        None,
        report,
        f"skillsmatch-gaps-live-{report.parameters.as_of.isoformat()}",
        "gap-report",
        None,
    )


def _pdf(
    snap: GapSnapshot | None,
    view: GapView,
    stem: str,
    target_type: str,
    target_id: uuid.UUID | None,
) -> Response:
    parts = _report_parts(snap, view)
    html = render_template(
        "board/report_pdf.html",
        snap=snap,
        images=pdf.chart_images(parts["figures"]),
        rules=method.rules(view.parameters),
        shows_demo=bool(view.summary.get("includes_demo")),
        **parts,
    )
    document = pdf.write_pdf(html)
    auditing.record("export", target_type, target_id, format="pdf", pages=document.pages)
    db.session.commit()
    return Response(
        document.data,
        mimetype=pdf.MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{pdf.file_name(stem)}"'},
    )


# -- data management: what is held, vacancy imports ----------------------------------------------


@bp.get("/data")
@role_required("board")
def data() -> ResponseReturnValue:
    """Show what the catalogue holds, demo rows counted apart, and where the data comes from."""
    overview = board_data.catalogue_overview(db.session)
    return render_template("board/data.html", overview=overview, shows_demo=overview.includes_demo)


def _import_page(
    form: imports.ImportForm, outcome: ImportOutcome | None, report: dict[str, Any] | None = None
) -> str:
    return render_template(
        "board/import_vacancies.html",
        form=form,
        outcome=outcome,
        report=report,
        columns=board_data.COLUMN_HELP,
        limit=imports.megabytes(board_data.UPLOAD_MAX_BYTES),
        **imports.problem_rows(outcome),
    )


imports.register_upload(
    bp,
    "board.import_vacancies",
    "board",
    board_data.UPLOAD_MAX_BYTES,
    lambda form: _import_page(form, None),
)


@bp.route("/data/import-vacancies", methods=["GET", "POST"])
@role_required("board")
def import_vacancies() -> ResponseReturnValue:
    """Import vacancies for the whole area from a file: all rows or none, or the valid rows."""
    form = imports.ImportForm()
    if request.method == "GET":
        return _import_page(form, None, imports.take_report(_IMPORT_REPORT_KEY))
    received = imports.receive(
        form,
        "Select a CSV or JSON Lines file of vacancies",
        lambda path, skip_invalid: board_data.import_vacancy_file(
            db.session, path, skip_invalid, Path(current_app.config["DATA_DIR"])
        ),
    )
    if received is None:
        return _import_page(form, None)
    name, outcome = received
    if outcome.imported:
        auditing.record(
            "import-vacancies",
            "vacancy",
            None,
            read=outcome.read,
            loaded=outcome.loaded,
            present=outcome.present,
            skipped=outcome.skipped,
        )
        db.session.commit()
        imports.keep_report(_IMPORT_REPORT_KEY, name, outcome)
        return redirect(url_for("board.import_vacancies"), code=_SEE_OTHER)
    imports.refuse(form, name, outcome)
    return _import_page(form, outcome)


@bp.get("/data/import-vacancies/csv-template")
@role_required("board")
def import_vacancies_template() -> Response:
    """Download a CSV template with the columns a vacancy import takes."""
    return Response(
        board_data.vacancy_template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="skillsmatch-vacancies.csv"'},
    )


# -- the method, the audit log -------------------------------------------------------------------


@bp.get("/methodology")
@role_required("board")
def methodology() -> ResponseReturnValue:
    """Explain in plain English how the gap report counts demand, supply and gaps."""
    parameters = GapParameters()
    return render_template(
        "board/methodology.html", rules=method.rules(parameters), parameters=parameters
    )


@bp.get("/audit-log")
@role_required("board")
def audit_log() -> ResponseReturnValue:
    """List audit events, newest first, a page at a time, optionally of one action."""
    form = AuditFilterForm(formdata=request.args)
    actions = sorted(db.session.scalars(sa.select(AuditEvent.action).distinct()))
    page = request.args.get("page", 1, type=int)
    context: dict[str, Any] = {"form": form, "actions": [(a, a) for a in actions]}
    if not form.check_action(set(actions)):
        return render_template("board/audit_log.html", events=None, **context), 400
    stmt = sa.select(AuditEvent)
    if form.action.data:
        stmt = stmt.where(AuditEvent.action == form.action.data)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / AUDIT_PAGE))
    if page < 1 or page > pages:
        abort(404)
    events = db.session.scalars(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE)
        .offset((page - 1) * AUDIT_PAGE)
    ).all()
    return render_template(
        "board/audit_log.html",
        events=events,
        total=total,
        page=page,
        pagination=_pagination(
            page, pages, "board.audit_log", {"action": form.action.data} if form.action.data else {}
        ),
        **context,
    )


def utc_time(value: datetime) -> str:
    """An event time in UTC as GOV.UK writes it: 7 September 2026, 14:05 UTC."""
    moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


bp.add_app_template_filter(utc_time, "utc_time")


def _pagination(
    page: int, pages: int, endpoint: str, args: dict[str, str]
) -> dict[str, Any] | None:
    """govukPagination parameters keeping the filters; None for a single page."""
    if pages == 1:
        return None

    def href(number: int) -> str:
        return url_for(endpoint, **args, page=number)

    near = range(max(1, page - 1), min(pages, page + 1) + 1)
    shown = sorted({1, pages, *near})
    items: list[dict[str, Any]] = []
    for before, number_ in zip([0, *shown], shown, strict=False):
        if number_ - before > 1:
            items.append({"ellipsis": True})
        items.append({"number": number_, "href": href(number_), "current": number_ == page})
    return {
        "items": items,
        "previous": {"href": href(page - 1)} if page > 1 else None,
        "next": {"href": href(page + 1)} if page < pages else None,
    }
