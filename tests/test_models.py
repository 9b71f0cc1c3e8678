"""The domain model behaves the same on SQLite and PostgreSQL, built by the real migrations."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError, StatementError

from skillsmatch.extensions import db
from skillsmatch.models import (
    AuditEvent,
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Provider,
    Skill,
    User,
)
from skillsmatch.models.people import AuditLogIsAppendOnly


def _district(code: str = "E07000070", name: str = "Chelmsford") -> District:
    return District(code=code, name=name, population_2011=1, population_2021=2, working_age_2021=1)


def _skill(
    uri: str = "http://data.europa.eu/esco/skill/x", label: str = "use spreadsheets"
) -> Skill:
    return Skill(uri=uri, label=label, alt_labels=["spreadsheet software"], skill_type="skill")


def test_course_with_offering_and_skill_round_trips(app: Flask) -> None:
    with app.app_context():
        district, skill = _district(), _skill()
        provider = Provider(name="Chelmsford College", district=district)
        course = Course(reference="ST0001", kind="apprenticeship", title="Data technician", level=3)
        course.skills.append(
            CourseSkill(skill=skill, provenance="ksb", score=0.8, evidence="S1: ...")
        )
        course.offerings.append(
            CourseOffering(
                provider=provider,
                district=district,
                mode="in-person",
                start_dates=["2027-09-06"],
                places=12,
            )
        )
        db.session.add(course)
        db.session.commit()
        db.session.expunge_all()

        loaded = db.session.scalar(sa.select(Course).where(Course.reference == "ST0001"))
        assert loaded is not None
        assert isinstance(loaded.public_id, uuid.UUID)
        assert [s.skill.alt_labels for s in loaded.skills] == [["spreadsheet software"]]
        assert loaded.offerings[0].start_dates_as_dates()[0].isoformat() == "2027-09-06"
        assert loaded.offerings[0].provider.district.name == "Chelmsford"


def test_deleting_a_course_deletes_its_skills_and_offerings(app: Flask) -> None:
    with app.app_context():
        district = _district()
        course = Course(reference="ST0002", kind="apprenticeship", title="Carer")
        course.skills.append(CourseSkill(skill=_skill(), provenance="overview", score=0.5))
        course.offerings.append(
            CourseOffering(provider=Provider(name="P"), district=district, mode="online", places=5)
        )
        db.session.add(course)
        db.session.commit()
        db.session.delete(course)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseSkill)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseOffering)) == 0


def test_enumerated_columns_refuse_unknown_values(app: Flask) -> None:
    with app.app_context():
        db.session.add(Skill(uri="u", label="l", skill_type="hobby"))
        with pytest.raises((StatementError, IntegrityError)):
            db.session.commit()
        db.session.rollback()


def test_unique_natural_keys(app: Flask) -> None:
    with app.app_context():
        db.session.add_all([_district(), _district(name="Copy")])
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_audit_events_cannot_be_changed_or_deleted(app: Flask) -> None:
    with app.app_context():
        user = User(email="board@example.org", password_hash="x", role="board")
        db.session.add(user)
        db.session.commit()
        event = AuditEvent(
            actor_id=user.public_id, actor_role="board", action="read", target_type="learner"
        )
        db.session.add(event)
        db.session.commit()

        event.action = "nothing happened"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(event)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(AuditEvent.action)) == "read"
