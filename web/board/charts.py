"""The board's charts: Vega-Lite specs built with Altair, each with a one-paragraph summary.

A page shows every chart beside a table of the same figures, so the chart is never the only
way to read them: the summary says what it shows in words, the table gives every number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt

from skillsmatch.services.gaps import Cell, GapRow, Rollup
from skillsmatch.services.gaps.reasons import join_words, number
from skillsmatch.services.gaps.snapshots import CellChange

# GOV.UK colours: blue for what courses meet, orange for what they do not (a pair that
# colour-blind readers tell apart), light grey for cells without demand.
MET, SHORT, EMPTY, TEXT = "#1d70b8", "#f47738", "#f3f2f1", "#0b0c0c"
FONT = "arial, sans-serif"
BAR_HEIGHT = 28
# Charts show the largest few; their tables list everything.
TOP_BARS = 15


@dataclass(frozen=True)
class Figure:
    """A chart: its element id, the Vega-Lite spec and the paragraph that says what it shows."""

    id: str
    title: str
    summary: str
    chart: alt.TopLevelMixin

    @property
    def has_data(self) -> bool:
        """Whether there is anything to draw: an empty chart is left out, the table says so."""
        return bool(_values(self.chart))

    def spec(self, validate: bool = False) -> dict[str, Any]:
        """The Vega-Lite spec (schema validation is for tests: it costs ~25 ms a chart)."""
        return self.chart.to_dict(validate=True) if validate else self._spec

    @cached_property
    def _spec(self) -> dict[str, Any]:
        return self.chart.to_dict(validate=False)


def percent(share: float | None) -> str:
    return "no demand" if share is None else f"{round(share * 100)}%"


def amount(value: float | None) -> str:
    """A figure as the pages write it: 1,234 for whole numbers, 1,234.5 otherwise."""
    if value is None:
        return "–"
    return f"{value:,.1f}" if "." in number(value) else f"{round(value):,}"


def _finish(
    chart: alt.TopLevelMixin, values: list[dict[str, Any]], description: str, height: int
) -> alt.TopLevelMixin:
    finished = (
        chart.properties(width="container", height=height, description=description)
        .configure(font=FONT)
        .configure_axis(labelFontSize=13, titleFontSize=14, labelColor=TEXT, titleColor=TEXT)
        .configure_legend(labelFontSize=13, titleFontSize=14)
        .configure_view(stroke=None)
    )
    # The rows go in last: Altair deep-copies a chart's data at every step that builds it.
    finished.data = alt.Data(values=values)
    return finished


def _values(chart: alt.TopLevelMixin) -> list[dict[str, Any]]:
    """The inline rows of a chart (a layered chart holds them at its top or in its layers)."""
    for source in (chart, *getattr(chart, "layer", [])):
        values = getattr(getattr(source, "data", alt.Undefined), "values", alt.Undefined)
        if values is not alt.Undefined:
            return list(values)
    return []


# -- sector x district heatmap -------------------------------------------------------------------


def heatmap(cells: Sequence[Cell], figure_id: str = "heatmap") -> Figure:
    """Gap severity (share of demand with no usable course place) per sector x district."""
    values = [
        {
            "sector": c.sector_name,
            "district": c.district_name,
            "severity": c.severity,
            "label": "–" if c.severity is None else percent(c.severity),
            "shortfall": c.shortfall,
            "demand": c.demand,
            "per_10k": c.shortfall_per_10k,
        }
        for c in cells
    ]
    sectors = sorted({c.sector_name for c in cells})
    districts = sorted({c.district_name for c in cells})
    base = alt.Chart().encode(
        x=alt.X(
            "sector:N",
            title="Sector",
            sort=sectors,
            axis=alt.Axis(
                orient="top",
                labelAngle=0,
                labelLimit=0,
                labelBaseline="line-bottom",
                labelPadding=14,
                # "Advanced Manufacturing & Engineering" on two lines.
                labelExpr="split(replace(datum.label, ' & ', ' &|'), '|')",
            ),
        ),
        y=alt.Y("district:N", title="District", sort=districts),
    )
    background = base.mark_rect(color=EMPTY, stroke="white", strokeWidth=2)
    cells_shaded = (
        base.mark_rect(stroke="white", strokeWidth=2)
        .encode(
            color=alt.Color(
                "severity:Q",
                title="Share of demand unmet",
                scale=alt.Scale(domain=[0, 1], scheme="orangered"),
                legend=alt.Legend(
                    format=".0%",
                    orient="bottom",
                    gradientLength=320,
                    values=[0, 0.25, 0.5, 0.75, 1],
                ),
            ),
            tooltip=[
                alt.Tooltip("sector:N", title="Sector"),
                alt.Tooltip("district:N", title="District"),
                alt.Tooltip("severity:Q", title="Unmet", format=".0%"),
                alt.Tooltip("shortfall:Q", title="Shortfall", format=",.1f"),
                alt.Tooltip("per_10k:Q", title="Per 10,000 working-age", format=",.1f"),
            ],
        )
        .transform_filter("isValid(datum.severity)")
    )
    labels = base.mark_text(fontSize=13).encode(
        text="label:N",
        color=alt.condition("datum.severity > 0.55", alt.value("white"), alt.value(TEXT)),
    )
    chart = _finish(
        alt.layer(background, cells_shaded, labels),
        values,
        "Heatmap of the share of skill demand with no course place in reach, by sector and "
        "district. The table after the chart gives the same figures.",
        height=max(len(districts), 1) * 34,
    )
    return Figure(figure_id, "Gap severity by sector and district", heatmap_summary(cells), chart)


def heatmap_summary(cells: Sequence[Cell]) -> str:
    with_demand = [c for c in cells if c.demand > 0]
    with_gap = [c for c in with_demand if c.shortfall > 0]
    if not with_demand:
        return f"None of the {len(cells)} sector and district cells has employer demand yet."
    demand = sum(c.demand for c in with_demand)
    shortfall = sum(c.shortfall for c in with_demand)
    text = (
        f"{len(with_demand)} of the {len(cells)} sector and district cells have employer "
        f"demand and {len(with_gap)} of them have a gap. Across all of them "
        f"{percent(shortfall / demand)} of the skill needs ({amount(shortfall)} of "
        f"{amount(demand)}) have no course place in reach."
    )
    if with_gap:
        worst = max(with_gap, key=lambda c: (c.severity or 0.0, c.shortfall))
        text += (
            f" The most severe is {worst.sector_name} in {worst.district_name}, where "
            f"{percent(worst.severity)} of {amount(worst.demand)} skill needs are unmet."
        )
    return text


# -- rows: the largest gaps, one skill's gaps ----------------------------------------------------


def row_label(row: GapRow, *, sector: bool = True, district: bool = True) -> str:
    where = [w for w, shown in ((row.sector_name, sector), (row.district_name, district)) if shown]
    return f"{row.skill_label} ({', '.join(where)})" if where else row.skill_label


def top_gaps(
    rows: Sequence[GapRow],
    figure_id: str = "top-gaps",
    *,
    sector: bool = True,
    district: bool = True,
) -> Figure:
    """Bars of the largest shortfalls: what courses in reach meet and what they do not."""
    shown = list(rows[:TOP_BARS])
    values = []
    for r in shown:
        label = row_label(r, sector=sector, district=district)
        values.append(
            {"gap": label, "part": "Met by courses in reach", "people": r.usable_supply, "order": 0}
        )
        values.append({"gap": label, "part": "Shortfall", "people": r.shortfall, "order": 1})
    chart = _finish(
        _stacked(
            "gap",
            [row_label(r, sector=sector, district=district) for r in shown],
            "People needing the skill",
        ),
        values,
        "Bar chart of the largest skill gaps: people needing each skill, split into those "
        "course places in reach can meet and the shortfall. The table after it lists them.",
        height=max(len(shown), 1) * BAR_HEIGHT,
    )
    return Figure(figure_id, "Largest gaps", top_gaps_summary(rows), chart)


def top_gaps_summary(rows: Sequence[GapRow]) -> str:
    if not rows:
        return "No skill in this report has a shortfall: course places in reach meet the demand."
    first = rows[0]
    text = (
        f"The largest gap is {first.skill_label} for {first.sector_name} in "
        f"{first.district_name}: {number(first.demand)} people need it and "
        f"{number(first.usable_supply)} usable course places are in reach, a shortfall of "
        f"{number(first.shortfall)}. {first.reason}"
    )
    if len(rows) > 1:
        text += (
            f" The {len(rows)} largest gaps listed here add up to a shortfall of "
            f"{amount(sum(r.shortfall for r in rows))}."
        )
    return text


# -- roll-ups: collections, skill groups, sectors, districts -------------------------------------


def _stacked(field: str, order: list[str], title: str) -> alt.Chart:
    return (
        alt.Chart()
        .mark_bar()
        .encode(
            y=alt.Y(f"{field}:N", title=None, sort=order, axis=alt.Axis(labelLimit=400)),
            x=alt.X("sum(people):Q", title=title, stack="zero"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(
                    domain=["Met by courses in reach", "Shortfall"], range=[MET, SHORT]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{field}:N", title="Group"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("people:Q", title="Skill needs", format=",.1f"),
            ],
        )
    )


def coverage(
    rollups: Sequence[Rollup], figure_id: str, title: str, what: str, ranked: bool = True
) -> Figure:
    """Stacked bars of skill needs met and unmet per group (collection, skill group, sector).

    ``ranked``: the groups come largest shortfall first (not so for the fixed collections).
    """
    shown = [r for r in rollups if r.demand > 0][:TOP_BARS]
    values = []
    for r in shown:
        values.append(
            {
                "group": r.label,
                "part": "Met by courses in reach",
                "people": r.usable_supply,
                "order": 0,
            }
        )
        values.append({"group": r.label, "part": "Shortfall", "people": r.shortfall, "order": 1})
    chart = _finish(
        _stacked("group", [r.label for r in shown], "Skill needs"),
        values,
        f"Bar chart of skill needs by {what}, split into those course places in reach can meet "
        "and the shortfall. The table after it gives the same figures.",
        height=max(len(shown), 1) * BAR_HEIGHT,
    )
    return Figure(figure_id, title, coverage_summary(rollups, what, ranked), chart)


def coverage_summary(rollups: Sequence[Rollup], what: str, ranked: bool = True) -> str:
    with_demand = [r for r in rollups if r.demand > 0]
    if not with_demand:
        return f"No skill need in this report falls in any {what}."
    parts = [
        f"{r.label} ({percent(r.severity)} of {amount(r.demand)} skill needs unmet)"
        for r in with_demand[:3]
    ]
    if len(with_demand) == 1:
        only = with_demand[0]
        text = (
            f"All {amount(only.demand)} skill needs counted here are in {only.label}, and "
            f"{percent(only.severity)} of them are unmet."
        )
    elif ranked:
        text = f"The largest shortfalls are in {join_words(parts)}."
    else:
        text = f"{'; '.join(parts)}."
    none = [r.label for r in rollups if r.demand == 0]
    if none:
        text += f" Nothing demanded falls in {join_words(none)}."
    return text


def per_10k(rollups: Sequence[Rollup], figure_id: str = "per-10k") -> Figure:
    """Bars of the shortfall per 10,000 working-age residents, by district."""
    values = [
        {
            "district": r.label,
            "per_10k": r.extra.get("shortfall_per_10k") or 0.0,
            "shortfall": r.shortfall,
            "working_age": r.extra.get("working_age", 0),
        }
        for r in rollups
    ]
    values.sort(key=lambda v: (-v["per_10k"], v["district"]))
    chart = _finish(
        alt.Chart()
        .mark_bar(color=SHORT)
        .encode(
            y=alt.Y("district:N", title=None, sort=[v["district"] for v in values]),
            x=alt.X("per_10k:Q", title="Shortfall per 10,000 working-age residents"),
            tooltip=[
                alt.Tooltip("district:N", title="District"),
                alt.Tooltip("per_10k:Q", title="Per 10,000", format=",.1f"),
                alt.Tooltip("shortfall:Q", title="Shortfall", format=",.1f"),
            ],
        ),
        values,
        "Bar chart of the shortfall of skill needs per 10,000 working-age residents in each "
        "district. The table after it gives the same figures.",
        height=max(len(values), 1) * BAR_HEIGHT,
    )
    return Figure(
        figure_id, "Shortfall per 10,000 working-age residents", per_10k_summary(values), chart
    )


def per_10k_summary(values: list[dict[str, Any]]) -> str:
    if not values or values[0]["per_10k"] <= 0:
        return "No district has a shortfall."
    high, low = values[0], values[-1]
    text = (
        f"For its working-age population, {high['district']} has the largest shortfall: "
        f"{amount(high['per_10k'])} skill needs unmet per 10,000 working-age residents"
    )
    if low is not high:
        text += f", against {amount(low['per_10k'])} in {low['district']}, the smallest"
    return text + "."


# -- change since the last snapshot --------------------------------------------------------------


def cell_changes(changes: Sequence[CellChange], figure_id: str = "cell-changes") -> Figure:
    """Bars of the change in shortfall per sector x district, largest change first."""
    shown = list(changes[:TOP_BARS])
    values = [
        {
            "cell": f"{c.sector_name}, {c.district_name}",
            "change": c.change,
            "direction": "Grew" if c.change > 0 else "Shrank",
        }
        for c in shown
    ]
    chart = _finish(
        alt.Chart()
        .mark_bar()
        .encode(
            y=alt.Y(
                "cell:N",
                title=None,
                sort=[v["cell"] for v in values],
                axis=alt.Axis(labelLimit=400),
            ),
            x=alt.X("change:Q", title="Change in shortfall (skill needs)"),
            color=alt.Color(
                "direction:N",
                title=None,
                scale=alt.Scale(domain=["Grew", "Shrank"], range=[SHORT, MET]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("cell:N", title="Cell"),
                alt.Tooltip("change:Q", title="Change", format="+,.1f"),
            ],
        ),
        values,
        "Bar chart of how the shortfall changed in each sector and district cell since the "
        "earlier snapshot. The table after it gives the same figures.",
        height=max(len(shown), 1) * BAR_HEIGHT,
    )
    return Figure(figure_id, "Change by sector and district", cell_changes_summary(changes), chart)


def cell_changes_summary(changes: Sequence[CellChange]) -> str:
    if not changes:
        return "No sector and district cell's shortfall changed."
    grew = [c for c in changes if c.change > 0]
    shrank = [c for c in changes if c.change < 0]
    first = changes[0]
    return (
        f"The shortfall grew in {len(grew)} cell{'' if len(grew) == 1 else 's'} and shrank in "
        f"{len(shrank)}. The largest "
        f"change is {first.sector_name} in {first.district_name}: from "
        f"{amount(first.old_shortfall)} to {amount(first.new_shortfall)} skill needs unmet."
    )
