"""The ESCO skills and occupations taxonomy, with the UK SOC 2020 and SIC 2007 classifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillsmatch.models.base import Base

if TYPE_CHECKING:
    from skillsmatch.models.geography import Sector

SKILL_TYPES = ("skill", "knowledge")
RELATION_TYPES = ("essential", "optional")


class SkillGroup(Base):
    """A node of ESCO's skills hierarchy (e.g. S1 'communication, collaboration and creativity')."""

    __tablename__ = "skill_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(sa.String(255), unique=True)
    code: Mapped[str | None] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(255))
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skill_group.id"))

    parent: Mapped[SkillGroup | None] = relationship(remote_side=[id])


class Skill(Base):
    """An ESCO v1.1.1 skill or knowledge concept."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(sa.String(255), unique=True)
    label: Mapped[str] = mapped_column(sa.String(255), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    skill_type: Mapped[str] = mapped_column(
        sa.Enum(*SKILL_TYPES, name="skill_type", native_enum=False, create_constraint=True)
    )
    reuse_level: Mapped[str | None] = mapped_column(sa.String(32))
    is_digital: Mapped[bool] = mapped_column(default=False)
    is_green: Mapped[bool] = mapped_column(default=False)
    is_transversal: Mapped[bool] = mapped_column(default=False)
    # The nearest group of the ESCO hierarchy above this skill (for roll-ups).
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skill_group.id"), index=True)

    group: Mapped[SkillGroup | None] = relationship()
    broader: Mapped[list[Skill]] = relationship(
        secondary="skill_broader",
        primaryjoin="Skill.id == skill_broader.c.skill_id",
        secondaryjoin="Skill.id == skill_broader.c.broader_id",
        viewonly=True,
    )


skill_broader = sa.Table(
    "skill_broader",
    Base.metadata,
    sa.Column("skill_id", sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("broader_id", sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)


class Occupation(Base):
    """An ESCO occupation with its ISCO-08 group and the UK SOC 2020 unit group it maps to."""

    __tablename__ = "occupation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uri: Mapped[str] = mapped_column(sa.String(255), unique=True)
    code: Mapped[str | None] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(255), index=True)
    alt_labels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    isco08: Mapped[str] = mapped_column(sa.String(4), index=True)
    soc2020: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)

    sector: Mapped[Sector | None] = relationship()
    skills: Mapped[list[OccupationSkill]] = relationship(
        back_populates="occupation", cascade="all, delete-orphan"
    )


class OccupationSkill(Base):
    """ESCO's essential or optional link between an occupation and a skill."""

    __tablename__ = "occupation_skill"

    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("occupation.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(
        sa.Enum(*RELATION_TYPES, name="relation_type", native_enum=False, create_constraint=True)
    )

    occupation: Mapped[Occupation] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class SocUnitGroup(Base):
    """A UK SOC 2020 unit group with its ONS description and typical entry routes."""

    __tablename__ = "soc_unit_group"

    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    entry_routes: Mapped[str] = mapped_column(sa.Text, default="")
    tasks: Mapped[str] = mapped_column(sa.Text, default="")


class SicActivity(Base):
    """An activity from the ONS SIC 2007 alphabetical index, searchable by employers."""

    __tablename__ = "sic_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(5), index=True)
    activity: Mapped[str] = mapped_column(sa.String(512))
