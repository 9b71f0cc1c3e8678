"""Course providers, courses (apprenticeship standards and providers' own), offerings and skills."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillsmatch.models.base import Base, DemoMixin, PublicIdMixin

if TYPE_CHECKING:
    from skillsmatch.models.geography import District, Sector
    from skillsmatch.models.taxonomy import Occupation, Skill

COURSE_KINDS = ("apprenticeship", "provider")
DELIVERY_MODES = ("in-person", "online", "blended")
# Where a course's skill came from: a knowledge/skills/behaviours statement, the one-line
# overview, the ESCO occupations the course leads to, or a person who confirmed it.
COURSE_SKILL_PROVENANCE = ("ksb", "overview", "esco-occupation", "confirmed")


class Provider(PublicIdMixin, DemoMixin, Base):
    """An organisation that delivers courses."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))

    district: Mapped[District | None] = relationship()
    offerings: Mapped[list[CourseOffering]] = relationship(back_populates="provider")


class Course(PublicIdMixin, DemoMixin, Base):
    """A programme of learning: an apprenticeship standard or a provider's own course."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The standard's reference (ST0123) or the provider's own course code.
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum(*COURSE_KINDS, name="course_kind", native_enum=False, create_constraint=True)
    )
    title: Mapped[str] = mapped_column(sa.String(255), index=True)
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    duration_months: Mapped[int | None] = mapped_column(sa.SmallInteger)
    route: Mapped[str | None] = mapped_column(sa.String(120))
    max_funding: Mapped[int | None] = mapped_column(sa.Integer)
    overview: Mapped[str] = mapped_column(sa.Text, default="")
    job_titles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(64), default="Approved for delivery")
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    owner_provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"))

    sector: Mapped[Sector | None] = relationship()
    skills: Mapped[list[CourseSkill]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    occupations: Mapped[list[CourseOccupation]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    offerings: Mapped[list[CourseOffering]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )


class CourseOffering(PublicIdMixin, DemoMixin, Base):
    """A course run by a provider in a district (or online) with places and start dates."""

    __tablename__ = "course_offering"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    # None for online delivery, which is in reach of every district.
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    mode: Mapped[str] = mapped_column(
        sa.Enum(*DELIVERY_MODES, name="delivery_mode", native_enum=False, create_constraint=True)
    )
    start_dates: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    places: Mapped[int] = mapped_column(sa.Integer)

    course: Mapped[Course] = relationship(back_populates="offerings")
    provider: Mapped[Provider] = relationship(back_populates="offerings")
    district: Mapped[District | None] = relationship()

    def start_dates_as_dates(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.start_dates]


class CourseSkill(Base):
    """A skill a course teaches, with where that knowledge came from and how sure it is."""

    __tablename__ = "course_skill"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id"), primary_key=True, index=True)
    provenance: Mapped[str] = mapped_column(
        sa.Enum(
            *COURSE_SKILL_PROVENANCE,
            name="course_skill_provenance",
            native_enum=False,
            create_constraint=True,
        )
    )
    score: Mapped[float] = mapped_column(sa.Float)
    evidence: Mapped[str] = mapped_column(sa.Text, default="")

    course: Mapped[Course] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class CourseOccupation(Base):
    """An ESCO occupation a course leads to (from its typical job titles)."""

    __tablename__ = "course_occupation"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    occupation_id: Mapped[int] = mapped_column(sa.ForeignKey("occupation.id"), primary_key=True)
    score: Mapped[float] = mapped_column(sa.Float)
    job_title: Mapped[str] = mapped_column(sa.String(255), default="")

    course: Mapped[Course] = relationship(back_populates="occupations")
    occupation: Mapped[Occupation] = relationship()
