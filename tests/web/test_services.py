"""The services behind the pages, on SQLite and PostgreSQL: accounts, catalogue, dashboards."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from sitetest import CHELMSFORD, FILLER_COURSES, PASSWORD, TENDRING, build_catalogue

from skillsmatch.extensions import db
from skillsmatch.models import Course, Employer, User
from skillsmatch.services import accounts, catalogue, dashboards
from skillsmatch.services.sectors import sector_overviews


@pytest.fixture
def catalogue_app(app: Flask) -> Flask:
    with app.app_context():
        build_catalogue()
    return app


def test_accounts_register_authenticate_and_revoke(catalogue_app: Flask) -> None:
    with catalogue_app.app_context():
        learner = accounts.register_learner(
            db.session,
            email="Ada@Example.com",
            password=PASSWORD,
            name="  Ada   Lovelace ",
            district_code=CHELMSFORD,
        )
        db.session.commit()
        assert (learner.email, learner.display_name) == ("ada@example.com", "Ada Lovelace")
        assert accounts.authenticate(db.session, "ADA@example.com", PASSWORD) is learner
        assert accounts.authenticate(db.session, "ada@example.com", "wrong") is None
        assert accounts.authenticate(db.session, "nobody@example.com", PASSWORD) is None

        version = learner.session_version
        assert accounts.user_for_session(db.session, learner.public_id, version) is learner
        accounts.revoke_sessions(learner)
        db.session.commit()
        assert accounts.user_for_session(db.session, learner.public_id, version) is None
        assert accounts.user_for_session(db.session, uuid.uuid4(), version + 1) is None

        with pytest.raises(accounts.AccountError) as taken:
            accounts.register_learner(
                db.session, email="ada@example.com", password=PASSWORD, name="Ada"
            )
        assert taken.value.field == "email"
        db.session.rollback()


def test_employers_take_their_sector_from_the_sic_activity(catalogue_app: Flask) -> None:
    with catalogue_app.app_context():
        matches = accounts.search_activities(db.session, "software")
        assert matches and all("software" in m.activity.lower() for m in matches)
        assert any(m.sector_name == "IT, Digital & Creative" for m in matches)
        assert accounts.search_activities(db.session, "%") == []  # wildcards are literal
        assert accounts.search_activities(db.session, "x") == []  # too short to search
        chosen = next(m for m in matches if m.sector_name)
        user = accounts.register_employer(
            db.session,
            email="grace@example.com",
            password=PASSWORD,
            name="Grace",
            organisation="Byte Works",
            district_code=TENDRING,
            activity_id=chosen.id,
        )
        db.session.commit()
        employer = db.session.get(Employer, user.employer_id)
        assert employer is not None and employer.sic2007 == chosen.code
        assert employer.sector is not None and employer.sector.name == chosen.sector_name
        summary = dashboards.employer_summary(db.session, user)
        assert (summary.sector, summary.district, summary.skill_needs) == (
            chosen.sector_name,
            "Tendring",
            0,
        )


def test_catalogue_search_and_detail(catalogue_app: Flask) -> None:
    with catalogue_app.app_context():
        everything = catalogue.search_courses(db.session, catalogue.CourseFilters())
        assert everything.total == 4 + FILLER_COURSES and everything.pages == 2
        assert len(everything.hits) == 20
        near = catalogue.search_courses(db.session, catalogue.CourseFilters(district=CHELMSFORD))
        assert {h.title for h in near.hits} == {"Adult care worker", "Software developer"}
        assert all(h.offerings == h.demo_offerings == 1 for h in near.hits) and near.shows_demo
        care = catalogue.search_courses(
            db.session, catalogue.CourseFilters(text="care", sector="care", level=2)
        )
        assert [h.title for h in care.hits] == ["Adult care worker"]
        with pytest.raises(ValueError, match="page must be 1 or more"):
            catalogue.search_courses(db.session, catalogue.CourseFilters(), page=0)

        course = db.session.scalar(sa.select(Course).where(Course.title == "Adult care worker"))
        assert course is not None
        detail = catalogue.course_detail(db.session, course.public_id)
        assert detail is not None and detail.shows_demo
        labels = [s.label for s in detail.skills]
        assert labels == ["support people's wellbeing", "maintain records"]  # most certain first
        assert [o.district for o in detail.offerings] == ["Chelmsford"]
        assert catalogue.course_detail(db.session, uuid.uuid4()) is None


def test_sector_overviews_and_board_counts(catalogue_app: Flask) -> None:
    with catalogue_app.app_context():
        overviews = {o.slug: o for o in sector_overviews(db.session)}
        assert len(overviews) == 7
        care = overviews["care"]
        assert care.routes == ["Care services"] and care.courses == 1
        assert [c.code for c in care.sic2007] == ["87", "88"]
        assert all(c.title for c in care.sic2007) and all(c.title for c in care.soc2020)
        counts = dashboards.board_summary(db.session)
        assert counts["Courses"] == 4 + FILLER_COURSES and counts["Course offerings"] == 3
        assert counts["Employers"] == 1 and counts["Learners"] == 0
        assert dashboards.any_demo_data(db.session)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_demo_accounts_say_where_to_sign_in(catalogue_app: Flask) -> None:
    result = catalogue_app.test_cli_runner().invoke(args=["demo-accounts"])
    assert result.exit_code == 0
    assert result.output.rstrip().splitlines()[-1] == "Sign in at http://127.0.0.1:5000/sign-in"
