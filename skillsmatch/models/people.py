"""People who use SkillsMatch: user accounts with a role, learners' profiles, and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from skillsmatch.models.base import Base, DemoMixin, PublicIdMixin, utcnow

if TYPE_CHECKING:
    from skillsmatch.models.geography import District, Sector
    from skillsmatch.models.taxonomy import Skill

ROLES = ("learner", "employer", "provider", "board")
LEARNER_SKILL_PROVENANCE = ("text", "added", "confirmed")


class User(PublicIdMixin, DemoMixin, Base):
    """A signed-in person, with exactly one role."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(
        sa.Enum(*ROLES, name="user_role", native_enum=False, create_constraint=True)
    )
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer.id"))
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"))
    # Bumped on sign-out and password change so that old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


learner_sector = sa.Table(
    "learner_sector",
    Base.metadata,
    sa.Column("learner_id", sa.ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class Learner(PublicIdMixin, DemoMixin, Base):
    """A learner's profile: where they are, what they can do, what they are interested in."""

    __tablename__ = "learner"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    level: Mapped[int | None] = mapped_column(sa.SmallInteger)
    about: Mapped[str] = mapped_column(sa.Text, default="")
    # Consent for employers to see this learner by name; revocable at any time.
    visible_to_employers: Mapped[bool] = mapped_column(default=False)
    consent_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()
    district: Mapped[District | None] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=learner_sector)
    skills: Mapped[list[LearnerSkill]] = relationship(
        back_populates="learner", cascade="all, delete-orphan"
    )


class LearnerSkill(Base):
    __tablename__ = "learner_skill"

    learner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skill.id"), primary_key=True)
    provenance: Mapped[str] = mapped_column(
        sa.Enum(
            *LEARNER_SKILL_PROVENANCE,
            name="learner_skill_provenance",
            native_enum=False,
            create_constraint=True,
        )
    )
    score: Mapped[float | None] = mapped_column(sa.Float)
    confirmed: Mapped[bool] = mapped_column(default=False)

    learner: Mapped[Learner] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class AuditEvent(Base):
    """An append-only record of who did what to whose data. Stores no field values."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete a recorded audit event."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
