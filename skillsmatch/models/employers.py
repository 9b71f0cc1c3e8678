"""Employers, their skill demands and vacancies."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillsmatch.models.base import Base, DemoMixin, PublicIdMixin
from skillsmatch.models.taxonomy import RELATION_TYPES

if TYPE_CHECKING:
    from skillsmatch.models.geography import District, Sector
    from skillsmatch.models.taxonomy import Occupation, Skill

VACANCY_SKILL_PROVENANCE = ("advert", "esco-occupation", "confirmed")


class Employer(PublicIdMixin, DemoMixin, Base):
    """An organisation that posts skill needs and vacancies."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sic2007: Mapped[str | None] = mapped_column(sa.String(5))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    # Whether the employer agreed to be named in the skills board's reports.
    named_in_reports: Mapped[bool] = mapped_column(default=False)

    district: Mapped[District | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    demands: Mapped[list[SkillDemand]] = relationship(back_populates="employer")


class SkillDemand(PublicIdMixin, DemoMixin, Base):
    """An employer's stated need for people with certain skills."""

    __tablename__ = "skill_demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occupation.id"))
    headcount: Mapped[int] = mapped_column(sa.Integer)
    timeframe_months: Mapped[int] = mapped_column(sa.SmallInteger)
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)

    employer: Mapped[Employer] = relationship(back_populates="demands")
    district: Mapped[District] = relationship()
    sector: Mapped[Sector | None] = relationship()
    occupation: Mapped[Occupation | None] = relationship()
    skills: Mapped[list[SkillDemandSkill]] = relationship(
        back_populates="demand", cascade="all, delete-orphan"
    )


class SkillDemandSkill(Base):
    __tablename__ = "skill_demand_skill"

    demand_id: Mapped[int] = mapped_column(
        sa.ForeignKey("skill_demand.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id"), primary_key=True, index=True)
    importance: Mapped[str] = mapped_column(
        sa.Enum(
            *RELATION_TYPES, name="demand_importance", native_enum=False, create_constraint=True
        )
    )

    demand: Mapped[SkillDemand] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class Vacancy(PublicIdMixin, DemoMixin, Base):
    """A job advert, from a public source, an import or an employer."""

    __tablename__ = "vacancy"
    __table_args__ = (sa.UniqueConstraint("source", "source_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(32))
    source_ref: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer.id"), index=True)
    employer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    postcode_district: Mapped[str | None] = mapped_column(sa.String(4))
    salary_min: Mapped[int | None] = mapped_column(sa.Integer)
    salary_max: Mapped[int | None] = mapped_column(sa.Integer)
    salary_text: Mapped[str] = mapped_column(sa.String(120), default="")
    date_posted: Mapped[date | None] = mapped_column(sa.Date)
    closing_date: Mapped[date | None] = mapped_column(sa.Date)
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occupation.id"))
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)

    employer: Mapped[Employer | None] = relationship()
    district: Mapped[District | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    occupation: Mapped[Occupation | None] = relationship()
    skills: Mapped[list[VacancySkill]] = relationship(
        back_populates="vacancy", cascade="all, delete-orphan"
    )


class VacancySkill(Base):
    __tablename__ = "vacancy_skill"

    vacancy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vacancy.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id"), primary_key=True, index=True)
    provenance: Mapped[str] = mapped_column(
        sa.Enum(
            *VACANCY_SKILL_PROVENANCE,
            name="vacancy_skill_provenance",
            native_enum=False,
            create_constraint=True,
        )
    )
    score: Mapped[float] = mapped_column(sa.Float)
    importance: Mapped[str] = mapped_column(
        sa.Enum(
            *RELATION_TYPES, name="vacancy_importance", native_enum=False, create_constraint=True
        ),
        default="essential",
    )

    vacancy: Mapped[Vacancy] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()
