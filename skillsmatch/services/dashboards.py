"""What each role sees first after signing in: a summary of their own part of the data."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.models import (
    Course,
    CourseOffering,
    Employer,
    Learner,
    LearnerSkill,
    Provider,
    SkillDemand,
    User,
    Vacancy,
)


@dataclass(frozen=True)
class LearnerSummary:
    learner: Learner | None
    district: str | None
    sectors: list[str]
    skills: int
    confirmed_skills: int


@dataclass(frozen=True)
class EmployerSummary:
    employer: Employer | None
    sector: str | None
    district: str | None
    skill_needs: int
    headcount: int
    vacancies: int


@dataclass(frozen=True)
class ProviderSummary:
    provider: Provider | None
    district: str | None
    courses: int
    offerings: int
    places: int


def learner_summary(session: Session, user: User) -> LearnerSummary:
    """The signed-in learner's own profile, in brief."""
    learner = session.scalar(
        sa.select(Learner)
        .where(Learner.user_id == user.id)
        .options(selectinload(Learner.district), selectinload(Learner.sectors))
    )
    if learner is None:
        return LearnerSummary(None, None, [], 0, 0)
    skills, confirmed = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((LearnerSkill.confirmed, 1), else_=0)), 0),
        ).where(LearnerSkill.learner_id == learner.id)
    ).one()
    return LearnerSummary(
        learner,
        learner.district.name if learner.district else None,
        sorted(s.name for s in learner.sectors),
        int(skills),
        int(confirmed),
    )


def employer_summary(session: Session, user: User) -> EmployerSummary:
    """The signed-in employer's organisation with its skill needs and vacancies, counted."""
    employer = session.get(Employer, user.employer_id) if user.employer_id else None
    if employer is None:
        return EmployerSummary(None, None, None, 0, 0, 0)
    needs, headcount = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(SkillDemand.headcount), 0)).where(
            SkillDemand.employer_id == employer.id
        )
    ).one()
    vacancies = session.scalar(
        sa.select(sa.func.count()).select_from(Vacancy).where(Vacancy.employer_id == employer.id)
    )
    return EmployerSummary(
        employer,
        employer.sector.name if employer.sector else None,
        employer.district.name if employer.district else None,
        int(needs),
        int(headcount),
        int(vacancies or 0),
    )


def provider_summary(session: Session, user: User) -> ProviderSummary:
    """The signed-in provider's organisation with its courses, offerings and places."""
    provider = session.get(Provider, user.provider_id) if user.provider_id else None
    if provider is None:
        return ProviderSummary(None, None, 0, 0, 0)
    courses, offerings, places = session.execute(
        sa.select(
            sa.func.count(sa.distinct(CourseOffering.course_id)),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(CourseOffering.places), 0),
        ).where(CourseOffering.provider_id == provider.id)
    ).one()
    return ProviderSummary(
        provider,
        provider.district.name if provider.district else None,
        int(courses),
        int(offerings),
        int(places),
    )


def any_demo_data(session: Session) -> bool:
    """Whether generated demo rows are loaded (pages counting them must say so)."""
    return session.scalar(sa.select(sa.exists().where(Provider.is_demo))) or bool(
        session.scalar(sa.select(sa.exists().where(Employer.is_demo)))
    )


def board_summary(session: Session) -> dict[str, int]:
    """Rows of what the skills board oversees, for its dashboard (label -> count)."""

    def count(model: type, *where: sa.ColumnElement[bool]) -> int:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)

    return {
        "Courses": count(Course),
        "Course offerings": count(CourseOffering),
        "Course providers": count(Provider),
        "Employers": count(Employer),
        "Employer skill needs": count(SkillDemand),
        "Vacancies": count(Vacancy),
        "Learners": count(Learner),
    }
