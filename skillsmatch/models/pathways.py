"""Pathways a learner chose to keep: a course (or two) leading to an occupation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillsmatch.models.base import Base, PublicIdMixin, utcnow

if TYPE_CHECKING:
    from skillsmatch.models.courses import Course
    from skillsmatch.models.people import Learner
    from skillsmatch.models.taxonomy import Occupation


class SavedPathway(PublicIdMixin, Base):
    """A pathway a learner saved. Only what identifies the pathway is kept: its explanation is
    worked out again from the learner's profile and the catalogue as they are when it is read."""

    __tablename__ = "saved_pathway"
    __table_args__ = (sa.UniqueConstraint("learner_id", "pathway_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("learner.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    occupation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("occupation.id", ondelete="CASCADE"), index=True
    )
    # The course taken after the first one, for a two-course pathway.
    second_course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    # Course, occupation and second course as one value, so that a pathway is saved once per
    # learner even without a second course (NULLs never clash in a unique constraint).
    pathway_key: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    learner: Mapped[Learner] = relationship()
    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    occupation: Mapped[Occupation] = relationship()
    second_course: Mapped[Course | None] = relationship(foreign_keys=[second_course_id])
