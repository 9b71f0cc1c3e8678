"""The ``gap-report`` contract (JSON and CSV, filters, errors) and the snapshot commands."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from gap_factories import AS_OF, SOON, GapWorld

from skillsmatch.extensions import db
from skillsmatch.models import (
    Course,
    CourseOffering,
    CourseSkill,
    District,
    GapSnapshot,
    GapSnapshotRow,
    Provider,
    Skill,
)
from skillsmatch.services.gaps.results import FIGURE_COLUMNS

REQUIRED = {
    "sector",
    "sector_slug",
    "district",
    "skill_uri",
    "skill_label",
    "demand",
    "supply",
    "shortfall",
    "reason",
}


def _scenario(app: Flask) -> None:
    """Care demand in Alpha and Gamma, construction demand in Alpha; one course in Alpha."""
    with app.app_context():
        w = GapWorld(db.session)
        care, sums = w.skill("personal care"), w.skill("=SUM(A1:A9) estimating")
        bricks = w.skill("lay bricks")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [care], headcount=10)
        w.demand(w.employer("Gamma Care", w.care, w.gamma), [care], headcount=4)
        w.demand(
            w.employer("Alpha Build", w.construction, w.alpha),
            [bricks, sums],
            headcount=6,
            title="Bricklayer",
        )
        w.offering(w.course("Care", [care]), w.alpha, places=12)
        db.session.commit()


def _invoke(app: Flask, *args: str) -> Result:
    dated = args[0] != "gap-snapshots"
    return app.test_cli_runner().invoke(
        args=[*args, *(["--as-of", AS_OF.isoformat()] if dated else [])]
    )


def _json(app: Flask, *args: str) -> list[dict[str, Any]]:
    result = _invoke(app, "gap-report", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, list)
    return data


def test_json_lists_every_row_of_every_cell_with_demand(app: Flask) -> None:
    _scenario(app)
    rows = _json(app)
    for row in rows:
        assert REQUIRED <= row.keys()
        assert all(
            isinstance(row[k], int | float) and not isinstance(row[k], bool)
            for k in ("demand", "supply", "shortfall")
        )
    assert {(r["sector_slug"], r["district"]) for r in rows} == {
        ("care", "E07000901"),
        ("care", "E07000903"),
        ("construction", "E07000901"),
    }
    figures = {
        (r["sector"], r["district"], r["skill_label"]): (r["demand"], r["supply"], r["shortfall"])
        for r in rows
    }
    assert figures == {
        ("Care", "E07000901", "personal care"): (10.0, 12, 0.0),
        ("Care", "E07000903", "personal care"): (4.0, 0, 4.0),
        ("Construction", "E07000901", "lay bricks"): (6.0, 0, 6.0),
        ("Construction", "E07000901", "=SUM(A1:A9) estimating"): (6.0, 0, 6.0),
    }
    gamma = next(r for r in rows if r["district"] == "E07000903")
    assert (
        gamma["reason"]
        == "No course in reach of Gamma teaches personal care. It is taught in Alpha."
    )
    assert gamma["sector_slug"] == "care" and gamma["district_name"] == "Gamma"


def test_filters_accept_a_sector_slug_or_name_and_a_district_code(app: Flask) -> None:
    _scenario(app)
    by_slug = _json(app, "--sector", "care")
    assert {r["district"] for r in by_slug} == {"E07000901", "E07000903"}
    assert _json(app, "--sector", "CARE") == by_slug
    assert _json(app, "--sector", "Construction") == _json(app, "--sector", "construction")
    alpha = _json(app, "--district", "E07000901")
    assert {(r["sector_slug"], r["skill_label"]) for r in alpha} == {
        ("care", "personal care"),
        ("construction", "lay bricks"),
        ("construction", "=SUM(A1:A9) estimating"),
    }
    both = _json(app, "--sector", "care", "--district", "e07000901")
    assert [(r["sector_slug"], r["district"]) for r in both] == [("care", "E07000901")]
    # A known district without demand in the sector: no rows, not an error.
    assert _json(app, "--sector", "construction", "--district", "E07000904") == []


def test_csv_has_a_header_the_same_columns_and_no_formulas(app: Flask) -> None:
    _scenario(app)
    result = _invoke(app, "gap-report", "--format", "csv", "--sector", "construction")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.output)))
    assert result.output.splitlines()[0].split(",") == list(FIGURE_COLUMNS)
    by_json = _json(app, "--sector", "construction")
    assert [r["skill_uri"] for r in table] == [r["skill_uri"] for r in by_json]
    assert [(float(r["demand"]), int(r["supply"]), float(r["shortfall"])) for r in table] == [
        (r["demand"], r["supply"], r["shortfall"]) for r in by_json
    ]
    labels = {r["skill_label"] for r in table}
    assert labels == {"lay bricks", "'=SUM(A1:A9) estimating"}
    formula = next(r for r in table if r["skill_label"].startswith("'"))
    assert formula["reason"].startswith("No course in reach of Alpha teaches =SUM")


def test_unknown_sector_or_district_is_a_clear_error(app: Flask) -> None:
    _scenario(app)
    result = _invoke(app, "gap-report", "--sector", "farming")
    assert result.exit_code == 2
    assert "unknown sector 'farming'" in result.output
    assert "care (Care); construction (Construction)" in result.output
    result = _invoke(app, "gap-report", "--district", "E99999999")
    assert result.exit_code == 2
    assert "unknown district code 'E99999999'" in result.output
    assert "E07000901 (Alpha)" in result.output and "E07000904 (Delta)" in result.output
    result = _invoke(app, "gap-report", "--format", "xml")
    assert result.exit_code == 2 and "'xml' is not one of 'json', 'csv'" in result.output


def test_no_demand_gives_an_empty_list_and_a_bare_header(app: Flask) -> None:
    with app.app_context():
        GapWorld(db.session)
        db.session.commit()
    assert _json(app) == []
    result = _invoke(app, "gap-report", "--format", "csv")
    assert result.exit_code == 0 and result.output == ",".join(FIGURE_COLUMNS) + "\n"


def test_gap_snapshot_stores_a_snapshot_and_reports_change_since_the_last(app: Flask) -> None:
    _scenario(app)
    first = _invoke(app, "gap-snapshot", "--label", "2027 Q1")
    assert first.exit_code == 0, first.output
    assert '"2027 Q1" as of 2027-01-04' in first.output
    assert "3 rows short by 16 of 26 demanded, in 2 of 8 sector x district cells" in first.output
    assert "No earlier snapshot to compare with." in first.output

    with app.app_context():
        gamma = db.session.scalar(sa.select(District).where(District.code == "E07000903"))
        care = db.session.scalar(sa.select(Skill).where(Skill.label == "personal care"))
        course = Course(reference="ST9001", kind="apprenticeship", title="Care in Gamma", level=2)
        course.skills = [CourseSkill(skill=care, provenance="ksb", score=0.9)]
        course.offerings = [
            CourseOffering(
                provider=Provider(name="Gamma College", district=gamma),
                district=gamma,
                mode="in-person",
                places=5,
                start_dates=[SOON],
            )
        ]
        db.session.add(course)
        db.session.commit()

    second = _invoke(app, "gap-snapshot", "--label", "2027 Q2")
    assert second.exit_code == 0, second.output
    assert 'Since "2027 Q1" (2027-01-04' in second.output
    assert "0 new gaps, 1 closed, 0 changed; total shortfall 16 -> 12." in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GapSnapshot)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GapSnapshotRow)) == 8

    listing = _invoke(app, "gap-snapshots")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert len(lines) == 2 and lines[0].endswith("2027 Q2") and lines[1].endswith("2027 Q1")
