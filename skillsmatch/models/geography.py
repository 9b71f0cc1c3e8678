"""Greater Essex districts and the seven priority sectors."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillsmatch.models.base import Base

SECTOR_SCHEMES = ("soc2020", "isco08", "sic2007", "route")

district_neighbour = sa.Table(
    "district_neighbour",
    Base.metadata,
    sa.Column("district_id", sa.ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("neighbour_id", sa.ForeignKey("district.id", ondelete="CASCADE"), primary_key=True),
)


class District(Base):
    """One of the 14 Greater Essex local authorities, with its census population."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    population_2011: Mapped[int]
    population_2021: Mapped[int]
    working_age_2021: Mapped[int]

    neighbours: Mapped[list[District]] = relationship(
        secondary=district_neighbour,
        primaryjoin=id == district_neighbour.c.district_id,
        secondaryjoin=id == district_neighbour.c.neighbour_id,
        order_by="District.name",
    )


class Sector(Base):
    """A priority sector, defined by the codes in ``data/sectors/priority_sectors.json``."""

    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    codes: Mapped[list[SectorCode]] = relationship(
        back_populates="sector", cascade="all, delete-orphan"
    )


class SectorCode(Base):
    """One code (SOC, ISCO, SIC or apprenticeship route) that places things in a sector."""

    __tablename__ = "sector_code"
    __table_args__ = (sa.UniqueConstraint("sector_id", "scheme", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sector_id: Mapped[int] = mapped_column(sa.ForeignKey("sector.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(
        sa.Enum(*SECTOR_SCHEMES, name="sector_scheme", native_enum=False, create_constraint=True)
    )
    code: Mapped[str] = mapped_column(sa.String(120))

    sector: Mapped[Sector] = relationship(back_populates="codes")
