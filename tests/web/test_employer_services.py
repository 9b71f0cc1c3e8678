"""The ``employer_needs`` service on SQLite and PostgreSQL: checking and storing needs and
vacancies, ownership, skill choice, and supply with the learner pipeline and its audit trail.

The data: Chelmsford and Braintree are neighbours, Tendring is neither's. A care course runs in
Chelmsford (wellbeing, records); a moving-and-handling course only in Tendring (lifting), out of
reach of Chelmsford. Learners: Amy (consents, ready), Bob (does not consent, ready, Braintree),
Cat (consents, has none of the skills: the care course gets her there), Dan (consents, ready, but
in Tendring, out of reach).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from fakes import HashingEncoder, hashing_linker
from flask import Flask

from skillsmatch.extensions import db
from skillsmatch.models import (
    AuditEvent,
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Employer,
    Learner,
    LearnerSkill,
    Provider,
    Sector,
    Skill,
    SkillDemand,
    SkillDemandSkill,
    User,
    district_neighbour,
)
from skillsmatch.services import employer_needs as en
from skillsmatch.services.form_input import InvalidInput
from skillsmatch.services.pathways import PathwayIndex

ESCO = "http://data.europa.eu/esco/skill/svc-"
WELLBEING, RECORDS, LIFTING, CODE = (ESCO + k for k in ("wellbeing", "records", "lifting", "code"))
LABELS = {
    WELLBEING: "support people's wellbeing",
    RECORDS: "maintain records",
    LIFTING: "move people safely",
    CODE: "write code",
}
TODAY = date(2026, 7, 1)


@dataclass
class World:
    employer: Employer
    other: Employer
    viewer: User
    stranger: User
    learners: dict[str, Learner]


def _district(code: str, name: str) -> District:
    return District(code=code, name=name, population_2011=1, population_2021=1, working_age_2021=1)


def _learner(
    name: str, district: District, skills: list[Skill], consent: bool, care: Sector
) -> Learner:
    user = User(
        email=f"{name.lower()}@example.com", password_hash="x", role="learner", display_name=name
    )
    learner = Learner(user=user, district=district, visible_to_employers=consent, sectors=[care])
    learner.skills = [LearnerSkill(skill=s, provenance="added", confirmed=True) for s in skills]
    return learner


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        chelmsford, braintree, tendring = (
            _district("E07000070", "Chelmsford"),
            _district("E07000067", "Braintree"),
            _district("E07000076", "Tendring"),
        )
        care = Sector(slug="care", name="Care")
        skills = {
            uri: Skill(uri=uri, label=label, skill_type="skill") for uri, label in LABELS.items()
        }
        db.session.add_all([chelmsford, braintree, tendring, care, *skills.values()])
        db.session.flush()
        db.session.execute(
            sa.insert(district_neighbour),
            [
                {"district_id": chelmsford.id, "neighbour_id": braintree.id},
                {"district_id": braintree.id, "neighbour_id": chelmsford.id},
            ],
        )
        college = Provider(name="Chelmsford College", district=chelmsford)
        trust = Provider(name="Tendring Trust", district=tendring)
        adult_care = Course(
            reference="ST0005",
            kind="apprenticeship",
            title="Adult care worker",
            level=2,
            sector=care,
        )
        adult_care.skills = [
            CourseSkill(skill=skills[WELLBEING], provenance="ksb", score=0.9),
            CourseSkill(skill=skills[RECORDS], provenance="ksb", score=0.8),
        ]
        adult_care.offerings = [
            CourseOffering(
                provider=college,
                district=chelmsford,
                mode="in-person",
                start_dates=["2026-09-07"],
                places=12,
            )
        ]
        handling = Course(
            reference="ST0999",
            kind="apprenticeship",
            title="Moving and handling",
            level=2,
            sector=care,
        )
        handling.skills = [CourseSkill(skill=skills[LIFTING], provenance="ksb", score=0.9)]
        handling.offerings = [
            CourseOffering(
                provider=trust,
                district=tendring,
                mode="in-person",
                start_dates=["2026-09-07"],
                places=6,
            )
        ]
        employer = Employer(name="Oak Care", district=chelmsford, sector=care)
        other = Employer(name="Elm Care", district=chelmsford, sector=care)
        db.session.add_all([college, trust, adult_care, handling, employer, other])
        db.session.flush()
        viewer = User(
            email="hr@oak.example",
            password_hash="x",
            role="employer",
            display_name="Oak HR",
            employer_id=employer.id,
        )
        stranger = User(
            email="hr@elm.example",
            password_hash="x",
            role="employer",
            display_name="Elm HR",
            employer_id=other.id,
        )
        ready = [skills[WELLBEING], skills[RECORDS]]
        learners = {
            "Amy": _learner("Amy", chelmsford, ready, True, care),
            "Bob": _learner("Bob", braintree, ready, False, care),
            "Cat": _learner("Cat", chelmsford, [skills[CODE]], True, care),
            "Dan": _learner("Dan", tendring, ready, True, care),
        }
        db.session.add_all([viewer, stranger, *learners.values()])
        db.session.commit()
        frame = pd.DataFrame([(s.uri, s.label) for s in skills.values()], columns=["uri", "label"])
        app.extensions["skill_linker"] = hashing_linker(frame)
        yield World(employer, other, viewer, stranger, learners)


def _index() -> PathwayIndex:
    return PathwayIndex.build(db.session, encoder=HashingEncoder(), today=TODAY)


def _need(world: World, **values: str) -> SkillDemand:
    fields = en.NeedFields(
        **{
            "title": "Care assistant",
            "headcount": "3",
            "timeframe": "6",
            "district": "E07000070",
            **values,
        }
    )
    chosen = [
        en.ChosenSkill(WELLBEING, "essential"),
        en.ChosenSkill(RECORDS, "essential"),
        en.ChosenSkill(LIFTING, "optional"),
    ]
    return en.create_need(db.session, world.employer, fields, chosen)


def _vacancy_fields(**values: str) -> en.VacancyFields:
    return en.VacancyFields(
        **{
            "title": "Senior carer",
            "district": "E07000070",
            "advert": "You will support people's wellbeing.",
            **values,
        }
    )


def _problems(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return error.value.problems


# --- checking and storing ------------------------------------------------------------------------


def test_a_need_is_checked_field_by_field(app: Flask, world: World) -> None:
    with app.app_context():
        employer = db.session.merge(world.employer)
        with pytest.raises(InvalidInput) as error:
            en.create_need(db.session, employer, en.NeedFields(), [])
        assert [field for field, _ in _problems(error)] == [
            "title",
            "headcount",
            "timeframe",
            "district",
            "skills",
        ]
        with pytest.raises(InvalidInput) as error:
            en.create_need(
                db.session,
                employer,
                en.NeedFields(
                    title="Carer",
                    headcount="10001",
                    timeframe="6 months",
                    district="E07000070",
                    level="9",
                    description="x" * 5001,
                ),
                [en.ChosenSkill(WELLBEING, "essential")] * 2 + [en.ChosenSkill("nope", "")],
            )
        assert _problems(error) == [
            ("headcount", "How many people you need must be between 1 and 10,000"),
            ("timeframe", "Within how many months you need them must be a whole number, like 6"),
            ("level", "Select a level from the list"),
            ("description", "The description of the role must be 5,000 characters or fewer"),
        ]
        too_many = [en.ChosenSkill(f"{ESCO}{i}", "essential") for i in range(en.MAX_SKILLS + 1)]
        with pytest.raises(InvalidInput, match="Choose 40 skills or fewer"):
            en.create_need(
                db.session,
                employer,
                en.NeedFields(title="Carer", headcount="1", timeframe="1", district="E07000070"),
                too_many,
            )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SkillDemand)) == 0


def test_a_need_keeps_the_chosen_skills_and_changes_replace_them(app: Flask, world: World) -> None:
    with app.app_context():
        world.employer = db.session.merge(world.employer)
        demand = _need(world, title="  Care   assistant ", level="3", headcount="1,200")
        db.session.commit()
        assert (demand.title, demand.headcount, demand.level) == ("Care assistant", 1200, 3)
        assert demand.sector is not None and demand.sector.slug == "care"
        assert {s.skill.uri: s.importance for s in demand.skills} == {
            WELLBEING: "essential",
            RECORDS: "essential",
            LIFTING: "optional",
        }
        assert en.chosen_skills(demand)[0].importance == "essential"
        assert en.need_fields(demand) == en.NeedFields(
            title="Care assistant", headcount="1200", timeframe="6", district="E07000070", level="3"
        )

        en.update_need(
            db.session,
            demand,
            en.NeedFields(
                title="Senior carer", headcount="2", timeframe="12", district="E07000067"
            ),
            [
                en.ChosenSkill(RECORDS, "optional"),
                en.ChosenSkill(CODE, "essential"),
                en.ChosenSkill(WELLBEING, ""),
            ],
        )
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(SkillDemand, demand.id)
        assert stored is not None and stored.district.name == "Braintree"
        assert stored.level is None
        assert {s.skill.uri: s.importance for s in stored.skills} == {
            RECORDS: "optional",
            CODE: "essential",
        }
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SkillDemandSkill)) == 2
        en.delete_need(db.session, stored)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SkillDemandSkill)) == 0


def test_only_the_employers_own_needs_and_vacancies_are_found(app: Flask, world: World) -> None:
    with app.app_context():
        world.employer = db.session.merge(world.employer)
        other = db.session.merge(world.other)
        demand = _need(world)
        vacancy, _ = en.create_vacancy(
            db.session,
            world.employer,
            _vacancy_fields(),
            [en.ChosenSkill(WELLBEING, "essential")],
            today=TODAY,
        )
        db.session.commit()
        assert en.own_need(db.session, world.employer, demand.public_id) is demand
        assert en.own_vacancy(db.session, world.employer, vacancy.public_id) is vacancy
        assert en.own_need(db.session, other, demand.public_id) is None
        assert en.own_vacancy(db.session, other, vacancy.public_id) is None
        assert en.own_need(db.session, world.employer, vacancy.public_id) is None
        assert en.own_need(db.session, world.employer, uuid.uuid4()) is None
        stranger = db.session.merge(world.stranger)
        assert en.employer_for(db.session, stranger) is other
        learner_user = db.session.scalar(sa.select(User).where(User.role == "learner"))
        assert learner_user is not None and en.employer_for(db.session, learner_user) is None


def test_a_vacancy_loses_contact_details_and_its_skills_are_confirmed(
    app: Flask, world: World
) -> None:
    with app.app_context():
        employer = db.session.merge(world.employer)
        advert = (
            "You will support people's wellbeing.\n"
            "Contact Jo Bloggs on 01245 513714 or jo@oak.example for a chat.\n"
            "Paid training."
        )
        vacancy, removed = en.create_vacancy(
            db.session,
            employer,
            _vacancy_fields(
                advert=advert,
                salary="£24,000 - £27,000",
                closing_day="31",
                closing_month="7",
                closing_year="2026",
                level="2",
            ),
            [en.ChosenSkill(WELLBEING, "essential"), en.ChosenSkill(CODE, "optional")],
            today=TODAY,
        )
        db.session.commit()
        assert removed
        assert vacancy.description == (
            "You will support people's wellbeing.\nPaid training.\n[Contact details removed]"
        )
        assert (vacancy.salary_min, vacancy.salary_max, vacancy.closing_date) == (
            24000,
            27000,
            date(2026, 7, 31),
        )
        assert (vacancy.source, vacancy.source_ref) == ("employer", str(vacancy.public_id))
        assert (vacancy.employer_name, vacancy.date_posted, vacancy.level) == ("Oak Care", TODAY, 2)
        assert {s.skill.uri: (s.importance, s.provenance, s.score) for s in vacancy.skills} == {
            WELLBEING: ("essential", "confirmed", 1.0),
            CODE: ("optional", "confirmed", 1.0),
        }
        assert en.vacancy_fields(vacancy).closing_day == "31"

        # Saved again as it is: nothing more removed, the note kept.
        again = en.update_vacancy(
            db.session, vacancy, en.vacancy_fields(vacancy), en.chosen_skills(vacancy), today=TODAY
        )
        assert not again and vacancy.description.endswith("[Contact details removed]")
        with pytest.raises(InvalidInput) as error:
            en.update_vacancy(
                db.session,
                vacancy,
                _vacancy_fields(
                    title="Carer jo@oak.example",
                    advert="",
                    salary="ring 07834 514945",
                    closing_day="1",
                    closing_month="1",
                    closing_year="2026",
                ),
                [en.ChosenSkill(WELLBEING, "essential")],
                today=TODAY,
            )
        assert _problems(error) == [
            ("title", "Remove email addresses and phone numbers from the job title"),
            ("advert", "Paste the text of the advert"),
            ("salary", "Remove email addresses and phone numbers from the salary"),
            ("closing_day", "The closing date must be today or in the future"),
        ]


def test_an_advert_that_is_only_contact_details_is_refused(app: Flask, world: World) -> None:
    with app.app_context():
        employer = db.session.merge(world.employer)
        with pytest.raises(InvalidInput) as error:
            en.create_vacancy(
                db.session,
                employer,
                _vacancy_fields(advert="Call 01245 513714."),
                [en.ChosenSkill(WELLBEING, "essential")],
                today=TODAY,
            )
        assert _problems(error) == [
            (
                "advert",
                "The advert has no text left once contact details are removed: "
                "paste the whole advert",
            )
        ]


def test_skill_choice_lists_chosen_then_suggested_then_found(app: Flask, world: World) -> None:
    with app.app_context():
        choice = en.skill_choice(
            db.session,
            [
                en.ChosenSkill(RECORDS, "optional"),
                en.ChosenSkill("unknown", "essential"),
                en.ChosenSkill(CODE, ""),
            ],
            "Every day you support people's wellbeing. You maintain records too.",
            "  write   ",
        )
        assert [(r.uri, r.source, r.importance) for r in choice.rows] == [
            (RECORDS, "chosen", "optional"),
            (WELLBEING, "suggested", ""),
            (CODE, "search", ""),
        ]
        assert choice.query == "write" and choice.found == 1 and choice.suggested == 2
        assert choice.rows[1].evidence == "Every day you support people's wellbeing."
        assert [r.uri for r in choice.chosen] == [RECORDS]
        nothing = en.skill_choice(db.session, [], "zzz qqq", "")
        assert nothing.rows == [] and nothing.suggestion_reason


# --- supply ------------------------------------------------------------------------------------


def test_a_need_is_supplied_by_courses_in_reach_with_coverage_and_missing_skills(
    app: Flask, world: World
) -> None:
    with app.app_context():
        world.employer = db.session.merge(world.employer)
        demand = _need(world)
        db.session.commit()
        viewer = db.session.merge(world.viewer)
        supply = en.supply_for_need(
            _index(), db.session, viewer, demand, request_id="req-1", today=TODAY
        )
        assert {s.label for s in supply.essential} == {
            "maintain records",
            "support people's wellbeing",
        }
        assert [s.label for s in supply.optional] == ["move people safely"]
        # Only the care course is in reach; the handling course runs in Tendring.
        assert [c.provision.course.title for c in supply.courses] == ["Adult care worker"]
        care = supply.courses[0]
        assert (care.provision.essential_coverage, care.provision.optional_coverage) == (100, 0)
        assert [s.label for s in care.missing] == ["move people safely"]
        assert care.missing_essential == []
        assert [s.label for s in supply.unsupplied] == ["move people safely"]
        assert supply.best_essential == 100 and not supply.shows_demo

        # The pipeline: Amy and Bob ready, Cat on a pathway; Dan out of reach.
        assert (supply.ready_now, supply.on_pathway, supply.considered) == (2, 1, 3)
        assert {p.name: (p.status, p.course) for p in supply.named} == {
            "Amy": ("ready now", None),
            "Cat": ("on a pathway", "Adult care worker"),
        }
        assert supply.hidden == 1  # Bob: counted, never named
        db.session.commit()
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        named_ids = {world.learners[n].public_id for n in ("Amy", "Cat")}
        assert {e.target_id for e in events} == named_ids
        assert all(
            (e.action, e.target_type, e.actor_id, e.actor_role, e.request_id)
            == ("read", "learner", viewer.public_id, "employer", "req-1")
            for e in events
        )
        assert all(
            e.detail == {"via": "skill-demand-supply", "object": str(demand.public_id)}
            for e in events
        )


def test_a_learner_who_withdraws_consent_is_no_longer_named(app: Flask, world: World) -> None:
    with app.app_context():
        world.employer = db.session.merge(world.employer)
        demand = _need(world)
        for name in ("Amy", "Cat"):
            learner = db.session.merge(world.learners[name])
            learner.visible_to_employers = False
        db.session.commit()
        supply = en.supply_for_need(
            _index(), db.session, db.session.merge(world.viewer), demand, today=TODAY
        )
        assert supply.named == [] and supply.pipeline == 3 and supply.hidden == 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_only_the_owner_sees_the_supply(app: Flask, world: World) -> None:
    with app.app_context():
        world.employer = db.session.merge(world.employer)
        demand = _need(world)
        db.session.commit()
        index = _index()
        for user in (
            db.session.merge(world.stranger),
            db.session.merge(world.learners["Amy"]).user,
        ):
            with pytest.raises(PermissionError):
                en.supply_for_need(index, db.session, user, demand, today=TODAY)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_a_vacancy_is_supplied_and_listed(app: Flask, world: World) -> None:
    with app.app_context():
        employer = db.session.merge(world.employer)
        vacancy, _ = en.create_vacancy(
            db.session,
            employer,
            _vacancy_fields(closing_day="1", closing_month="7", closing_year="2026"),
            [en.ChosenSkill(LIFTING, "essential"), en.ChosenSkill(RECORDS, "optional")],
            today=TODAY,
        )
        db.session.commit()
        supply = en.supply_for_vacancy(
            _index(), db.session, db.session.merge(world.viewer), vacancy, today=TODAY
        )
        assert [c.provision.course.title for c in supply.courses] == ["Adult care worker"]
        care = supply.courses[0]
        assert (care.provision.essential_coverage, care.provision.optional_coverage) == (0, 100)
        assert [(s.label, s.essential) for s in care.missing] == [("move people safely", True)]
        assert [s.label for s in supply.unsupplied] == ["move people safely"]

        listing = en.list_needs(db.session, employer)
        assert [
            (v.title, v.skills, v.closed(TODAY), v.closed(TODAY + timedelta(days=1)))
            for v in listing.vacancies
        ] == [("Senior carer", 2, False, True)]
        assert listing.needs == [] and listing.headcount == 0 and not listing.shows_demo
        _need(World(employer, world.other, world.viewer, world.stranger, {}))
        listing = en.list_needs(db.session, employer)
        assert [(n.title, n.essential, n.optional, n.district) for n in listing.needs] == [
            ("Care assistant", 2, 1, "Chelmsford")
        ]
        assert listing.headcount == 3
