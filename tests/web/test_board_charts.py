"""The board's charts, URL ids and rules in words, without a database."""

from __future__ import annotations

import uuid

import pytest
from boardtest import chart_values

from skillsmatch.services.gaps import Cell, GapParameters, GapRow, Rollup
from skillsmatch.services.gaps.snapshots import CellChange
from web.board import charts, keys, method


def _cell(
    sector: str, district: str, demand: float, shortfall: float, working_age: int = 10_000
) -> Cell:
    return Cell(
        sector_slug=sector.lower(),
        sector_name=sector,
        district_code=f"E0{district}",
        district_name=district,
        working_age=working_age,
        headcount=demand,
        demand=demand,
        usable_supply=demand - shortfall,
        shortfall=shortfall,
        skills=1,
        gap_skills=int(shortfall > 0),
        demand_items=1 if demand else 0,
        pathway_gaps=0,
        learners_interested=0,
    )


def _row(skill: str, demand: float, usable: float) -> GapRow:
    return GapRow(
        sector_slug="care",
        sector_name="Care",
        district_code="E01",
        district_name="Alpha",
        skill_uri=f"{keys.ESCO_SKILL}{skill}",
        skill_label=skill,
        demand=demand,
        demand_essential=demand,
        demand_optional=0.0,
        demand_levels={"any": demand},
        other_sectors_demand=0.0,
        supply=int(usable),
        supply_level_mismatch=0,
        supply_outside_window=0,
        usable_supply=usable,
        shortfall=demand - usable,
        pipeline=0,
        reason_code="capacity",
        reason=f"Courses exist but {int(usable)} places.",
    )


CELLS = [
    _cell("Care", "Alpha", 20, 15),
    _cell("Care", "Beta", 0, 0),
    _cell("Construction", "Alpha", 8, 0),
    _cell("Construction", "Beta", 40, 10, working_age=40_000),
]
ROWS = [_row("lay bricks", 40, 30), _row("lift safely", 20, 5)]
ROLLUPS = [
    Rollup(key="digital", label="Digital skills", demand=12, usable_supply=3, shortfall=9),
    Rollup(key="green", label="Green skills", demand=4, usable_supply=4, shortfall=0),
    Rollup(key="transversal", label="Transversal (soft and basic) skills"),
]
DISTRICTS = [
    Rollup(
        key="E01",
        label="Alpha",
        demand=28,
        shortfall=15,
        extra={"working_age": 10_000, "shortfall_per_10k": 15.0},
    ),
    Rollup(
        key="E02",
        label="Beta",
        demand=40,
        shortfall=10,
        extra={"working_age": 40_000, "shortfall_per_10k": 2.5},
    ),
]
CHANGES = [
    CellChange("care", "Care", "E01", "Alpha", 15.0, 3.0, 0.75, 0.15),
    CellChange("construction", "Construction", "E02", "Beta", 0.0, 10.0, None, 0.25),
]

FIGURES = {
    "heatmap": lambda: charts.heatmap(CELLS),
    "top gaps": lambda: charts.top_gaps(ROWS),
    "coverage": lambda: charts.coverage(
        ROLLUPS, "c", "Collections", "ESCO collection", ranked=False
    ),
    "per 10k": lambda: charts.per_10k(DISTRICTS),
    "cell changes": lambda: charts.cell_changes(CHANGES),
    "empty heatmap": lambda: charts.heatmap([]),
    "no gaps": lambda: charts.top_gaps([]),
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_chart_is_a_valid_vega_lite_spec_with_a_description(name: str) -> None:
    figure = FIGURES[name]()
    spec = figure.spec(validate=True)  # raises if the spec breaks the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert spec["width"] == "container" and "The table after" in spec["description"]
    assert figure.summary.endswith(".")
    # A chart with nothing to draw is left out of the page (its table and summary stay).
    assert figure.has_data == (not name.startswith(("empty", "no ")))


def test_the_heatmap_carries_each_cells_severity_and_says_which_is_worst() -> None:
    figure = charts.heatmap(CELLS)
    values = {
        (v["sector"], v["district"]): (v["severity"], v["label"])
        for v in chart_values(figure.spec())
    }
    assert values == {
        ("Care", "Alpha"): (0.75, "75%"),
        ("Care", "Beta"): (None, "–"),
        ("Construction", "Alpha"): (0.0, "0%"),
        ("Construction", "Beta"): (0.25, "25%"),
    }
    assert figure.summary == (
        "3 of the 4 sector and district cells have employer demand and 2 of them have a gap. "
        "Across all of them 37% of the skill needs (25 of 68) have no course place in reach. "
        "The most severe is Care in Alpha, where 75% of 20 skill needs are unmet."
    )
    assert charts.heatmap([]).summary == (
        "None of the 0 sector and district cells has employer demand yet."
    )


def test_bars_split_demand_into_met_and_shortfall() -> None:
    figure = charts.top_gaps(ROWS)
    values = chart_values(figure.spec())
    assert [(v["gap"], v["part"], v["people"]) for v in values] == [
        ("lay bricks (Care, Alpha)", "Met by courses in reach", 30),
        ("lay bricks (Care, Alpha)", "Shortfall", 10),
        ("lift safely (Care, Alpha)", "Met by courses in reach", 5),
        ("lift safely (Care, Alpha)", "Shortfall", 15),
    ]
    assert figure.summary.startswith(
        "The largest gap is lay bricks for Care in Alpha: 40 people need it and 30 usable course "
        "places are in reach, a shortfall of 10."
    )
    assert figure.summary.endswith("The 2 largest gaps listed here add up to a shortfall of 25.")


def test_summaries_of_roll_ups_and_rates() -> None:
    coverage = charts.coverage(ROLLUPS, "c", "Collections", "ESCO collection", ranked=False)
    assert coverage.summary == (
        "Digital skills (75% of 12 skill needs unmet); Green skills (0% of 4 skill needs unmet). "
        "Nothing demanded falls in Transversal (soft and basic) skills."
    )
    assert [v["group"] for v in chart_values(coverage.spec())] == [
        "Digital skills",
        "Digital skills",
        "Green skills",
        "Green skills",
    ]
    rate = charts.per_10k(DISTRICTS)
    assert rate.summary == (
        "For its working-age population, Alpha has the largest shortfall: 15 skill needs unmet "
        "per 10,000 working-age residents, against 2.5 in Beta, the smallest."
    )
    change = charts.cell_changes(CHANGES)
    assert change.summary == (
        "The shortfall grew in 1 cell and shrank in 1. The largest change is Care in Alpha: "
        "from 15 to 3 skill needs unmet."
    )


def test_amounts_read_as_people_and_places() -> None:
    assert [charts.amount(v) for v in (12.0, 12.5, 14956.5, 1234.0, None)] == [
        "12",
        "12.5",
        "14,956.5",
        "1,234",
        "–",
    ]
    assert [charts.percent(v) for v in (0.0, 0.836, 1.0, None)] == [
        "0%",
        "84%",
        "100%",
        "no demand",
    ]


# -- ids in URLs ---------------------------------------------------------------------------------


def test_an_esco_skill_keeps_its_own_uuid_and_other_ids_are_stable() -> None:
    esco = "0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert keys.skill_id(keys.ESCO_SKILL + esco) == uuid.UUID(esco)
    other = keys.skill_id("http://example.org/skill/welding")
    assert other.version == 5 and other == keys.skill_id("http://example.org/skill/welding")
    assert keys.sector_id("care") == uuid.uuid5(keys.NAMESPACE, "sector/care")
    assert keys.sector_id("care") != keys.district_id("care")
    assert len({keys.district_id(f"E0700007{n}") for n in range(10)}) == 10


# -- the rules in words --------------------------------------------------------------------------


def test_the_rules_follow_the_parameters() -> None:
    default = {r.key: r.text for r in method.rules(GapParameters())}
    assert default["horizon"].startswith("Demand is counted over the next 12 months.")
    assert (
        "needs 10 people over 24 months counts as needing 5 within that time"
        in (default["horizon"])
    )
    assert "Each live vacancy counts as 1 person." in default["vacancies"]
    assert "until its closing date" in default["vacancies"]
    assert "at least 50% of their words" in default["deduplication"]
    assert "same district, in a neighbouring district" in default["reach"]
    assert (
        "in the next 12 months. Courses that have not published start dates count"
        in (default["intake"])
    )
    assert "at least one of its essential skills" in default["pathways"]

    changed = {
        r.key: r.text
        for r in method.rules(
            GapParameters(
                horizon_months=3,
                vacancy_headcount=2,
                vacancy_grace_days=7,
                title_overlap=0.75,
                intake_window_months=6,
                count_undated_offerings=False,
                max_levels_above=2,
                pathway_min_share=0.5,
                supply_provenances=("ksb", "confirmed"),
                min_course_skill_score=0.4,
            )
        )
    }
    assert "needs 10 people over 6 months counts as needing 5" in changed["horizon"]
    assert "counts as 2 people" in changed["vacancies"]
    assert "until 7 days after its closing date" in changed["vacancies"]
    assert "at least 75% of their words" in changed["deduplication"]
    assert (
        "in the next 6 months. Courses that have not published start dates do not count"
        in (changed["intake"])
    )
    assert (
        "up to 2 levels below it: a level 4 course counts for demand at level 2, a level 5"
        in (changed["levels"])
    )
    assert "at least 50% of its essential skills" in changed["pathways"]
    assert changed["skills"] == (
        "A course teaches a skill when it is among the knowledge, skills and behaviours its "
        "apprenticeship standard publishes and skills the course provider has confirmed. Skills "
        "found in a course's text count only with a match score of at least 0.4."
    )
