"""A counter that moves with every change to what learners' pathways are built from.

Each web worker keeps a pathway index in memory. A provider editing a course, or an employer
posting a vacancy, may be served by another worker or process, so the change is announced
through the database: any flush or bulk statement touching a watched table also bumps
``catalogue_revision.number``, in the same transaction. A reader compares the number with the
one its index was built at and rebuilds when they differ. A rolled-back change rolls its bump
back with it.
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from skillsmatch.models.base import Base

# The tables the pathway index reads; learners' own rows are read per request, not indexed.
WATCHED_TABLES = frozenset(
    {
        "course",
        "course_offering",
        "course_skill",
        "course_occupation",
        "provider",
        "vacancy",
        "vacancy_skill",
        "employer",
        "occupation",
        "occupation_skill",
        "skill",
        "skill_broader",
        "district",
        "district_neighbour",
    }
)
_ROW_ID = 1


class CatalogueRevision(Base):
    """One row: how many committed changes the catalogue has seen."""

    __tablename__ = "catalogue_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def current_revision(session: Session) -> int:
    """The catalogue's revision as this transaction sees it (0 before any change)."""
    number = session.scalar(
        sa.select(CatalogueRevision.number).where(CatalogueRevision.id == _ROW_ID)
    )
    return int(number or 0)


def bump_revision(session: Session) -> None:
    """Move the revision on, within the caller's transaction."""
    table = CatalogueRevision.__table__
    bumped = session.connection().execute(
        table.update().where(table.c.id == _ROW_ID).values(number=table.c.number + 1)
    )
    if bumped.rowcount == 0:  # a database made without the migration's seed row
        session.connection().execute(table.insert().values(id=_ROW_ID, number=1))


def _table_of(obj: object) -> str | None:
    mapper = sa.inspect(type(obj), raiseerr=False)
    return getattr(mapper.local_table, "name", None) if mapper is not None else None


@sa.event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, _context: object, _instances: object) -> None:
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(_table_of(obj) in WATCHED_TABLES for obj in changed):
        bump_revision(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in WATCHED_TABLES:
        bump_revision(state.session)
