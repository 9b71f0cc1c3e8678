"""Declarative base, shared column types and helpers for every model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Constraint names are fixed so that migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class PublicIdMixin:
    """An opaque UUID used in URLs; the integer primary key never leaves the database."""

    public_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, unique=True, default=uuid.uuid4, nullable=False
    )


class DemoMixin:
    """Rows generated as demo data are flagged so every page that shows them can say so."""

    is_demo: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
