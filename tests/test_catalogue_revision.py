"""The catalogue revision moves with every committed change the pathway index reads, only then."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from skillsmatch.extensions import db
from skillsmatch.models import (
    Course,
    CourseOffering,
    District,
    Provider,
    User,
    current_revision,
)


def _revision() -> int:
    db.session.rollback()  # read what is committed
    return current_revision(db.session)


def _course() -> Course:
    district = District(
        code="E07000070",
        name="Chelmsford",
        population_2011=1,
        population_2021=2,
        working_age_2021=1,
    )
    provider = Provider(name="Essex College")
    course = Course(reference="WELD-1", kind="provider", title="Welding", level=2)
    course.offerings.append(
        CourseOffering(provider=provider, district=district, mode="in-person", places=12)
    )
    return course


def test_the_migration_matches_the_model_and_starts_at_zero(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, db.metadata) if "catalogue_revision" in repr(d)
            ]
        assert differences == []
        assert _revision() == 0


def test_committed_catalogue_changes_move_the_revision(app: Flask) -> None:
    with app.app_context():
        course = _course()
        db.session.add(course)
        db.session.commit()
        after_insert = _revision()
        assert after_insert > 0

        offering = db.session.scalars(sa.select(CourseOffering)).one()
        offering.places = 3
        db.session.commit()
        after_update = _revision()
        assert after_update > after_insert

        # A bulk statement, which bypasses the unit of work, counts too.
        db.session.execute(sa.delete(CourseOffering))
        db.session.commit()
        assert _revision() > after_update


def test_rolled_back_and_unrelated_changes_leave_it(app: Flask) -> None:
    with app.app_context():
        db.session.add(_course())
        db.session.flush()
        db.session.rollback()
        assert _revision() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0

        db.session.add(User(email="a@example.com", password_hash="x", role="learner"))
        db.session.commit()
        assert _revision() == 0
