"""What a gap report is made of: rows, the sources behind them and roll-ups.

The same types come out of a report built from live data and of a stored snapshot, so that a
page renders either the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Why a (sector, district, skill) has the figures it has; ``reason`` says it in words.
NO_COURSE = "no-course"
NO_INTAKE = "no-intake"
LEVEL = "level"
CAPACITY = "capacity"
COVERED = "covered"
REASON_CODES = (NO_COURSE, NO_INTAKE, LEVEL, CAPACITY, COVERED)

# Offering intake status relative to the report's intake window.
IN_WINDOW = "in window"
UNDATED = "dates not published"
OUTSIDE_WINDOW = "no intake in window"


@dataclass(frozen=True)
class DemandRef:
    """How much one demand item adds to a row."""

    key: int
    contribution: float


@dataclass(frozen=True)
class SupplyRef:
    """One course offering in reach that teaches a row's skill, and whether its places count."""

    key: int
    places: int
    fits_level: bool
    travel: str
    counted: bool


@dataclass(frozen=True)
class GapRow:
    """Demand, supply and shortfall for one (sector, district, skill), with the reason in words.

    ``demand`` is in people (weighted: an optional skill counts ``optional_weight`` of a person);
    ``supply`` is the places in reach with an intake and at a level that fits some of the demand;
    ``usable_supply`` is the part of it that fits the demand's levels, capped at the demand;
    ``shortfall = demand - usable_supply``.
    """

    sector_slug: str
    sector_name: str
    district_code: str
    district_name: str
    skill_uri: str
    skill_label: str
    demand: float
    demand_essential: float
    demand_optional: float
    demand_levels: dict[str, float]
    other_sectors_demand: float
    supply: int
    supply_level_mismatch: int
    supply_outside_window: int
    usable_supply: float
    shortfall: float
    pipeline: int
    reason_code: str
    reason: str
    skill_groups: tuple[tuple[str, str], ...] = ()
    is_digital: bool = False
    is_green: bool = False
    is_transversal: bool = False
    demand_refs: tuple[DemandRef, ...] = ()
    supply_refs: tuple[SupplyRef, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sector_slug, self.district_code, self.skill_uri)

    @property
    def is_gap(self) -> bool:
        return self.shortfall > 0

    def figures(self) -> dict[str, Any]:
        """The row without its references: what a table or an export shows (``FIGURE_COLUMNS``)."""
        values = {
            "sector": self.sector_name,
            "sector_slug": self.sector_slug,
            "district": self.district_code,
            "district_name": self.district_name,
            "skill_uri": self.skill_uri,
            "skill_label": self.skill_label,
            "demand": self.demand,
            "supply": self.supply,
            "shortfall": self.shortfall,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "usable_supply": self.usable_supply,
            "supply_level_mismatch": self.supply_level_mismatch,
            "supply_outside_window": self.supply_outside_window,
            "demand_essential": self.demand_essential,
            "demand_optional": self.demand_optional,
            "demand_levels": sorted(self.demand_levels),
            "other_sectors_demand": self.other_sectors_demand,
            "pipeline": self.pipeline,
            # One level below ESCO's top (skills / knowledge / ...): e.g. "health and welfare".
            "skill_group": self.skill_groups[min(1, len(self.skill_groups) - 1)][1]
            if self.skill_groups
            else "",
            "is_digital": self.is_digital,
            "is_green": self.is_green,
            "is_transversal": self.is_transversal,
        }
        return {column: values[column] for column in FIGURE_COLUMNS}


# The columns of ``gap-report`` (JSON keys and CSV header), in order.
FIGURE_COLUMNS = (
    "sector",
    "sector_slug",
    "district",
    "district_name",
    "skill_uri",
    "skill_label",
    "demand",
    "supply",
    "shortfall",
    "reason",
    "reason_code",
    "usable_supply",
    "supply_level_mismatch",
    "supply_outside_window",
    "demand_essential",
    "demand_optional",
    "demand_levels",
    "other_sectors_demand",
    "pipeline",
    "skill_group",
    "is_digital",
    "is_green",
    "is_transversal",
)


@dataclass(frozen=True)
class DemandSource:
    """An employer's skill demand or a live vacancy, as the board may see it.

    ``employer`` is the employer's name only when it agreed to be named in reports, else None.
    """

    key: int
    kind: str
    public_id: str
    title: str
    employer: str | None
    sector_slug: str
    sector_name: str
    district_code: str
    district_name: str
    level: int | None
    headcount: float
    timeframe_months: int | None
    is_demo: bool
    merged_vacancies: tuple[dict[str, str], ...] = ()
    essential_skills: int = 0
    optional_skills: int = 0
    pathway_gap: bool = False
    best_course: dict[str, Any] | None = None
    missing_essential: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        # By hand rather than dataclasses.asdict, whose deep copies dominate writing a snapshot.
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["merged_vacancies"] = [dict(v) for v in self.merged_vacancies]
        data["missing_essential"] = [list(s) for s in self.missing_essential]
        data["best_course"] = dict(self.best_course) if self.best_course else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemandSource:
        values = dict(data)
        values["merged_vacancies"] = tuple(values.get("merged_vacancies", ()))
        values["missing_essential"] = tuple(tuple(s) for s in values.get("missing_essential", ()))
        return cls(**values)


@dataclass(frozen=True)
class OfferingSource:
    """A course offering: the course, who runs it where, its level, places and intakes."""

    key: int
    public_id: str
    course_public_id: str
    course_reference: str
    course_title: str
    level: int | None
    provider: str
    district_code: str | None
    district_name: str | None
    mode: str
    places: int
    start_dates: tuple[str, ...]
    intake: str
    is_demo: bool

    def as_dict(self) -> dict[str, Any]:
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["start_dates"] = list(self.start_dates)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OfferingSource:
        return cls(**{**data, "start_dates": tuple(data.get("start_dates", ()))})


@dataclass(frozen=True)
class TracedOffering:
    offering: OfferingSource
    travel: str
    fits_level: bool
    counted: bool


@dataclass(frozen=True)
class Trace:
    """Everything behind one row: the demand items with what each adds, and the offerings."""

    row: GapRow
    demands: tuple[tuple[DemandSource, float], ...]
    offerings: tuple[TracedOffering, ...]


@dataclass(frozen=True)
class Rollup:
    """Totals for a group of rows: a sector x district cell, a skill group, a collection.

    ``severity`` is the share of the demand with no usable supply (shortfall / demand), from 0
    (all covered) to 1 (nothing in reach); None where there is no demand.
    """

    key: str
    label: str
    demand: float = 0.0
    usable_supply: float = 0.0
    shortfall: float = 0.0
    skills: int = 0
    gap_skills: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> float | None:
        return round(self.shortfall / self.demand, 4) if self.demand > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "severity": self.severity}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rollup:
        return cls(**{k: v for k, v in data.items() if k != "severity"})


@dataclass(frozen=True)
class Cell:
    """One sector x district cell of the heatmap (every cell is present, with or without demand).

    ``headcount`` is people needed (each demand item once); ``demand`` and ``shortfall`` sum the
    cell's skill rows; ``*_per_10k`` divide by the district's working-age residents (2021).
    """

    sector_slug: str
    sector_name: str
    district_code: str
    district_name: str
    working_age: int
    headcount: float
    demand: float
    usable_supply: float
    shortfall: float
    skills: int
    gap_skills: int
    demand_items: int
    pathway_gaps: int
    learners_interested: int

    @property
    def severity(self) -> float | None:
        return round(self.shortfall / self.demand, 4) if self.demand > 0 else None

    @property
    def shortfall_per_10k(self) -> float:
        return round(self.shortfall * 10_000 / self.working_age, 2) if self.working_age else 0.0

    @property
    def headcount_per_10k(self) -> float:
        return round(self.headcount * 10_000 / self.working_age, 2) if self.working_age else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "severity": self.severity,
            "shortfall_per_10k": self.shortfall_per_10k,
            "headcount_per_10k": self.headcount_per_10k,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        derived = {"severity", "shortfall_per_10k", "headcount_per_10k"}
        return cls(**{k: v for k, v in data.items() if k not in derived})
