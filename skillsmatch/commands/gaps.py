"""Skill gap reports for the skills board: the current gap rows, and stored snapshots."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import click
from flask.cli import with_appcontext

from skillsmatch.extensions import db
from skillsmatch.services.gaps import (
    GapParameters,
    UnknownSelection,
    build_report,
    diff_snapshots,
    list_snapshots,
    previous_snapshot,
    resolve_district,
    resolve_sector,
    save_snapshot,
)
from skillsmatch.services.gaps.reasons import number
from skillsmatch.services.gaps.results import FIGURE_COLUMNS

# Cells a spreadsheet would run as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_as_of_option = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date the report describes (live vacancies, upcoming intakes); default today.",
)


def _parameters(as_of: datetime | None) -> GapParameters:
    return GapParameters(as_of=as_of.date()) if as_of else GapParameters()


def safe_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def rows_as_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row[c]) for c in columns])
    return buffer.getvalue()


@click.command("gap-report")
@click.option("--sector", help="Only this sector: its slug (e.g. care) or its name.")
@click.option("--district", help="Only this district: its ONS code (e.g. E07000070).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="JSON: a list of row objects; CSV: a header row and one line per row.",
)
@_as_of_option
@with_appcontext
def gap_report(sector: str | None, district: str | None, fmt: str, as_of: datetime | None) -> None:
    """Print demand, supply, shortfall and why, per sector x district x skill with demand."""
    try:
        sector_slug = resolve_sector(db.session, sector).slug if sector is not None else None
    except UnknownSelection as exc:
        raise click.BadParameter(str(exc), param_hint="'--sector'") from None
    try:
        district_code = (
            resolve_district(db.session, district).code if district is not None else None
        )
    except UnknownSelection as exc:
        raise click.BadParameter(str(exc), param_hint="'--district'") from None
    report = build_report(db.session, _parameters(as_of))
    rows = [r.figures() for r in report.rows(sector=sector_slug, district=district_code)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        click.echo(rows_as_csv(rows, list(FIGURE_COLUMNS)), nl=False)


@click.command("gap-snapshot")
@click.option("--label", default="", help='A name for the snapshot, e.g. "2026 Q4".')
@_as_of_option
@with_appcontext
def gap_snapshot(label: str, as_of: datetime | None) -> None:
    """Build the gap report, store it as a dated, immutable snapshot and summarise it."""
    report = build_report(db.session, _parameters(as_of))
    snapshot = save_snapshot(db.session, report, label)
    db.session.commit()
    s = report.summary
    title = f' "{snapshot.label}"' if snapshot.label else ""
    demo = " (includes demo data)" if snapshot.includes_demo else ""
    click.echo(f"Stored gap snapshot {snapshot.public_id}{title} as of {snapshot.as_of}{demo}.")
    click.echo(
        f"  Demand: {s['demand_items']} items ({s['skill_demands']} employer demands, "
        f"{s['vacancies_live']} live vacancies of which {s['vacancies_merged']} merged into a "
        f"demand); {s['rows']} sector x district x skill rows."
    )
    cells = len(report.cells)
    click.echo(
        f"  Gaps: {s['gap_rows']} rows short by {number(s['shortfall'])} of "
        f"{number(s['demand'])} demanded, in {s['cells_with_gaps']} of {cells} sector x district "
        f"cells; {s['pathway_gaps']} demands or vacancies with no course pathway in reach."
    )
    top = report.top_gaps(5)
    if top:
        click.echo("  Top gaps:")
        for row in top:
            click.echo(
                f"    {row.sector_name}, {row.district_name}, {row.skill_label}: "
                f"short by {number(row.shortfall)}. {row.reason}"
            )
    previous = previous_snapshot(db.session, snapshot)
    if previous is None:
        click.echo("  No earlier snapshot to compare with.")
        return
    change = diff_snapshots(db.session, previous, snapshot)
    named = f'"{previous.label}" ' if previous.label else ""
    click.echo(
        f"  Since {named}({previous.as_of}, stored {previous.created_at:%Y-%m-%d %H:%M}): "
        f"{len(change.new_gaps)} new gaps, {len(change.closed_gaps)} closed, "
        f"{len(change.changed)} changed; total shortfall {number(change.old_shortfall)} -> "
        f"{number(change.new_shortfall)}."
    )


@click.command("gap-snapshots")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def gap_snapshots(limit: int) -> None:
    """List stored gap snapshots, newest first."""
    snapshots = list_snapshots(db.session, limit)
    if not snapshots:
        click.echo("No gap snapshots yet: run `skillsmatch gap-snapshot`.")
    for snap in snapshots:
        s = snap.summary
        click.echo(
            f"{snap.public_id}  {snap.created_at:%Y-%m-%d %H:%M}  as of {snap.as_of}  "
            f"{s.get('gap_rows', 0)} gaps, shortfall {number(s.get('shortfall', 0.0))}  "
            f"{snap.label}"
        )


COMMANDS = [gap_report, gap_snapshot, gap_snapshots]
