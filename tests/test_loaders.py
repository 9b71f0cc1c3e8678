"""Reference-data loaders, the demo generator and the ``stats`` contract on real shipped data."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from skillsmatch import create_app
from skillsmatch.extensions import db
from skillsmatch.loaders import reference as ref
from skillsmatch.loaders.demo import DEMO_ACCOUNTS_FILE, generate_demo_data
from skillsmatch.loaders.standards import approved_standards
from skillsmatch.models import (
    Course,
    CourseOffering,
    District,
    Employer,
    Occupation,
    Provider,
    Sector,
    Skill,
    SkillDemand,
    SkillGroup,
    User,
)
from skillsmatch.passwords import verify_password


def test_districts_and_sectors_load_once(app: Flask) -> None:
    with app.app_context():
        first = [ref.load_districts(db.session), ref.load_sectors(db.session)]
        db.session.commit()
        again = [ref.load_districts(db.session), ref.load_sectors(db.session)]
        db.session.commit()
        assert [(r.loaded, r.present) for r in first] == [(14, 0), (7, 0)]
        assert [(r.loaded, r.present) for r in again] == [(0, 14), (0, 7)]

        districts = {d.code: d for d in db.session.scalars(sa.select(District))}
        assert districts["E07000070"].name == "Chelmsford"
        assert districts["E07000070"].population_2021 == 181500
        assert sum(d.population_2021 for d in districts.values()) == 1_859_800
        for d in districts.values():
            assert d.neighbours, d.name
            for n in d.neighbours:
                assert d in n.neighbours  # travel works both ways
        assert {n.name for n in districts["E07000076"].neighbours} >= {"Colchester"}
        assert ref.sector_map(db.session).for_route("Care services") == "care"


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite file with all reference data and one course per standard, built once."""
    path = tmp_path_factory.mktemp("reference") / "reference.sqlite3"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"}
    )
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        for step in (
            ref.load_districts,
            ref.load_sectors,
            ref.load_soc,
            ref.load_sic,
            ref.load_esco,
        ):
            step(db.session)
            db.session.commit()
        sectors = ref.sector_map(db.session)
        ids = dict(db.session.execute(sa.select(Sector.slug, Sector.id)).all())
        for row in approved_standards().to_dict("records"):
            slug = sectors.for_route(row["Route"])
            db.session.add(
                Course(
                    reference=row["Reference"],
                    kind="apprenticeship",
                    title=row["Name"],
                    level=int(row["Level"]),
                    sector_id=ids.get(slug) if slug else None,
                )
            )
        db.session.commit()
        db.engine.dispose()
    yield path


def _copy_app(reference_db: Path, tmp_path: Path, name: str) -> Flask:
    target = tmp_path / name
    shutil.copy(reference_db, target)
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}", "SECRET_KEY": "t"}
    )


def test_esco_is_loaded_with_collections_hierarchy_and_sectors(
    reference_db: Path, tmp_path: Path
) -> None:
    app = _copy_app(reference_db, tmp_path, "esco.sqlite3")
    with app.app_context():
        count = lambda stmt: db.session.scalar(sa.select(sa.func.count()).select_from(stmt))  # noqa: E731
        assert count(Skill) == 13_896
        assert count(Occupation) == 3_007
        assert db.session.scalar(sa.select(sa.func.count()).where(Skill.is_digital)) == 1_201
        assert db.session.scalar(sa.select(sa.func.count()).where(Skill.is_green)) == 570
        assert count(SkillGroup) == 640
        # Nearly every skill sits under a group of the hierarchy (for roll-ups).
        grouped = db.session.scalar(sa.select(sa.func.count()).where(Skill.group_id.is_not(None)))
        assert grouped / 13_896 > 0.95

        nurse = db.session.scalar(
            sa.select(Occupation).where(Occupation.label == "specialist nurse")
        )
        assert nurse is not None and nurse.isco08 == "2221" and nurse.sector.slug == "health"
        assert any(rel.relation == "essential" for rel in nurse.skills)
        per_sector = dict(
            db.session.execute(
                sa.select(Sector.slug, sa.func.count(Occupation.id))
                .join(Occupation.sector)
                .group_by(Sector.slug)
            ).all()
        )
        assert set(per_sector) == {
            "advanced-manufacturing-engineering",
            "care",
            "construction",
            "financial-related-services",
            "health",
            "it-digital-creative",
            "logistics",
        }
        assert min(per_sector.values()) >= 10

        again = ref.load_esco(db.session)
        assert [r.loaded for r in again] == [0, 0, 0, 0]


def _demo_fingerprint() -> list[tuple[object, ...]]:
    rows = db.session.execute(
        sa.select(
            Provider.name, Course.reference, CourseOffering.places, CourseOffering.start_dates
        )
        .join(CourseOffering.provider)
        .join(CourseOffering.course)
        .order_by(Provider.name, Course.reference)
    ).all()
    demands = db.session.execute(
        sa.select(Employer.name, SkillDemand.title, SkillDemand.headcount, SkillDemand.level)
        .join(SkillDemand.employer)
        .order_by(Employer.name, SkillDemand.title)
    ).all()
    return [tuple(r) for r in rows] + [tuple(d) for d in demands]


def test_demo_data_is_reproducible_labelled_and_covers_every_cell(
    reference_db: Path, tmp_path: Path
) -> None:
    fingerprints = []
    for name in ("a.sqlite3", "b.sqlite3"):
        app = _copy_app(reference_db, tmp_path, name)
        instance = tmp_path / name.replace(".sqlite3", "-instance")
        instance.mkdir()
        with app.app_context():
            generate_demo_data(db.session, seed=7, instance=instance, start_year=2027)
            db.session.commit()
            fingerprints.append(_demo_fingerprint())
            assert db.session.scalar(sa.select(sa.func.count()).where(~Provider.is_demo)) == 0
            assert all(n.startswith("Demo ") for n in db.session.scalars(sa.select(Employer.name)))

            runner = app.test_cli_runner()
            stats = json.loads(runner.invoke(args=["stats", "--json"]).output)
            assert len(stats["coverage"]) == 98
            for cell in stats["coverage"]:
                assert cell["courses"] > 0 and cell["demands"] > 0, cell
            assert stats["tables"]["skill"] == 13_896

            accounts = (instance / DEMO_ACCOUNTS_FILE).read_text().splitlines()
            assert [line.split()[0] for line in accounts] == [
                "learner",
                "employer",
                "provider",
                "board",
            ]
            role, email, password = accounts[0].split()
            user = db.session.scalar(sa.select(User).where(User.email == email))
            assert (
                user is not None and user.is_demo and verify_password(user.password_hash, password)
            )

            rerun = generate_demo_data(db.session, seed=7, instance=instance, start_year=2027)
            assert [r.loaded for r in rerun] == [0, 0]
    assert fingerprints[0] == fingerprints[1]
    assert len(fingerprints[0]) > 500


def test_stats_json_contract_on_an_empty_catalogue(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        ref.load_districts(db.session)
        ref.load_sectors(db.session)
        db.session.commit()
    result = sqlite_app.test_cli_runner().invoke(args=["stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert set(stats) == {"tables", "coverage"}
    assert stats["tables"]["district"] == 14 and stats["tables"]["course"] == 0
    assert len(stats["coverage"]) == 98
    assert {(c["sector"], c["district"]) for c in stats["coverage"]}.__len__() == 98
    assert all(
        {"sector", "district", "courses", "vacancies", "demands"} <= set(c)
        for c in stats["coverage"]
    )
    assert all(c["courses"] == c["vacancies"] == c["demands"] == 0 for c in stats["coverage"])


class _KeywordLinker:
    """Links every non-empty text to one real ESCO skill, as a stand-in for the embedding model."""

    precision_threshold_ = 0.5

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def link_statements(self, texts: list[str], top_k: int, min_score: float) -> list[object]:
        from ml.linking import LinkedSkill, LinkResult

        return [
            LinkResult([LinkedSkill(self.uri, "skill", 0.9, t)], None, 1, (t,))
            if t.strip()
            else LinkResult([], "empty text")
            for t in texts
        ]

    def link(self, texts: list[str], top_k: int, min_score: float) -> list[list[object]]:
        return [r.skills for r in self.link_statements(texts, top_k, min_score)]


class _FixedNormaliser:
    def __init__(self, uri: str) -> None:
        self.uri = uri

    def normalise(
        self, titles: list[str], top_k: int, context: list[str] | None = None
    ) -> list[list[object]]:
        from ml.titles import NormalisedTitle

        return [[NormalisedTitle(self.uri, "specialist nurse", 0.8, "2233")] for _ in titles]


def test_standards_and_vacancies_load_with_provenance_and_without_duplicates(
    reference_db: Path, tmp_path: Path
) -> None:
    from skillsmatch.loaders.standards import Readers, load_standards
    from skillsmatch.loaders.vacancies import load_nhs_vacancies
    from skillsmatch.models import CourseSkill, Vacancy

    app = _copy_app(reference_db, tmp_path, "courses.sqlite3")
    with app.app_context():
        db.session.execute(sa.delete(Course))  # the fixture's bare courses; load them properly
        skill = db.session.scalar(
            sa.select(Skill.uri).where(Skill.label == "use spreadsheets software")
        )
        nurse = db.session.scalar(
            sa.select(Occupation.uri).where(Occupation.label == "specialist nurse")
        )
        readers = Readers(_KeywordLinker(skill), _FixedNormaliser(nurse))

        report = load_standards(db.session, readers)
        db.session.commit()
        assert (report.read, report.loaded, len(report.skipped)) == (724, 724, 0)
        provenance = dict(
            db.session.execute(
                sa.select(
                    CourseSkill.provenance, sa.func.count(sa.distinct(CourseSkill.course_id))
                ).group_by(CourseSkill.provenance)
            ).all()
        )
        assert provenance["ksb"] == 248  # approved standards that publish KSB statements
        assert provenance["esco-occupation"] == 724 - 248
        assert all(c.occupations for c in db.session.scalars(sa.select(Course)))
        assert load_standards(db.session, readers).loaded == 0

        vacancies = load_nhs_vacancies(db.session, readers)
        db.session.commit()
        assert (vacancies.read, vacancies.loaded) == (313, 313)
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(Vacancy.district_id.is_(None))) == 0
        )
        sectors = set(db.session.scalars(sa.select(Sector.slug).join(Vacancy.sector)))
        assert sectors == {"health"}
        assert load_nhs_vacancies(db.session, readers).loaded == 0


def test_course_titles_are_normalised_in_the_context_of_their_course() -> None:
    from ml.titles import NormalisedTitle
    from skillsmatch.loaders.standards import course_occupations

    class RecordingNormaliser:
        def __init__(self) -> None:
            self.asked: list[tuple[str, str]] = []

        def normalise(
            self, titles: list[str], top_k: int, context: list[str] | None = None
        ) -> list[list[NormalisedTitle]]:
            assert context is not None
            self.asked += list(zip(titles, context, strict=True))
            return [
                [NormalisedTitle(f"uri:{t}", t, 0.9, "")] if t != "Ranger" else [] for t in titles
            ]

    outdoor = Course(
        reference="ST0479",
        title="Outdoor activity instructor",
        overview="Supervising and guiding children and adults in activities.",
        job_titles=["Ranger", "Outdoor activity instructor", "Instructor"],
    )
    normaliser = RecordingNormaliser()
    found = course_occupations([outdoor], normaliser)
    context = (
        "Outdoor activity instructor. Supervising and guiding children and adults in activities."
    )
    # Each distinct title once, name first, every one with the course's name and overview.
    assert normaliser.asked == [
        ("Outdoor activity instructor", context),
        ("Ranger", context),
        ("Instructor", context),
    ]
    assert [(c.reference, t, m.uri) for c, t, m in found] == [
        ("ST0479", "Outdoor activity instructor", "uri:Outdoor activity instructor"),
        ("ST0479", "Instructor", "uri:Instructor"),
    ]


def test_advert_titles_are_read_with_the_sentences_that_name_skills() -> None:
    from ml.linking import LinkResult
    from skillsmatch.loaders.vacancies import CONTEXT_SENTENCES, title_context

    read = LinkResult(
        [],
        None,
        6,
        (
            "Chill  assistant",  # the title line, met again in the text
            "Prepare the meal trolleys for the wards.",
            "Deliver meals to patients.",
            "Keep the chill room clean.",
            "Record fridge temperatures.",
        ),
    )
    assert CONTEXT_SENTENCES == 3
    assert title_context(" Chill Assistant ", read) == (
        "Chill Assistant. Prepare the meal trolleys for the wards. Deliver meals to patients. "
        "Keep the chill room clean."
    )
    # An advert whose every sentence is blurb is read by its title alone.
    assert title_context("Porter", LinkResult([], "no requirements", 3)) == "Porter."


def test_vacancies_get_the_occupation_of_their_title_read_in_context() -> None:
    from ml.linking import LinkResult
    from ml.titles import NormalisedTitle
    from skillsmatch.loaders.standards import Readers
    from skillsmatch.loaders.vacancies import read_adverts

    class RequirementsLinker:
        precision_threshold_ = 0.5

        def link_statements(self, texts: list[str], top_k: int, min_score: float) -> list[object]:
            return [LinkResult([], None, 2, (t.splitlines()[-1],)) for t in texts]

    class RecordingNormaliser:
        context: list[str] = []

        def normalise(
            self, titles: list[str], top_k: int, context: list[str] | None = None
        ) -> list[list[NormalisedTitle]]:
            assert top_k == 1 and context is not None
            self.context = context
            return [[NormalisedTitle(f"uri:{t}", t, 0.9, "")] for t in titles]

    normaliser = RecordingNormaliser()
    records = [{"title": "Band 6 Radiographer", "description": "Perform X-ray examinations."}]
    read, titles = read_adverts(Readers(RequirementsLinker(), normaliser), records)
    assert normaliser.context == ["Band 6 Radiographer. Perform X-ray examinations."]
    assert read[0].requirements == ("Perform X-ray examinations.",)
    assert titles[0][0].uri == "uri:Band 6 Radiographer"
