"""Helpers for the pathway pages: a care occupation with courses and jobs in and out of reach,
learners' profiles set directly, and a pathway index on the hashing encoder.

Added to the site catalogue (``sitetest.build_catalogue``), whose "Adult care worker" course
teaches "support people's wellbeing" and "maintain records" in Chelmsford:

- the occupation "care worker" (care sector): essential wellbeing, records, "move people safely"
  and "administer medication"; optional "prepare meals". "use a hoist" is a narrower skill of
  "move people safely";
- "Adult care worker" also runs online (starting in a month) and in Tendring (out of reach of
  Chelmsford); "Medication awareness" (online) teaches "administer medication";
- jobs as a care worker: a demo one in Chelmsford needing wellbeing and records, one in Chelmsford
  needing wellbeing only, one in Tendring (out of reach) and one that has closed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from fakes import HashingEncoder
from flask import Flask
from sitetest import CHELMSFORD, TENDRING, Account

from skillsmatch.extensions import db
from skillsmatch.models import (
    Course,
    CourseOccupation,
    CourseOffering,
    CourseSkill,
    District,
    Employer,
    Learner,
    LearnerSkill,
    Occupation,
    OccupationSkill,
    Provider,
    Sector,
    Skill,
    User,
    Vacancy,
    VacancySkill,
    skill_broader,
)
from skillsmatch.services.pathways import EXTENSION_KEY, PathwayIndex

WELLBEING = "support people's wellbeing"
RECORDS = "maintain records"
CODE = "write code"
MOVING = "move people safely"
HOIST = "use a hoist"
MEDICATION = "administer medication"
MEALS = "prepare meals"
VIOLIN = "play the violin"  # taught by no course, asked for by no job
CARE_WORKER = "care worker"
CARE_COURSE = "Adult care worker"
MEDICATION_COURSE = "Medication awareness"
SOFTWARE_COURSE = "Software developer"
DEMO_JOB, READY_JOB, FAR_JOB, CLOSED_JOB = (
    "Care assistant",
    "Support worker",
    "Care assistant in Clacton",
    "Night carer",
)
SALARY = "£23,500 a year"
OCCUPATION_UUID = uuid.UUID("5e7e7c1a-6a37-4f3b-9d0b-0c6d1c2ae001")
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"


@dataclass(frozen=True)
class PathwayWorld:
    care_course: uuid.UUID
    medication_course: uuid.UUID
    software_course: uuid.UUID
    occupation: uuid.UUID


def build_pathway_world(app: Flask) -> PathwayWorld:
    """Add the occupation, courses and jobs above to the app's database."""
    today = date.today()
    with app.app_context():
        session = db.session
        existing = {s.label: s for s in session.scalars(sa.select(Skill))}
        for i, label in enumerate((MOVING, HOIST, MEDICATION, MEALS, VIOLIN)):
            skill = Skill(uri=f"{ESCO_SKILL}pathway-{i}", label=label, skill_type="skill")
            session.add(skill)
            existing[label] = skill
        session.flush()
        session.execute(
            sa.insert(skill_broader),
            [{"skill_id": existing[HOIST].id, "broader_id": existing[MOVING].id}],
        )
        care = session.scalar(sa.select(Sector).where(Sector.slug == "care"))
        districts = {d.code: d for d in session.scalars(sa.select(District))}
        occupation = Occupation(
            uri=f"{ESCO_OCCUPATION}{OCCUPATION_UUID}",
            label=CARE_WORKER,
            description="Care workers help people with their daily lives.",
            isco08="5322",
            sector=care,
        )
        for label, relation in (
            (WELLBEING, "essential"),
            (RECORDS, "essential"),
            (MOVING, "essential"),
            (MEDICATION, "essential"),
            (MEALS, "optional"),
        ):
            occupation.skills.append(OccupationSkill(skill=existing[label], relation=relation))
        session.add(occupation)

        online = session.scalar(sa.select(Provider).where(Provider.name.startswith("Demo Online")))
        tendring = session.scalar(sa.select(Provider).where(Provider.name.startswith("Tendring")))
        care_course = session.scalar(sa.select(Course).where(Course.title == CARE_COURSE))
        assert care is not None and online is not None and tendring is not None
        assert care_course is not None
        care_course.max_funding = 6000
        care_course.occupations.append(
            CourseOccupation(occupation=occupation, score=0.9, job_title="Care worker")
        )
        soon = (today + timedelta(days=30)).isoformat()
        care_course.offerings.extend(
            [
                CourseOffering(
                    provider=online,
                    district=None,
                    mode="online",
                    start_dates=[soon],
                    places=15,
                    is_demo=True,
                ),
                CourseOffering(
                    provider=tendring,
                    district=districts[TENDRING],
                    mode="in-person",
                    start_dates=[soon],
                    places=5,
                ),
            ]
        )
        medication = Course(
            reference="ST0901",
            kind="apprenticeship",
            title=MEDICATION_COURSE,
            level=2,
            duration_months=3,
            max_funding=1000,
            sector=care,
            overview="Giving medicines safely.",
        )
        medication.skills = [CourseSkill(skill=existing[MEDICATION], provenance="ksb", score=0.9)]
        medication.occupations = [
            CourseOccupation(occupation=occupation, score=0.5, job_title="Care worker")
        ]
        medication.offerings = [
            CourseOffering(
                provider=tendring,
                district=None,
                mode="online",
                start_dates=[(today + timedelta(days=14)).isoformat()],
                places=20,
            )
        ]
        session.add(medication)

        employer = session.scalar(sa.select(Employer).where(Employer.name.startswith("Demo Care")))
        jobs = [
            (DEMO_JOB, CHELMSFORD, [WELLBEING, RECORDS], today + timedelta(days=20), True),
            (READY_JOB, CHELMSFORD, [WELLBEING], today + timedelta(days=10), False),
            (FAR_JOB, TENDRING, [WELLBEING], today + timedelta(days=10), False),
            (CLOSED_JOB, CHELMSFORD, [WELLBEING], today - timedelta(days=1), False),
        ]
        for n, (title, district, skills, closing, demo) in enumerate(jobs):
            vacancy = Vacancy(
                source="test",
                source_ref=f"P{n}",
                title=title,
                description=title,
                employer=employer if demo else None,
                employer_name=employer.name if demo and employer else "Essex Care Partnership",
                district=districts[district],
                sector=care,
                occupation=occupation,
                closing_date=closing,
                salary_text=SALARY if demo else "",
                is_demo=demo,
            )
            vacancy.skills = [
                VacancySkill(
                    skill=existing[label], provenance="advert", score=0.9, importance="essential"
                )
                for label in skills
            ]
            session.add(vacancy)
        session.commit()
        software = session.scalar(
            sa.select(Course.public_id).where(Course.title == SOFTWARE_COURSE)
        )
        return PathwayWorld(care_course.public_id, medication.public_id, software, OCCUPATION_UUID)


def install_index(app: Flask) -> PathwayIndex:
    """Build the pathway index on the hashing encoder and give it to the app."""
    with app.app_context():
        index = PathwayIndex.build(db.session, encoder=HashingEncoder())
    app.extensions[EXTENSION_KEY] = index
    return index


def set_profile(
    app: Flask,
    account: Account,
    *,
    skills: tuple[str, ...] = (),
    pending: tuple[str, ...] = (),
    sectors: tuple[str, ...] = ("care",),
    district: str | None = CHELMSFORD,
    level: int | None = 2,
) -> None:
    """Give the account's learner these confirmed (and pending) skills, sectors, district and
    level, by skill label, sector slug and district code."""
    with app.app_context():
        learner = db.session.scalar(
            sa.select(Learner).join(User).where(User.email == account.email)
        )
        assert learner is not None
        by_label = {
            s.label: s
            for s in db.session.scalars(
                sa.select(Skill).where(Skill.label.in_([*skills, *pending]))
            )
        }
        learner.skills = [
            *(
                LearnerSkill(skill=by_label[label], provenance="added", confirmed=True)
                for label in skills
            ),
            *(
                LearnerSkill(skill=by_label[label], provenance="text", score=0.7, confirmed=False)
                for label in pending
            ),
        ]
        learner.sectors = (
            list(db.session.scalars(sa.select(Sector).where(Sector.slug.in_(sectors))))
            if sectors
            else []
        )
        learner.district = (
            db.session.scalar(sa.select(District).where(District.code == district))
            if district
            else None
        )
        learner.level = level
        db.session.commit()


def pathway_url(
    world: PathwayWorld, course: uuid.UUID | None = None, then: uuid.UUID | None = None
) -> str:
    course = course or world.care_course
    if then is None:
        return f"/learner/pathways/{course}/to/{world.occupation}"
    return f"/learner/pathways/{course}/then/{then}/to/{world.occupation}"
