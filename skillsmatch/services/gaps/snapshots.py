"""Store a built gap report as an immutable snapshot, read it back, and compare two snapshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import GapSnapshot, GapSnapshotRow, GapSnapshotSource
from skillsmatch.services.gaps import rollups
from skillsmatch.services.gaps.parameters import GapParameters
from skillsmatch.services.gaps.report import GapReport, GapView, most_people_first
from skillsmatch.services.gaps.results import (
    IN_WINDOW,
    UNDATED,
    Cell,
    DemandRef,
    DemandSource,
    GapRow,
    OfferingSource,
    Rollup,
    SupplyRef,
    Trace,
    TracedOffering,
)
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT

# Roll-ups to the ESCO hierarchy stored with a snapshot, so that its pages need no recomputing.
STORED_GROUP_DEPTHS = (0, 1, 2)
INSERT_BATCH = 2_000
_KEY_BATCH = 500


def save_snapshot(session: Session, report: GapReport, label: str = "") -> GapSnapshot:
    """Write a report as a new snapshot (the caller commits)."""
    rows = report.all_rows
    summary = {
        **report.summary,
        "cells": [c.as_dict() for c in report.cells],
        "skill_groups": {
            str(depth): [r.as_dict() for r in rollups.by_skill_group(rows, depth)]
            for depth in STORED_GROUP_DEPTHS
        },
        "collections": [r.as_dict() for r in rollups.by_collection(rows)],
        "district_rollup": [r.as_dict() for r in rollups.by_district(rows, report.working_age)],
        "sector_rollup": [r.as_dict() for r in rollups.by_sector(rows)],
    }
    snapshot = GapSnapshot(
        as_of=report.parameters.as_of,
        label=label.strip()[:120],
        parameters=report.parameters.to_json(),
        summary=summary,
        includes_demo=bool(report.summary.get("includes_demo")),
    )
    session.add(snapshot)
    session.flush()
    _insert(session, GapSnapshotRow, (_row_values(snapshot.id, r) for r in rows))
    _insert(
        session,
        GapSnapshotSource,
        (_source_values(snapshot.id, s) for s in report.sources.values()),
    )
    return snapshot


def _insert(session: Session, model: type[Any], values: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for value in values:
        batch.append(value)
        if len(batch) >= INSERT_BATCH:
            session.execute(sa.insert(model), batch)
            batch = []
    if batch:
        session.execute(sa.insert(model), batch)


def _row_values(snapshot_id: int, r: GapRow) -> dict[str, Any]:
    return {
        "snapshot_id": snapshot_id,
        "sector_slug": r.sector_slug,
        "sector_name": r.sector_name,
        "district_code": r.district_code,
        "district_name": r.district_name,
        "skill_uri": r.skill_uri,
        "skill_label": r.skill_label,
        "skill_groups": [list(g) for g in r.skill_groups],
        "is_digital": r.is_digital,
        "is_green": r.is_green,
        "is_transversal": r.is_transversal,
        "demand": r.demand,
        "demand_essential": r.demand_essential,
        "demand_optional": r.demand_optional,
        "demand_levels": r.demand_levels,
        "other_sectors_demand": r.other_sectors_demand,
        "supply": r.supply,
        "supply_level_mismatch": r.supply_level_mismatch,
        "supply_outside_window": r.supply_outside_window,
        "usable_supply": r.usable_supply,
        "shortfall": r.shortfall,
        "pipeline": r.pipeline,
        "reason_code": r.reason_code,
        "reason": r.reason,
        # Flat lists: a snapshot of a large report holds about a million references.
        "demand_refs": {
            "keys": [d.key for d in r.demand_refs],
            "contributions": [d.contribution for d in r.demand_refs],
        },
        "supply_refs": {
            "fit": [s.key for s in r.supply_refs if s.fits_level],
            "no_fit": [s.key for s in r.supply_refs if not s.fits_level],
        },
    }


def _source_values(snapshot_id: int, s: DemandSource | OfferingSource) -> dict[str, Any]:
    if isinstance(s, DemandSource):
        return {
            "snapshot_id": snapshot_id,
            "key": s.key,
            "kind": s.kind,
            "public_id": uuid.UUID(s.public_id),
            "sector_slug": s.sector_slug,
            "district_code": s.district_code,
            "pathway_gap": s.pathway_gap,
            "detail": s.as_dict(),
        }
    return {
        "snapshot_id": snapshot_id,
        "key": s.key,
        "kind": "offering",
        "public_id": uuid.UUID(s.public_id),
        "sector_slug": None,
        "district_code": s.district_code,
        "pathway_gap": False,
        "detail": s.as_dict(),
    }


# Columns a page needs to list rows; the references are read only for a trace.
_FIGURES = [
    c
    for c in GapSnapshotRow.__table__.c
    if c.name not in {"id", "snapshot_id", "demand_refs", "supply_refs"}
]


def _gap_row(data: Any) -> GapRow:
    m = data._mapping
    return GapRow(
        sector_slug=m["sector_slug"],
        sector_name=m["sector_name"],
        district_code=m["district_code"],
        district_name=m["district_name"],
        skill_uri=m["skill_uri"],
        skill_label=m["skill_label"],
        demand=m["demand"],
        demand_essential=m["demand_essential"],
        demand_optional=m["demand_optional"],
        demand_levels=dict(m["demand_levels"] or {}),
        other_sectors_demand=m["other_sectors_demand"],
        supply=m["supply"],
        supply_level_mismatch=m["supply_level_mismatch"],
        supply_outside_window=m["supply_outside_window"],
        usable_supply=m["usable_supply"],
        shortfall=m["shortfall"],
        pipeline=m["pipeline"],
        reason_code=m["reason_code"],
        reason=m["reason"],
        skill_groups=tuple((g[0], g[1]) for g in m["skill_groups"] or []),
        is_digital=m["is_digital"],
        is_green=m["is_green"],
        is_transversal=m["is_transversal"],
    )


def _travel(row: GapRow, offering: OfferingSource) -> str:
    """How the row's district reaches a stored offering (it was in reach when stored)."""
    if offering.district_code is None:
        return ONLINE
    return SAME_DISTRICT if offering.district_code == row.district_code else NEIGHBOURING


class SnapshotReport(GapView):
    """A stored snapshot, read with queries so that a page loads only what it shows.

    Rows listed by ``rows`` and ``top_gaps`` carry no references; ``trace`` reads them.
    """

    def __init__(self, session: Session, snapshot: GapSnapshot) -> None:
        self.session = session
        self.snapshot = snapshot
        self.parameters = GapParameters.from_json(snapshot.parameters)
        self.summary = snapshot.summary

    def _select(
        self,
        sector: str | None,
        district: str | None,
        skill: str | None,
        collection: str | None,
        gaps_only: bool,
    ) -> sa.Select[Any]:
        stmt = sa.select(*_FIGURES).where(GapSnapshotRow.snapshot_id == self.snapshot.id)
        if sector is not None:
            stmt = stmt.where(GapSnapshotRow.sector_slug == sector)
        if district is not None:
            stmt = stmt.where(GapSnapshotRow.district_code == district)
        if skill is not None:
            stmt = stmt.where(GapSnapshotRow.skill_uri == skill)
        if collection is not None:
            if collection not in rollups.COLLECTIONS:
                raise ValueError(
                    f"unknown collection {collection!r}; choose from {list(rollups.COLLECTIONS)}"
                )
            stmt = stmt.where(getattr(GapSnapshotRow, f"is_{collection}").is_(True))
        if gaps_only:
            stmt = stmt.where(GapSnapshotRow.shortfall > 0)
        return stmt

    def heatmap(self) -> list[Cell]:
        return [Cell.from_dict(c) for c in self.summary.get("cells", [])]

    def rows(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
        gaps_only: bool = False,
    ) -> list[GapRow]:
        stmt = self._select(sector, district, skill, collection, gaps_only).order_by(
            GapSnapshotRow.sector_name,
            GapSnapshotRow.district_code,
            GapSnapshotRow.shortfall.desc(),
            GapSnapshotRow.skill_label,
            GapSnapshotRow.skill_uri,
        )
        return [_gap_row(r) for r in self.session.execute(stmt)]

    def top_gaps(
        self,
        limit: int = 20,
        *,
        sector: str | None = None,
        district: str | None = None,
        skill: str | None = None,
        collection: str | None = None,
    ) -> list[GapRow]:
        stmt = (
            self._select(sector, district, skill, collection, True)
            .order_by(
                GapSnapshotRow.shortfall.desc(),
                GapSnapshotRow.demand.desc(),
                GapSnapshotRow.sector_name,
                GapSnapshotRow.district_code,
                GapSnapshotRow.skill_label,
                GapSnapshotRow.skill_uri,
            )
            .limit(limit)
        )
        return [_gap_row(r) for r in self.session.execute(stmt)]

    def trace(self, row: GapRow) -> Trace:
        found = self.session.execute(
            sa.select(*_FIGURES, GapSnapshotRow.demand_refs, GapSnapshotRow.supply_refs).where(
                GapSnapshotRow.snapshot_id == self.snapshot.id,
                GapSnapshotRow.sector_slug == row.sector_slug,
                GapSnapshotRow.district_code == row.district_code,
                GapSnapshotRow.skill_uri == row.skill_uri,
            )
        ).one_or_none()
        if found is None:
            raise KeyError(f"no row {row.key} in snapshot {self.snapshot.public_id}")
        stored = _gap_row(found)
        demand_keys = found.demand_refs["keys"]
        fit, no_fit = found.supply_refs["fit"], found.supply_refs["no_fit"]
        sources = dict(self._sources([*demand_keys, *fit, *no_fit]))
        counted_intakes = {IN_WINDOW} | (
            {UNDATED} if self.parameters.count_undated_offerings else set()
        )
        demand_refs = tuple(
            DemandRef(k, c)
            for k, c in zip(demand_keys, found.demand_refs["contributions"], strict=True)
        )
        supply_refs = []
        fitting = set(fit)
        for key in sorted([*fit, *no_fit]):
            offering = sources[key]
            assert isinstance(offering, OfferingSource)
            fits = key in fitting
            supply_refs.append(
                SupplyRef(
                    key,
                    offering.places,
                    fits,
                    _travel(stored, offering),
                    fits and offering.intake in counted_intakes,
                )
            )
        full = replace(stored, demand_refs=demand_refs, supply_refs=tuple(supply_refs))
        demands = tuple(
            (source, ref.contribution)
            for ref in full.demand_refs
            if isinstance(source := sources.get(ref.key), DemandSource)
        )
        offerings = tuple(
            TracedOffering(source, ref.travel, ref.fits_level, ref.counted)
            for ref in full.supply_refs
            if isinstance(source := sources.get(ref.key), OfferingSource)
        )
        return Trace(full, demands, offerings)

    def _sources(self, keys: list[int]) -> Iterator[tuple[int, DemandSource | OfferingSource]]:
        unique = sorted(set(keys))
        for start in range(0, len(unique), _KEY_BATCH):
            chunk = unique[start : start + _KEY_BATCH]
            for key, kind, detail in self.session.execute(
                sa.select(
                    GapSnapshotSource.key, GapSnapshotSource.kind, GapSnapshotSource.detail
                ).where(
                    GapSnapshotSource.snapshot_id == self.snapshot.id,
                    GapSnapshotSource.key.in_(chunk),
                )
            ):
                yield (
                    key,
                    OfferingSource.from_dict(detail)
                    if kind == "offering"
                    else DemandSource.from_dict(detail),
                )

    def demands(
        self,
        *,
        sector: str | None = None,
        district: str | None = None,
        pathway_gaps_only: bool = False,
        limit: int | None = None,
    ) -> list[DemandSource]:
        stmt = sa.select(GapSnapshotSource.detail).where(
            GapSnapshotSource.snapshot_id == self.snapshot.id,
            GapSnapshotSource.kind.in_(("demand", "vacancy")),
        )
        if pathway_gaps_only:
            stmt = stmt.where(GapSnapshotSource.pathway_gap.is_(True))
        if sector is not None:
            stmt = stmt.where(GapSnapshotSource.sector_slug == sector)
        if district is not None:
            stmt = stmt.where(GapSnapshotSource.district_code == district)
        return most_people_first(
            [DemandSource.from_dict(d) for d in self.session.scalars(stmt)], limit
        )

    def skill_groups(
        self, depth: int = 1, *, sector: str | None = None, district: str | None = None
    ) -> list[Rollup]:
        stored = self.summary.get("skill_groups", {}).get(str(depth))
        if sector is None and district is None and stored is not None:
            return [Rollup.from_dict(r) for r in stored]
        return super().skill_groups(depth, sector=sector, district=district)

    def collections(
        self, *, sector: str | None = None, district: str | None = None
    ) -> list[Rollup]:
        if sector is None and district is None and "collections" in self.summary:
            return [Rollup.from_dict(r) for r in self.summary["collections"]]
        return super().collections(sector=sector, district=district)

    def districts(self, *, sector: str | None = None) -> list[Rollup]:
        if sector is None and "district_rollup" in self.summary:
            return [Rollup.from_dict(r) for r in self.summary["district_rollup"]]
        return super().districts(sector=sector)

    def sectors(self, *, district: str | None = None) -> list[Rollup]:
        if district is None and "sector_rollup" in self.summary:
            return [Rollup.from_dict(r) for r in self.summary["sector_rollup"]]
        return super().sectors(district=district)


def list_snapshots(session: Session, limit: int | None = None) -> list[GapSnapshot]:
    """Snapshots, newest first."""
    stmt = sa.select(GapSnapshot).order_by(GapSnapshot.created_at.desc(), GapSnapshot.id.desc())
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def get_snapshot(session: Session, public_id: uuid.UUID | str) -> GapSnapshot | None:
    try:
        wanted = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        return None
    return session.scalar(sa.select(GapSnapshot).where(GapSnapshot.public_id == wanted))


def previous_snapshot(session: Session, snapshot: GapSnapshot) -> GapSnapshot | None:
    """The snapshot stored just before this one, to compare with."""
    return session.scalar(
        sa.select(GapSnapshot)
        .where(
            sa.or_(
                GapSnapshot.created_at < snapshot.created_at,
                sa.and_(
                    GapSnapshot.created_at == snapshot.created_at, GapSnapshot.id < snapshot.id
                ),
            )
        )
        .order_by(GapSnapshot.created_at.desc(), GapSnapshot.id.desc())
        .limit(1)
    )


# -- change between two reports ---------------------------------------------------------------

_SAME = 0.005


@dataclass(frozen=True)
class RowChange:
    """One (sector, district, skill) in two reports; None where a report has no such row."""

    sector_slug: str
    sector_name: str
    district_code: str
    district_name: str
    skill_uri: str
    skill_label: str
    old_demand: float | None
    new_demand: float | None
    old_supply: int | None
    new_supply: int | None
    old_shortfall: float | None
    new_shortfall: float | None
    reason: str

    @property
    def change(self) -> float:
        return round((self.new_shortfall or 0.0) - (self.old_shortfall or 0.0), 2)


@dataclass(frozen=True)
class CellChange:
    sector_slug: str
    sector_name: str
    district_code: str
    district_name: str
    old_shortfall: float
    new_shortfall: float
    old_severity: float | None
    new_severity: float | None

    @property
    def change(self) -> float:
        return round(self.new_shortfall - self.old_shortfall, 2)


@dataclass(frozen=True)
class GapDiff:
    """What changed from an older report to a newer one.

    ``new_gaps``: a shortfall now where there was none (or no demand) before; ``closed_gaps``:
    a shortfall before and none now; ``changed``: a shortfall in both that grew or shrank.
    """

    new_gaps: list[RowChange] = field(default_factory=list)
    closed_gaps: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    cells: list[CellChange] = field(default_factory=list)
    old_shortfall: float = 0.0
    new_shortfall: float = 0.0


def diff_reports(old: GapView, new: GapView) -> GapDiff:
    """Compare two reports (live or stored) row by row and cell by cell."""
    before = {r.key: r for r in old.rows()}
    after = {r.key: r for r in new.rows()}
    result = GapDiff(
        old_shortfall=round(sum(r.shortfall for r in before.values()), 2),
        new_shortfall=round(sum(r.shortfall for r in after.values()), 2),
    )
    for key in sorted(before.keys() | after.keys()):
        o, n = before.get(key), after.get(key)
        was_gap = o is not None and o.shortfall > 0
        is_gap = n is not None and n.shortfall > 0
        if not was_gap and not is_gap:
            continue
        shown = n if n is not None else o
        assert shown is not None
        change = RowChange(
            sector_slug=shown.sector_slug,
            sector_name=shown.sector_name,
            district_code=shown.district_code,
            district_name=shown.district_name,
            skill_uri=shown.skill_uri,
            skill_label=shown.skill_label,
            old_demand=o.demand if o else None,
            new_demand=n.demand if n else None,
            old_supply=o.supply if o else None,
            new_supply=n.supply if n else None,
            old_shortfall=o.shortfall if o else None,
            new_shortfall=n.shortfall if n else None,
            reason=shown.reason,
        )
        if is_gap and not was_gap:
            result.new_gaps.append(change)
        elif was_gap and not is_gap:
            result.closed_gaps.append(change)
        elif abs(change.change) > _SAME:
            result.changed.append(change)
    result.new_gaps.sort(key=lambda c: -c.change)
    result.closed_gaps.sort(key=lambda c: c.change)
    result.changed.sort(key=lambda c: -abs(c.change))
    old_cells = {(c.sector_slug, c.district_code): c for c in old.heatmap()}
    for c in new.heatmap():
        prior = old_cells.get((c.sector_slug, c.district_code))
        old_shortfall = prior.shortfall if prior else 0.0
        if abs(c.shortfall - old_shortfall) > _SAME:
            result.cells.append(
                CellChange(
                    c.sector_slug,
                    c.sector_name,
                    c.district_code,
                    c.district_name,
                    old_shortfall,
                    c.shortfall,
                    prior.severity if prior else None,
                    c.severity,
                )
            )
    result.cells.sort(key=lambda c: -abs(c.change))
    return result


def diff_snapshots(session: Session, old: GapSnapshot, new: GapSnapshot) -> GapDiff:
    return diff_reports(SnapshotReport(session, old), SnapshotReport(session, new))
