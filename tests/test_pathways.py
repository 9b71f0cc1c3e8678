"""Learner -> pathways and vacancy/demand -> provision, on small constructed data (both databases).

The data: three districts (Chelmsford and Braintree are neighbours, Tendring is neither's), a care
occupation with four essential and two optional skills, courses in and out of reach, vacancies in
and out of reach, and learners with and without consent to be seen. A hashing encoder stands in
for the sentence model, so the tests need no model and run fast.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from fakes import HashingEncoder
from flask import Flask

from ml.course_matching import CourseMatch
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
    SavedPathway,
    Sector,
    Skill,
    SkillDemand,
    SkillDemandSkill,
    User,
    Vacancy,
    VacancySkill,
    district_neighbour,
    skill_broader,
)
from skillsmatch.services.pathways import (
    EXTENSION_KEY,
    LearnerProfile,
    PathwayIndex,
    get_pathway_index,
    learner_pipeline,
    provision_for_demand,
    provision_for_vacancy,
    rebuild_pathway_index,
    recommend_pathways,
)

TODAY = date(2026, 7, 1)


# ---------------------------------------------------------------------------- factories


def make_district(code: str, name: str) -> District:
    return District(code=code, name=name, population_2011=1, population_2021=1, working_age_2021=1)


def make_skill(n: int, label: str) -> Skill:
    return Skill(uri=f"http://example.org/skill/{n}", label=label, skill_type="skill")


def make_course(
    reference: str,
    title: str,
    skills: Sequence[Skill],
    offerings: Sequence[tuple[Provider, District | None, int]],
    level: int = 2,
    months: int = 12,
    funding: int | None = 3000,
    sector: Sector | None = None,
) -> Course:
    course = Course(
        reference=reference,
        kind="apprenticeship",
        title=title,
        level=level,
        duration_months=months,
        max_funding=funding,
        overview=title,
        sector=sector,
    )
    for skill in skills:
        course.skills.append(CourseSkill(skill=skill, provenance="ksb", score=0.8))
    for provider, district, places in offerings:
        course.offerings.append(
            CourseOffering(
                provider=provider,
                district=district,
                mode="online" if district is None else "in-person",
                start_dates=[(TODAY + timedelta(days=60)).isoformat()],
                places=places,
            )
        )
    return course


def make_vacancy(
    ref: str,
    title: str,
    district: District | None,
    skills: Sequence[tuple[Skill, str]],
    sector: Sector | None,
    occupation: Occupation | None = None,
    closing: date | None = None,
) -> Vacancy:
    vacancy = Vacancy(
        source="test",
        source_ref=ref,
        title=title,
        description=title,
        employer_name="Test Care",
        district=district,
        sector=sector,
        occupation=occupation,
        closing_date=closing,
    )
    for skill, importance in skills:
        vacancy.skills.append(
            VacancySkill(skill=skill, provenance="advert", score=0.9, importance=importance)
        )
    return vacancy


def make_learner(
    name: str,
    district: District | None,
    sectors: Sequence[Sector],
    confirmed: Sequence[Skill] = (),
    pending: Sequence[Skill] = (),
    visible: bool = False,
    level: int | None = 2,
) -> Learner:
    user = User(
        email=f"{name.lower()}@example.org", password_hash="x", role="learner", display_name=name
    )
    learner = Learner(
        user=user,
        district=district,
        level=level,
        sectors=list(sectors),
        visible_to_employers=visible,
        about="",
    )
    for skill in confirmed:
        learner.skills.append(LearnerSkill(skill=skill, provenance="added", confirmed=True))
    for skill in pending:
        learner.skills.append(LearnerSkill(skill=skill, provenance="text", confirmed=False))
    return learner


@dataclass
class World:
    chelmsford: District
    braintree: District
    tendring: District
    care: Sector
    digital: Sector
    skills: dict[str, Skill]
    occupation: Occupation
    courses: dict[str, Course]
    vacancies: dict[str, Vacancy]
    learners: dict[str, Learner]
    demand: SkillDemand

    def ids(self, *names: str) -> set[int]:
        return {self.skills[n].id for n in names}


def build_world() -> World:
    chelmsford = make_district("E07000070", "Chelmsford")
    braintree = make_district("E07000067", "Braintree")
    tendring = make_district("E07000076", "Tendring")
    care = Sector(slug="care", name="Health and care")
    digital = Sector(slug="digital", name="Digital")
    db.session.add_all([chelmsford, braintree, tendring, care, digital])
    db.session.flush()
    db.session.execute(
        sa.insert(district_neighbour),
        [{"district_id": chelmsford.id, "neighbour_id": braintree.id}],
    )
    names = {
        "care": "provide personal care",
        "talk": "communicate with patients",
        "meds": "administer medication",
        "hygiene": "follow infection control",
        "meals": "prepare meals",
        "drive": "drive a car",
        "insulin": "administer insulin",
        "python": "Python programming",
        "code": "write software",
    }
    skills = {key: make_skill(i, label) for i, (key, label) in enumerate(names.items())}
    db.session.add_all(skills.values())
    db.session.flush()
    # "administer insulin" is a narrower skill of "administer medication".
    db.session.execute(
        sa.insert(skill_broader),
        [{"skill_id": skills["insulin"].id, "broader_id": skills["meds"].id}],
    )
    occupation = Occupation(
        uri="http://example.org/occ/1",
        label="home care aide",
        description="helps people at home",
        isco08="5322",
        sector=care,
    )
    for key, relation in (
        ("care", "essential"),
        ("talk", "essential"),
        ("meds", "essential"),
        ("hygiene", "essential"),
        ("meals", "optional"),
        ("drive", "optional"),
    ):
        occupation.skills.append(OccupationSkill(skill=skills[key], relation=relation))
    developer = Occupation(
        uri="http://example.org/occ/2", label="software developer", isco08="2512", sector=digital
    )
    developer.skills.append(OccupationSkill(skill=skills["code"], relation="essential"))
    db.session.add_all([occupation, developer])

    college = Provider(name="Chelmsford College", district=chelmsford)
    far = Provider(name="Tendring College", district=tendring)
    online = Provider(name="Online Academy")
    courses = {
        "certificate": make_course(
            "ST0001",
            "Care certificate",
            [skills["talk"], skills["meds"]],
            [(college, chelmsford, 10)],
            sector=care,
        ),
        "infection": make_course(
            "ST0002",
            "Infection control",
            [skills["hygiene"]],
            [(far, tendring, 10), (online, None, 20)],
            months=3,
            funding=500,
            sector=care,
        ),
        "far": make_course(
            "ST0003",
            "Complete care (Tendring)",
            [skills["talk"], skills["meds"], skills["hygiene"]],
            [(far, tendring, 10)],
            sector=care,
        ),
        "full": make_course(
            "ST0004",
            "Complete care (full)",
            [skills["talk"], skills["meds"], skills["hygiene"]],
            [(college, chelmsford, 0)],
            sector=care,
        ),
        "advanced": make_course(
            "ST0005",
            "Care leadership",
            [skills["talk"], skills["meds"], skills["hygiene"]],
            [(college, chelmsford, 10)],
            level=5,
            sector=care,
        ),
    }
    courses["certificate"].occupations.append(
        CourseOccupation(occupation=occupation, score=0.9, job_title="care worker")
    )
    db.session.add_all(courses.values())

    essential4 = [(skills[k], "essential") for k in ("care", "talk", "meds", "hygiene")]
    vacancies = {
        "ready": make_vacancy(
            "V1",
            "Care assistant",
            braintree,
            [(skills["care"], "essential"), (skills["meals"], "essential")],
            care,
            occupation,
        ),
        "far": make_vacancy(
            "V2",
            "Care assistant Clacton",
            tendring,
            [(skills["care"], "essential"), (skills["meals"], "essential")],
            care,
            occupation,
        ),
        "closed": make_vacancy(
            "V3",
            "Care assistant (closed)",
            chelmsford,
            [(skills["care"], "essential")],
            care,
            occupation,
            closing=TODAY - timedelta(days=1),
        ),
        "senior": make_vacancy(
            "V4",
            "Senior carer",
            chelmsford,
            [*essential4, (skills["meals"], "optional"), (skills["drive"], "optional")],
            care,
            occupation,
        ),
        "blank": make_vacancy("V5", "Helper", chelmsford, [], care),
    }
    db.session.add_all(vacancies.values())

    employer = Employer(name="Test Care Ltd", district=chelmsford, sector=care)
    demand = SkillDemand(
        employer=employer,
        title="home care aide",
        district=chelmsford,
        sector=care,
        occupation=occupation,
        headcount=3,
        timeframe_months=6,
    )
    for skill, _ in essential4:
        demand.skills.append(SkillDemandSkill(skill=skill, importance="essential"))
    demand.skills.append(SkillDemandSkill(skill=skills["meals"], importance="optional"))
    db.session.add(demand)

    learners = {
        # Chelmsford, has one essential and one optional skill; a pending skill does not count.
        "amy": make_learner(
            "Amy",
            chelmsford,
            [care],
            [skills["care"], skills["meals"]],
            pending=[skills["drive"]],
            visible=True,
        ),
        # Braintree (neighbour), ready for the senior role now, not visible to employers.
        "ben": make_learner(
            "Ben",
            braintree,
            [care],
            [skills["care"], skills["talk"], skills["meds"], skills["hygiene"]],
        ),
        # Tendring: cannot reach Chelmsford.
        "cal": make_learner("Cal", tendring, [care], [skills["care"]], visible=True),
        # Chelmsford, but interested in digital only.
        "dee": make_learner("Dee", chelmsford, [digital], [skills["care"]], visible=True),
        # Holds a narrower skill of "administer medication".
        "eve": make_learner("Eve", chelmsford, [care], [skills["care"], skills["insulin"]]),
        # No confirmed skills, two waiting for confirmation.
        "fay": make_learner(
            "Fay", chelmsford, [care], [], pending=[skills["care"], skills["talk"]]
        ),
        # Only a skill nothing here teaches or asks for.
        "gus": make_learner("Gus", chelmsford, [care], [skills["python"]]),
        # No district set.
        "hal": make_learner("Hal", None, [care], [skills["care"]]),
    }
    db.session.add_all(learners.values())
    db.session.commit()
    return World(
        chelmsford,
        braintree,
        tendring,
        care,
        digital,
        skills,
        occupation,
        courses,
        vacancies,
        learners,
        demand,
    )


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        yield build_world()


def index_for() -> PathwayIndex:
    return PathwayIndex.build(db.session, encoder=HashingEncoder(), today=TODAY)


def labels(items: Sequence[object]) -> set[str]:
    return {i.label for i in items}  # type: ignore[attr-defined]


def first(pathways: Sequence[object], *titles: str) -> object:
    """The pathway whose course titles are exactly ``titles``."""
    for p in pathways:
        if tuple(c.title for c in p.courses) == titles:  # type: ignore[attr-defined]
            return p
    raise AssertionError(f"no pathway through {titles}")


# ---------------------------------------------------------------------------- learner -> pathways


def test_pathway_lists_what_the_learner_has_gains_and_still_lacks(world: World) -> None:
    index = index_for()
    result = recommend_pathways(index, world.learners["amy"], today=TODAY)

    p = first(result.pathways, "Care certificate")
    assert p.occupation == "home care aide" and p.sector == "Health and care"
    assert labels(p.have) == {"provide personal care", "prepare meals"}
    assert labels(p.adds) == {"communicate with patients", "administer medication"}
    # Essential first: infection control is essential, driving optional; the pending
    # (unconfirmed) driving skill does not count as held.
    assert [s.label for s in p.missing] == ["follow infection control", "drive a car"]
    assert [s.essential for s in p.missing] == [True, False]
    step = p.courses[0]
    assert (step.travel, step.level_step, step.district) == ("same district", 0, "Chelmsford")
    assert (p.duration_months, p.funding) == (12, 3000)
    assert step.next_start == TODAY + timedelta(days=60)
    # Weighted coverage: essential 1, optional 0.35; (1 + 0.35) / 4.7 now, (3 + 0.35) / 4.7 after.
    assert (p.coverage_now, p.coverage_after) == (29, 71)
    # Live vacancies for the occupation in reach: Braintree and Chelmsford, not Tendring or closed.
    assert p.n_vacancies == 2
    assert {v.title for v in p.vacancies} == {"Care assistant", "Senior carer"}
    assert "You already have 2 of the 6 skills" in p.explanation
    assert "Still missing afterwards: 1 essential (follow infection control)" in p.explanation
    assert p.score.score == round(sum(v for _, v in p.score.parts))

    titles = {tuple(c.title for c in q.courses) for q in result.pathways}
    # Out of reach (Tendring only), no places left, or three levels up: never offered.
    assert ("Complete care (Tendring)",) not in titles
    assert ("Complete care (full)",) not in titles
    assert ("Care leadership",) not in titles
    online = first(result.pathways, "Infection control")
    assert online.courses[0].travel == "online"
    assert labels(online.adds) == {"follow infection control"}


def test_two_step_pathway_when_one_course_leaves_essential_skills_missing(world: World) -> None:
    result = recommend_pathways(index_for(), world.learners["amy"], today=TODAY)
    two = first(result.two_step, "Care certificate", "Infection control")
    assert labels(two.adds) == {"communicate with patients", "administer medication"}
    assert labels(two.adds_second) == {"follow infection control"}
    assert [s.label for s in two.missing] == ["drive a car"]
    assert not two.missing_essential
    assert [c.travel for c in two.courses] == ["same district", "online"]
    assert (two.duration_months, two.funding) == (15, 3500)
    assert "then Infection control" in two.explanation
    assert dict(two.score.parts)["needs two courses"] < 0


def test_ready_now_vacancies_are_in_reach_and_open(world: World) -> None:
    result = recommend_pathways(index_for(), world.learners["amy"], today=TODAY)
    ready = {m.vacancy.title: m for m in result.ready_now}
    assert set(ready) == {"Care assistant"}  # Tendring is out of reach; the other one closed
    match = ready["Care assistant"]
    assert match.ready and match.travel == "neighbouring district"
    assert match.essential_coverage == 100
    assert "You could apply now" in match.explanation
    # The senior role needs three essential skills Amy lacks: close, not ready.
    close = {m.vacancy.title: m for m in result.close}
    assert "Senior carer" in close and not close["Senior carer"].ready
    assert labels(close["Senior carer"].missing) >= {"follow infection control"}


def test_narrower_skill_partly_covers_a_broader_one(world: World) -> None:
    result = recommend_pathways(index_for(), world.learners["eve"], today=TODAY)
    p = first(result.pathways, "Infection control")
    partly = {s.label: s.via for s in p.partly}
    assert partly == {"administer medication": "administer insulin"}
    assert "administer medication" not in labels(p.missing)
    assert "Partly covered" in p.explanation


def test_learner_with_no_confirmed_skills_is_told_why(world: World) -> None:
    result = recommend_pathways(index_for(), world.learners["fay"], today=TODAY)
    assert result.has("no-skills")
    assert "no confirmed skills" in result.explanation
    assert "Confirm the 2 skills" in result.explanation
    # Suggestions still come from sectors and location, with nothing counted as held.
    assert result.pathways and all(not p.have for p in result.pathways)
    assert not result.ready_now


def test_skills_no_course_teaches_are_named(world: World) -> None:
    result = recommend_pathways(index_for(), world.learners["gus"], today=TODAY)
    assert result.has("skills-unmatched")
    assert "None of your confirmed skills (Python programming)" in result.explanation


def test_district_outside_greater_essex_or_missing(world: World) -> None:
    index = index_for()
    skill = world.skills["care"].id
    outside = recommend_pathways(
        index,
        LearnerProfile(
            skill_ids=(skill,), sector_ids=(world.care.id,), district_code="E09000033", level=2
        ),
        today=TODAY,
    )
    assert outside.has("district-outside-area")
    assert "'E09000033' is not one of the 14 districts" in outside.explanation
    assert outside.pathways
    assert {c.travel for p in outside.pathways for c in p.courses} == {"online"}

    missing = recommend_pathways(index, world.learners["hal"], today=TODAY)
    assert missing.has("no-district")
    assert {c.travel for p in missing.pathways for c in p.courses} == {"online"}
    assert not missing.ready_now  # every vacancy here has a district


def test_known_district_code_is_accepted(world: World) -> None:
    result = recommend_pathways(
        index_for(),
        LearnerProfile(
            skill_ids=(world.skills["care"].id,),
            sector_ids=(world.care.id,),
            district_code="e07000070",
            level=2,
        ),
        today=TODAY,
    )
    assert not result.has("district-outside-area")
    assert first(result.pathways, "Care certificate").courses[0].travel == "same district"


# ---------------------------------------------------------------------------- provision, pipeline


def test_vacancy_provision_coverage_and_pipeline_counts(world: World) -> None:
    index = index_for()
    result = provision_for_vacancy(index, db.session, world.vacancies["senior"], today=TODAY)
    assert not result.notices
    got = {c.course.title: c for c in result.courses}
    # In reach of Chelmsford with places (any level: this is the employer's view); not the
    # Tendring-only course, nor the one with no places left.
    assert set(got) == {"Care leadership", "Care certificate", "Infection control"}
    coverage = {t: (c.essential_coverage, c.optional_coverage) for t, c in got.items()}
    assert coverage == {
        "Care leadership": (75, 0),
        "Care certificate": (50, 0),
        "Infection control": (25, 0),
    }
    assert got["Infection control"].course.travel == "online"
    assert got["Care certificate"].course.travel == "same district"
    scores = [c.score.raw.score for c in result.courses]
    assert scores == sorted(scores, reverse=True)
    assert "supplies 50% of the essential skills" in got["Care certificate"].explanation
    assert labels(result.essential) == {
        "provide personal care",
        "communicate with patients",
        "administer medication",
        "follow infection control",
    }
    # Ben (Braintree) is ready; Amy and Eve are a course away; Cal cannot reach Chelmsford;
    # Dee is interested in digital only; Fay has no confirmed skills; Gus's skill is not needed
    # and no single course lifts him to half the role.
    assert result.pipeline is not None
    assert (result.pipeline.ready_now, result.pipeline.on_pathway) == (1, 2)
    assert result.pipeline.named == []  # counts only in the provision result


def test_pipeline_names_only_learners_who_consented(world: World) -> None:
    index = index_for()
    pipeline = learner_pipeline(index, db.session, world.vacancies["senior"], today=TODAY)
    assert (pipeline.ready_now, pipeline.on_pathway) == (1, 2)
    assert {p.name: p.status for p in pipeline.named} == {"Amy": "on a pathway"}
    assert pipeline.named[0].course == "Care certificate"

    world.learners["ben"].visible_to_employers = True
    world.learners["amy"].visible_to_employers = False
    db.session.commit()
    pipeline = learner_pipeline(index, db.session, world.vacancies["senior"], today=TODAY)
    assert {p.name: p.status for p in pipeline.named} == {"Ben": "ready now"}
    assert (pipeline.ready_now, pipeline.on_pathway) == (1, 2)


def test_skill_demand_provision(world: World) -> None:
    result = provision_for_demand(index_for(), db.session, world.demand, today=TODAY)
    got = {c.course.title: (c.essential_coverage, c.optional_coverage) for c in result.courses}
    assert got == {
        "Care leadership": (75, 0),
        "Care certificate": (50, 0),
        "Infection control": (25, 0),
    }
    assert result.pipeline is not None and result.pipeline.ready_now == 1


def test_vacancy_with_no_extractable_skills_is_explained(world: World) -> None:
    index = index_for()
    blank = world.vacancies["blank"]
    result = provision_for_vacancy(index, db.session, blank, extract=lambda text: [], today=TODAY)
    assert result.has("no-skills-in-vacancy")
    assert "No skills could be found for this vacancy ('Helper')" in result.explanation
    assert result.courses == [] and result.pipeline is None

    talk = world.skills["talk"].id
    found = provision_for_vacancy(
        index, db.session, blank, extract=lambda text: [(talk, 0.7)], today=TODAY
    )
    assert found.has("skills-from-text")
    assert {c.course.title for c in found.courses} == {"Care certificate", "Care leadership"}


def test_demand_whose_skills_no_course_supplies_is_a_gap(world: World) -> None:
    demand = SkillDemand(
        employer=world.demand.employer,
        title="developer",
        district=world.chelmsford,
        sector=world.digital,
        headcount=1,
        timeframe_months=3,
    )
    demand.skills.append(SkillDemandSkill(skill=world.skills["code"], importance="essential"))
    db.session.add(demand)
    db.session.commit()
    result = provision_for_demand(index_for(), db.session, demand, today=TODAY)
    assert result.courses == []
    assert result.has("no-provision")
    assert "a gap in provision" in result.explanation


def test_index_lives_in_app_extensions_and_rebuilds(
    app: Flask, world: World, tmp_path: Path
) -> None:
    app.config["CACHE_DIR"] = str(tmp_path)
    encoder = HashingEncoder()
    index = get_pathway_index(app, encoder=encoder)
    assert app.extensions[EXTENSION_KEY] is index
    assert get_pathway_index(app) is index
    db.session.add(
        make_course(
            "ST0009",
            "New care course",
            [world.skills["drive"]],
            [(Provider(name="New"), world.chelmsford, 5)],
        )
    )
    db.session.commit()
    rebuilt = rebuild_pathway_index(app, encoder=encoder)
    assert rebuilt is not index and app.extensions[EXTENSION_KEY] is rebuilt
    assert "New care course" in {c.title for c in rebuilt.courses}
    assert list(tmp_path.glob("pathway-courses--*.npy"))  # embeddings cached where configured


def test_empty_catalogue_explains_instead_of_failing(app: Flask) -> None:
    with app.app_context():
        district = make_district("E07000070", "Chelmsford")
        learner = make_learner("Ivy", district, [], [make_skill(1, "provide personal care")])
        db.session.add(learner)
        db.session.commit()
        result = recommend_pathways(index_for(), learner, today=TODAY)
        assert result.pathways == [] and result.ready_now == []
        assert result.has("no-courses-in-reach") and result.has("skills-unmatched")
        assert "No course with free places is in your reach from Chelmsford" in result.explanation


def test_profile_vectors_are_reused(world: World) -> None:
    class Counting(HashingEncoder):
        calls = 0

        def encode(self, texts: Sequence[str]) -> np.ndarray:
            Counting.calls += len(texts)
            return super().encode(texts)

    index = PathwayIndex.build(db.session, encoder=Counting(), today=TODAY)
    before = Counting.calls
    first_run = recommend_pathways(index, world.learners["amy"], today=TODAY)
    again = recommend_pathways(index, world.learners["amy"], today=TODAY)
    assert Counting.calls == before + 1
    assert [p.score.score for p in again.pathways] == [p.score.score for p in first_run.pathways]


class TitleMatcher:
    """Stands in for ``ml.course_matching.CourseMatcher``: fixed answers per job title."""

    def __init__(self, answers: dict[str, list[CourseMatch]]) -> None:
        self.answers = answers

    def match(self, texts: Sequence[str], top_k: int = 10) -> list[list[CourseMatch]]:
        return [self.answers.get(t, [])[:top_k] for t in texts]


def test_provision_keeps_the_courses_that_train_for_the_job(world: World) -> None:
    index = index_for()
    vacancy = world.vacancies["senior"]
    index.course_matcher = TitleMatcher(
        {
            vacancy.title: [
                CourseMatch("ST0002", "Infection control", 0.6),
                CourseMatch("ST0003", "Complete care (Tendring)", 0.5),
                CourseMatch("ST0001", "Care certificate", 0.4),
            ]
        }
    )
    result = provision_for_vacancy(index, db.session, vacancy, today=TODAY)
    # "Care leadership" supplies skills but does not train for the job; the Tendring course is
    # out of reach; the rest come in the matcher's order, not by coverage.
    assert [c.course.title for c in result.courses] == ["Infection control", "Care certificate"]


def test_provision_says_when_no_course_trains_for_the_job(world: World) -> None:
    index = index_for()
    vacancy = world.vacancies["senior"]
    index.course_matcher = TitleMatcher({})
    result = provision_for_vacancy(index, db.session, vacancy, today=TODAY)
    assert result.courses == []
    assert result.has("no-course-trains") and not result.has("no-provision")
    assert f"No course in the catalogue trains for '{vacancy.title}'." in result.explanation

    index.course_matcher = TitleMatcher(
        {vacancy.title: [CourseMatch("ST0003", "Complete care (Tendring)", 0.5)]}
    )
    far = provision_for_vacancy(index, db.session, vacancy, today=TODAY)
    assert far.courses == [] and far.has("training-out-of-reach")
    assert "(Complete care (Tendring)) have no offering in reach of Chelmsford" in far.explanation


def test_pipeline_counts_learners_who_saved_a_pathway_to_the_job(world: World) -> None:
    index = index_for()
    vacancy = world.vacancies["senior"]
    course = world.courses["certificate"]
    for name in ("amy", "ben"):
        db.session.add(
            SavedPathway(
                learner=world.learners[name],
                course_id=course.id,
                occupation_id=world.occupation.id,
                pathway_key=f"{course.public_id}:{world.occupation.id}",
            )
        )
    # The same learner saving a second pathway to the same job counts once.
    db.session.add(
        SavedPathway(
            learner=world.learners["amy"],
            course_id=world.courses["infection"].id,
            occupation_id=world.occupation.id,
            pathway_key="second",
        )
    )
    db.session.flush()
    result = provision_for_vacancy(index, db.session, vacancy, today=TODAY)
    assert result.pipeline is not None and result.pipeline.saved == 2
    other = provision_for_vacancy(index, db.session, world.vacancies["blank"], today=TODAY)
    assert other.pipeline is None or other.pipeline.saved == 0
