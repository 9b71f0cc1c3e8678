"""What a board page reads: the same questions answered by a live report or a stored snapshot."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from skillsmatch.services.gaps import rollups
from skillsmatch.services.gaps.parameters import GapParameters
from skillsmatch.services.gaps.results import (
    Cell,
    DemandSource,
    GapRow,
    OfferingSource,
    Rollup,
    Trace,
    TracedOffering,
)


def top_order(row: GapRow) -> tuple[Any, ...]:
    """Largest shortfall first; then the larger demand; then by name, so the order is stable."""
    return (
        -row.shortfall,
        -row.demand,
        row.sector_name,
        row.district_code,
        row.skill_label,
        row.skill_uri,
    )


def matches(
    row: GapRow,
    sector: str | None = None,
    district: str | None = None,
    skill: str | None = None,
    collection: str | None = None,
) -> bool:
    """Whether a row is in the selection: sector slug, district code, skill URI, collection."""
    return (
        (sector is None or row.sector_slug == sector)
        and (district is None or row.district_code == district)
        and (skill is None or row.skill_uri == skill)
        and (collection is None or rollups.COLLECTIONS[collection][1](row))
    )


def most_people_first(found: list[DemandSource], limit: int | None) -> list[DemandSource]:
    found.sort(key=lambda s: (-s.headcount, s.sector_name, s.district_code, s.title, s.key))
    return found[:limit] if limit is not None else found


class GapView(ABC):
    """A gap report to read from: the heatmap, rows, top gaps, drill-downs and traces.

    Filters take a sector slug, an ONS district code, an ESCO skill URI and a collection name
    (``digital``, ``green`` or ``transversal``).
    """

    parameters: GapParameters
    summary: dict[str, Any]

    @abstractmethod
    def heatmap(self) -> list[Cell]:
        """Every sector x district cell (also those without demand), by sector then district."""

    @abstractmethod
    def rows(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
        gaps_only: bool = False,
    ) -> list[GapRow]:
        """Rows in report order: sector, district, largest shortfall first."""

    @abstractmethod
    def top_gaps(
        self,
        limit: int = 20,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
    ) -> list[GapRow]:
        """The rows with the largest shortfall."""

    @abstractmethod
    def trace(self, row: GapRow) -> Trace:
        """The demands, vacancies and course offerings behind a row."""

    @abstractmethod
    def demands(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        pathway_gaps_only: bool = False,
        limit: int | None = None,
    ) -> list[DemandSource]:
        """The demands and vacancies counted in a cell, sector or district, most people first."""

    def pathway_gaps(
        self, *, sector: str | None = None, district: str | None = None, limit: int | None = None
    ) -> list[DemandSource]:
        """Demands and vacancies with no course pathway in reach, most people first."""
        return self.demands(sector=sector, district=district, pathway_gaps_only=True, limit=limit)

    def cell(self, sector: str, district: str) -> Cell | None:
        return next(
            (c for c in self.heatmap() if c.sector_slug == sector and c.district_code == district),
            None,
        )

    @property
    def working_age(self) -> dict[str, int]:
        return {d["code"]: d["working_age"] for d in self.summary.get("districts", [])}

    def skill_groups(
        self, depth: int = 1, *, sector: str | None = None, district: str | None = None
    ) -> list[Rollup]:
        """Roll-up to the ESCO skills hierarchy at ``depth``."""
        return rollups.by_skill_group(self.rows(sector=sector, district=district), depth)

    def collections(
        self, *, sector: str | None = None, district: str | None = None
    ) -> list[Rollup]:
        """Roll-up to ESCO's digital, green and transversal collections."""
        return rollups.by_collection(self.rows(sector=sector, district=district))

    def districts(self, *, sector: str | None = None) -> list[Rollup]:
        """Per district, with shortfall per 10,000 working-age residents."""
        return rollups.by_district(self.rows(sector=sector), self.working_age)

    def sectors(self, *, district: str | None = None) -> list[Rollup]:
        return rollups.by_sector(self.rows(district=district))

    def skills(self, *, sector: str | None = None, district: str | None = None) -> list[Rollup]:
        return rollups.by_skill(self.rows(sector=sector, district=district))


class GapReport(GapView):
    """A report built from the live data, held in memory."""

    def __init__(
        self,
        parameters: GapParameters,
        rows: list[GapRow],
        cells: list[Cell],
        sources: dict[int, DemandSource | OfferingSource],
        summary: dict[str, Any],
    ) -> None:
        self.parameters = parameters
        self.all_rows = rows
        self.cells = cells
        self.sources = sources
        self.summary = summary

    def heatmap(self) -> list[Cell]:
        return list(self.cells)

    def rows(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
        gaps_only: bool = False,
    ) -> list[GapRow]:
        return [
            r
            for r in self.all_rows
            if matches(r, sector, district, skill, collection) and (r.is_gap or not gaps_only)
        ]

    def top_gaps(
        self,
        limit: int = 20,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
    ) -> list[GapRow]:
        found = self.rows(
            sector=sector, district=district, skill=skill, collection=collection, gaps_only=True
        )
        return sorted(found, key=top_order)[:limit]

    def trace(self, row: GapRow) -> Trace:
        demands = tuple(
            (source, ref.contribution)
            for ref in row.demand_refs
            if isinstance(source := self.sources.get(ref.key), DemandSource)
        )
        offerings = tuple(
            TracedOffering(source, ref.travel, ref.fits_level, ref.counted)
            for ref in row.supply_refs
            if isinstance(source := self.sources.get(ref.key), OfferingSource)
        )
        return Trace(row, demands, offerings)

    def demands(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        pathway_gaps_only: bool = False,
        limit: int | None = None,
    ) -> list[DemandSource]:
        found = [
            s
            for s in self.sources.values()
            if isinstance(s, DemandSource)
            and (s.pathway_gap or not pathway_gaps_only)
            and (sector is None or s.sector_slug == sector)
            and (district is None or s.district_code == district)
        ]
        return most_people_first(found, limit)
