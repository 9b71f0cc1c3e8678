"""Gap report snapshots: a dated, immutable copy of a built gap report.

A snapshot keeps its own copies of names, codes and figures, so that it reads the same after
the live data has moved on and two quarters can be compared. Nothing in a snapshot changes once
written: the ORM refuses updates and deletes of snapshots, their rows and their sources.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from skillsmatch.models.base import Base, PublicIdMixin, utcnow

SOURCE_KINDS = ("demand", "vacancy", "offering")


class GapSnapshot(PublicIdMixin, Base):
    """One built gap report: when, under which parameters, with its headline figures."""

    __tablename__ = "gap_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    # The date the figures describe (live vacancies, upcoming intakes).
    as_of: Mapped[date] = mapped_column(sa.Date)
    label: Mapped[str] = mapped_column(sa.String(120), default="")
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Totals, the sector x district heatmap and the roll-ups, ready for a page to show.
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    includes_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    rows: Mapped[list[GapSnapshotRow]] = relationship(
        back_populates="snapshot", passive_deletes=True
    )


class GapSnapshotRow(Base):
    """The figures for one (sector, district, skill) with demand, and what they come from."""

    __tablename__ = "gap_snapshot_row"
    __table_args__ = (
        sa.UniqueConstraint("snapshot_id", "sector_slug", "district_code", "skill_uri"),
        sa.Index("ix_gap_snapshot_row_snapshot_shortfall", "snapshot_id", "shortfall"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("gap_snapshot.id", ondelete="CASCADE"))
    sector_slug: Mapped[str] = mapped_column(sa.String(64))
    sector_name: Mapped[str] = mapped_column(sa.String(120))
    district_code: Mapped[str] = mapped_column(sa.String(9))
    district_name: Mapped[str] = mapped_column(sa.String(120))
    skill_uri: Mapped[str] = mapped_column(sa.String(255), index=True)
    skill_label: Mapped[str] = mapped_column(sa.String(255))
    # ESCO hierarchy from the top group down to the skill's nearest group: [[uri, label], ...].
    skill_groups: Mapped[list[list[str]]] = mapped_column(sa.JSON, default=list)
    is_digital: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_green: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_transversal: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    demand: Mapped[float] = mapped_column(sa.Float)
    demand_essential: Mapped[float] = mapped_column(sa.Float)
    demand_optional: Mapped[float] = mapped_column(sa.Float)
    # Demand by stated level ("2", "3", ... and "any" when not stated).
    demand_levels: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    other_sectors_demand: Mapped[float] = mapped_column(sa.Float, default=0.0)
    supply: Mapped[int] = mapped_column(sa.Integer)
    supply_level_mismatch: Mapped[int] = mapped_column(sa.Integer, default=0)
    supply_outside_window: Mapped[int] = mapped_column(sa.Integer, default=0)
    usable_supply: Mapped[float] = mapped_column(sa.Float)
    shortfall: Mapped[float] = mapped_column(sa.Float)
    pipeline: Mapped[int] = mapped_column(sa.Integer, default=0)
    reason_code: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    # The sources behind the figures, by key: {"keys": [...], "contributions": [...]} for
    # demands and vacancies, {"fit": [...], "no_fit": [...]} for offerings in reach (by level).
    demand_refs: Mapped[dict[str, list[Any]]] = mapped_column(sa.JSON, default=dict)
    supply_refs: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON, default=dict)

    snapshot: Mapped[GapSnapshot] = relationship(back_populates="rows")


class GapSnapshotSource(Base):
    """A demand, vacancy or course offering behind a snapshot's figures, as it was then."""

    __tablename__ = "gap_snapshot_source"
    __table_args__ = (
        sa.UniqueConstraint("snapshot_id", "key"),
        sa.Index("ix_gap_snapshot_source_snapshot_kind", "snapshot_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("gap_snapshot.id", ondelete="CASCADE"))
    key: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*SOURCE_KINDS, name="gap_source_kind", native_enum=False, create_constraint=True)
    )
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    sector_slug: Mapped[str | None] = mapped_column(sa.String(64))
    district_code: Mapped[str | None] = mapped_column(sa.String(9))
    # For demands and vacancies: no course in reach gives a pathway to them.
    pathway_gap: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


SNAPSHOT_CLASSES = (GapSnapshot, GapSnapshotRow, GapSnapshotSource)


class GapSnapshotIsImmutable(Exception):
    """Raised when code tries to change or delete a stored gap snapshot."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_snapshot_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, SNAPSHOT_CLASSES):
            raise GapSnapshotIsImmutable("gap snapshots cannot be deleted")
    for obj in session.dirty:
        # A collection append on a new snapshot is not a change to stored figures.
        if isinstance(obj, SNAPSHOT_CLASSES) and session.is_modified(
            obj, include_collections=False
        ):
            raise GapSnapshotIsImmutable("gap snapshots cannot be changed")


@sa.event.listens_for(Session, "do_orm_execute")
def _refuse_snapshot_bulk_changes(state: ORMExecuteState) -> None:
    # UPDATE and DELETE statements skip the unit of work, so check them where they run.
    if (state.is_update or state.is_delete) and any(
        m.class_ in SNAPSHOT_CLASSES for m in state.all_mappers
    ):
        raise GapSnapshotIsImmutable("gap snapshots cannot be changed or deleted")
