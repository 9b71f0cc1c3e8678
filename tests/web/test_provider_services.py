"""The provider's courses service on SQLite and PostgreSQL: ownership, forms, skills, imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from provider_support import (
    ESCO,
    OTHER_PROVIDER,
    OWN_PROVIDER,
    SPREADSHEETS,
    FakeNormaliser,
    csv_file,
    prepare,
)
from sitetest import CHELMSFORD, TENDRING, build_catalogue

from skillsmatch.extensions import db
from skillsmatch.imports import read_records
from skillsmatch.models import Course, CourseOffering, CourseSkill, Provider
from skillsmatch.services import provider_courses as pc
from skillsmatch.services.form_input import InvalidInput
from skillsmatch.services.provider_courses import CourseFields, OfferingFields

DATA_ANALYSIS = CourseFields(
    title="Data analysis with spreadsheets",
    level="3",
    duration="6",
    route="Digital",
    overview="Learners use spreadsheets software to analyse data and present findings.",
)


@pytest.fixture
def ready(app: Flask) -> Iterator[tuple[Flask, FakeNormaliser]]:
    with app.app_context():
        build_catalogue()
    normaliser = prepare(app)
    with app.app_context():
        yield app, normaliser
        db.session.rollback()


def _provider(name: str = OWN_PROVIDER) -> Provider:
    provider = db.session.scalar(sa.select(Provider).where(Provider.name == name))
    assert provider is not None
    return provider


def _course(title: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.title == title))
    assert course is not None
    return course


def _problems(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return dict(error.value.problems)


def _counts() -> tuple[int, int, int]:
    def count(model: type) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    return count(Course), count(CourseOffering), count(CourseSkill)


# --- ownership ----------------------------------------------------------------------------------


def test_a_provider_finds_its_own_courses_and_standards_but_not_anothers(ready: tuple) -> None:
    mine, theirs = _provider(), _provider(OTHER_PROVIDER)
    own = pc.create_course(db.session, mine, DATA_ANALYSIS)
    other = pc.create_course(db.session, theirs, CourseFields(title="Their course", level="2"))
    standard = _course("Adult care worker")

    assert pc.own_course(db.session, mine, own.public_id) is own
    assert pc.course_for(db.session, mine, standard.public_id) is standard
    assert pc.own_course(db.session, mine, standard.public_id) is None  # a standard: run, not edit
    assert pc.course_for(db.session, mine, other.public_id) is None
    assert pc.own_course(db.session, mine, other.public_id) is None
    assert pc.course_for(db.session, mine, uuid.uuid4()) is None

    care_offering = standard.offerings[0]  # run by the demo college
    assert pc.own_offering(db.session, mine, care_offering.public_id) is care_offering
    assert pc.own_offering(db.session, theirs, care_offering.public_id) is None
    bricks = _course("Bricklayer").offerings[0]  # run by the other provider
    assert pc.own_offering(db.session, mine, bricks.public_id) is None


def test_the_listing_holds_own_courses_and_the_standards_run_with_only_own_offerings(
    ready: tuple,
) -> None:
    mine, theirs = _provider(), _provider(OTHER_PROVIDER)
    own = pc.create_course(db.session, mine, DATA_ANALYSIS)
    care = _course("Adult care worker")
    # Another provider also runs the care standard: its offering is not listed as ours.
    pc.add_offering(
        db.session, theirs, care, OfferingFields(mode="in-person", district=TENDRING, places="5")
    )
    listing = pc.list_courses(db.session, mine)
    by_title = {c.title: c for c in listing.courses}
    assert list(by_title) == ["Adult care worker", "Data analysis with spreadsheets"]
    assert by_title["Data analysis with spreadsheets"].is_own
    assert by_title["Data analysis with spreadsheets"].offerings == []
    assert by_title["Data analysis with spreadsheets"].skills >= 1
    run = by_title["Adult care worker"]
    assert not run.is_own
    assert [(o.district, o.mode, o.start_dates, o.places) for o in run.offerings] == [
        ("Chelmsford", "in-person", ["2026-09-07"], 12)
    ]
    assert (listing.offerings, listing.places) == (1, 12)
    assert listing.shows_demo  # the demo college
    assert own.public_id in {c.public_id for c in listing.courses}
    other = pc.list_courses(db.session, theirs)
    assert {c.title for c in other.courses} == {"Bricklayer", "Adult care worker"}
    assert [
        o.places for o in {c.title: c for c in other.courses}["Adult care worker"].offerings
    ] == [5]


# --- courses ------------------------------------------------------------------------------------


def test_creating_a_course_owns_it_and_reads_skills_from_its_text(ready: tuple) -> None:
    mine = _provider()
    course = pc.create_course(db.session, mine, DATA_ANALYSIS)
    db.session.commit()
    assert (course.kind, course.owner_provider_id, course.is_demo) == ("provider", mine.id, False)
    assert (course.level, course.duration_months, course.route) == (3, 6, "Digital")
    assert course.sector is not None and course.sector.slug == "it-digital-creative"  # by route
    assert course.reference.startswith("C-")
    skills = {s.uri: s for s in pc.course_skills(db.session, course)}
    assert SPREADSHEETS in skills
    assert skills[SPREADSHEETS].provenance == "overview" and not skills[SPREADSHEETS].confirmed


def test_course_details_are_checked_field_by_field(ready: tuple) -> None:
    mine = _provider()
    before = _counts()
    with pytest.raises(InvalidInput) as error:
        pc.create_course(
            db.session,
            mine,
            CourseFields(
                title="  ",
                code="ST0005",
                level="9",
                duration="twelve",
                route="Wizardry",
                sector="farming",
                overview="x" * (pc.MAX_OVERVIEW + 1),
            ),
        )
    assert _problems(error) == {
        "title": "Enter the course title",
        "code": "Course codes like ST0123 belong to apprenticeship standards; choose another",
        "level": "Select a level from the list",
        "duration": "Length in months must be a whole number, like 12",
        "route": "Select a route from the list",
        "sector": "Select a priority sector from the list",
        "overview": "Overview must be 10,000 characters or fewer",
    }
    with pytest.raises(InvalidInput) as error:
        pc.create_course(
            db.session,
            mine,
            CourseFields(
                title="t" * 256,
                code="bad code!",
                level="",
                duration="0",
            ),
        )
    assert _problems(error) == {
        "title": "Course title must be 255 characters or fewer",
        "code": "Course code must start with a letter or digit and use only letters, digits "
        "and . _ / -",
        "level": "Select the level of the course",
        "duration": "Length in months must be between 1 and 120",
    }
    db.session.rollback()
    assert _counts() == before


def test_a_course_code_is_unique_and_kept_when_left_blank(ready: tuple) -> None:
    mine = _provider()
    first = pc.create_course(db.session, mine, CourseFields(title="First", code="DA-1", level="3"))
    with pytest.raises(InvalidInput) as error:
        pc.create_course(db.session, mine, CourseFields(title="Second", code="DA-1", level="3"))
    assert _problems(error) == {"code": "Another course already has the code DA-1"}
    pc.update_course(db.session, first, CourseFields(title="First", code="", level="4"))
    assert (first.reference, first.level) == ("DA-1", 4)
    pc.update_course(
        db.session, first, CourseFields(title="First", code="DA-1", level="4", sector="care")
    )
    assert pc.course_fields(first).sector == "care"
    pc.update_course(db.session, first, CourseFields(title="First", code="DA-1", level="4"))
    assert first.sector is None


def test_text_is_cleaned_of_control_characters(ready: tuple) -> None:
    course = pc.create_course(
        db.session,
        _provider(),
        CourseFields(
            title="Nul\x00 byte\x07 title",
            level="2",
            overview="Line one\r\nLine\x00 two\x1b",
        ),
    )
    db.session.commit()
    assert (course.title, course.overview) == ("Nul byte title", "Line one\nLine two")


def test_changing_the_text_rereads_unconfirmed_skills_and_keeps_confirmed_ones(
    ready: tuple,
) -> None:
    course = pc.create_course(db.session, _provider(), DATA_ANALYSIS)
    pc.confirm_skill(db.session, course, ESCO + "customer-service")
    pc.update_course(
        db.session,
        course,
        CourseFields(
            title="Adult social care",
            level="2",
            overview="Learners provide personal care and support people's wellbeing.",
        ),
    )
    db.session.commit()
    skills = {s.uri: s.provenance for s in pc.course_skills(db.session, course)}
    assert SPREADSHEETS not in skills  # came from the old text
    assert skills[ESCO + "customer-service"] == "confirmed"
    assert skills[ESCO + "personal-care"] == "overview"
    # The same text again changes nothing.
    pc.update_course(db.session, course, pc.course_fields(course))
    assert {s.uri: s.provenance for s in pc.course_skills(db.session, course)} == skills


# --- offerings ----------------------------------------------------------------------------------


def test_offerings_are_added_changed_and_deleted(ready: tuple) -> None:
    mine = _provider()
    course = pc.create_course(db.session, mine, DATA_ANALYSIS)
    offering = pc.add_offering(
        db.session,
        mine,
        course,
        OfferingFields(
            mode="blended",
            district=CHELMSFORD,
            start_dates="11/1/2027\n2026-09-07; 7 September 2026\n3 Feb 2027",
            places="1,200",
        ),
    )
    assert offering.start_dates == ["2026-09-07", "2027-01-11", "2027-02-03"]
    assert (offering.places, offering.district.code, offering.provider_id) == (
        1200,
        CHELMSFORD,
        mine.id,
    )
    assert pc.offering_fields(offering).start_dates == "7/9/2026\n11/1/2027\n3/2/2027"
    pc.update_offering(
        db.session, mine, offering, OfferingFields(mode="online", district=CHELMSFORD, places="0")
    )
    assert (offering.mode, offering.district_id, offering.places, offering.start_dates) == (
        "online",
        None,
        0,
        [],
    )
    pc.delete_offering(db.session, offering)
    db.session.commit()
    assert (
        db.session.scalar(
            sa.select(CourseOffering).where(CourseOffering.public_id == offering.public_id)
        )
        is None
    )


OFFERING_MISTAKES: list[tuple[OfferingFields, dict[str, str]]] = [
    (
        OfferingFields(),
        {"mode": "Select how the course is delivered", "places": "Enter the number of places"},
    ),
    (
        OfferingFields(mode="by-post", places="3"),
        {"mode": "Select how the course is delivered from the list"},
    ),
    (
        OfferingFields(mode="in-person", places="3"),
        {"district": "Select the district where the course runs"},
    ),
    (
        OfferingFields(mode="blended", district="E99999999", places="3"),
        {"district": "Select a district from the list"},
    ),
    (
        OfferingFields(mode="online", places="-1"),
        {"places": "Number of places must be between 0 and 100,000"},
    ),
    (
        OfferingFields(mode="online", places="12.5"),
        {"places": "Number of places must be a whole number, like 12"},
    ),
    (
        OfferingFields(mode="online", places="1", start_dates="31/2/2027"),
        {"start_dates": "Start date “31/2/2027” must be a real date"},
    ),
    (
        OfferingFields(mode="online", places="1", start_dates="next spring"),
        {"start_dates": "Start date “next spring” must be a date, like 7/9/2026, one a line"},
    ),
    (
        OfferingFields(mode="online", places="1", start_dates="7 Smarch 2027"),
        {"start_dates": "Start date “7 Smarch 2027” must be a real date"},
    ),
    (
        OfferingFields(mode="online", places="1", start_dates="1/1/1999"),
        {"start_dates": "Start date “1/1/1999” must be between 2000 and 2099"},
    ),
    (
        OfferingFields(mode="online", places="1", start_dates="\n".join(["1/1/2027"] * 25)),
        {"start_dates": "Enter no more than 24 start dates"},
    ),
]


def test_offering_details_are_checked(ready: tuple) -> None:
    course = _course("Software developer")
    for fields, expected in OFFERING_MISTAKES:
        with pytest.raises(InvalidInput) as error:
            pc.add_offering(db.session, _provider(), course, fields)
        assert _problems(error) == expected, fields
    assert OWN_PROVIDER not in {o.provider.name for o in course.offerings}


def test_one_offering_per_course_district_and_mode(ready: tuple) -> None:
    mine = _provider()
    care = _course("Adult care worker")  # the college runs it in Chelmsford, in person
    with pytest.raises(InvalidInput) as error:
        pc.add_offering(
            db.session,
            mine,
            care,
            OfferingFields(mode="in-person", district=CHELMSFORD, places="4"),
        )
    assert _problems(error) == {
        "district": "You already run this course in Chelmsford, in person: change that "
        "offering instead"
    }
    online = pc.add_offering(db.session, mine, care, OfferingFields(mode="online", places="4"))
    with pytest.raises(InvalidInput) as error:
        pc.add_offering(db.session, mine, care, OfferingFields(mode="online", places="9"))
    assert _problems(error) == {
        "mode": "You already run this course online: change that offering instead"
    }
    # Changing an offering does not clash with itself; another provider may run the same.
    pc.update_offering(db.session, mine, online, OfferingFields(mode="online", places="9"))
    pc.add_offering(
        db.session,
        _provider(OTHER_PROVIDER),
        care,
        OfferingFields(mode="in-person", district=CHELMSFORD, places="4"),
    )


# --- skills -------------------------------------------------------------------------------------


def test_skills_are_suggested_with_how_sure_and_confirmed_removed_or_added(ready: tuple) -> None:
    course = pc.create_course(db.session, _provider(), DATA_ANALYSIS)
    review = pc.review_skills(db.session, course)
    listed = {s.uri for s in review.skills}
    assert SPREADSHEETS in listed
    suggested = {s.uri: s for s in review.suggestions}
    assert ESCO + "analyse-data" in suggested and not listed & set(suggested)
    assert all(
        s.confidence in ("likely", "possible") and 0 < s.score <= 1 for s in review.suggestions
    )
    assert suggested[ESCO + "analyse-data"].evidence  # the sentence it was read in

    pc.confirm_skill(db.session, course, ESCO + "analyse-data")  # a suggestion
    pc.confirm_skill(db.session, course, SPREADSHEETS)  # already listed, unconfirmed
    found = pc.review_skills(db.session, course, "personal care").matches
    assert [s.label for s in found] == ["provide personal care"]
    pc.confirm_skill(db.session, course, found[0].uri)  # from the search
    pc.remove_skill(db.session, course, ESCO + "customer-service")  # not listed: no change
    db.session.commit()

    skills = {s.uri: s for s in pc.course_skills(db.session, course)}
    assert {u for u, s in skills.items() if s.confirmed} == {
        ESCO + "analyse-data",
        SPREADSHEETS,
        ESCO + "personal-care",
    }
    assert skills[ESCO + "analyse-data"].score == pc.CONFIRMED_SCORE
    review = pc.review_skills(db.session, course, "personal care")
    assert ESCO + "analyse-data" not in {s.uri for s in review.suggestions}
    assert review.matches == []  # already listed
    pc.remove_skill(db.session, course, SPREADSHEETS)
    db.session.commit()
    assert SPREADSHEETS not in {s.uri for s in pc.course_skills(db.session, course)}
    with pytest.raises(LookupError):
        pc.confirm_skill(db.session, course, "http://example.org/no-such-skill")


def test_a_course_without_words_says_why_nothing_is_suggested(ready: tuple) -> None:
    course = pc.create_course(db.session, _provider(), CourseFields(title="1234", level="2"))
    review = pc.review_skills(db.session, course)
    assert review.suggestions == [] and review.reason


def test_standards_are_found_by_title_or_reference(ready: tuple) -> None:
    assert [c.title for c in pc.find_standards(db.session, "care worker")] == ["Adult care worker"]
    assert [c.title for c in pc.find_standards(db.session, "st0095")] == ["Bricklayer"]
    assert pc.find_standards(db.session, "%") == []
    assert pc.find_standards(db.session, "  ") == []
    own = pc.create_course(db.session, _provider(), DATA_ANALYSIS)
    assert own not in pc.find_standards(db.session, "data analysis")


# --- imports ------------------------------------------------------------------------------------


def _import(
    tmp_path: Path,
    content: bytes,
    skip_invalid: bool = False,
    provider: str = OWN_PROVIDER,
    name: str = "courses.csv",
    max_bytes: int = pc.UPLOAD_MAX_BYTES,
) -> pc.ImportOutcome:
    path = tmp_path / name
    path.write_bytes(content)
    data_dir = Path(current_app.config["DATA_DIR"])
    return pc.import_course_file(
        db.session, _provider(provider), path, skip_invalid, data_dir, max_bytes=max_bytes
    )


GOOD_ROW = (
    "DA-101,Data analysis with spreadsheets,3,Chelmsford,16,blended,2026-09-07,"
    "Learners use spreadsheets software to analyse data."
)
BAD_ROWS = (
    "CARE-1,Care,2,Narnia,5,in-person,,",
    "CARE-2,Care two,9,Tendring,many,in-person,2026-02-30,",
)


def test_a_half_bad_file_changes_nothing_and_names_every_problem(
    ready: tuple, tmp_path: Path
) -> None:
    before = _counts()
    outcome = _import(tmp_path, csv_file(GOOD_ROW, *BAD_ROWS))
    assert not outcome.imported and outcome.error is None
    assert (outcome.read, outcome.skipped, outcome.bad_lines) == (3, 2, [3, 4])
    assert [(p.row, p.field) for p in outcome.problems] == [
        (3, "district"),
        (4, "level"),
        (4, "places"),
        (4, "start_dates"),
    ]
    assert "unknown district 'Narnia'" in outcome.problems[0].reason
    db.session.rollback()
    assert _counts() == before


def test_skipping_invalid_rows_imports_the_rest_owned_by_the_provider(
    ready: tuple, tmp_path: Path
) -> None:
    app, normaliser = ready
    before = _counts()
    care_standard = _course("Adult care worker")
    online_row = "ST0005,Adult care worker,2,,30,online,2027-01-11,"
    outcome = _import(tmp_path, csv_file(GOOD_ROW, *BAD_ROWS, online_row), skip_invalid=True)
    db.session.commit()
    assert outcome.imported and (outcome.loaded, outcome.present, outcome.new_courses) == (2, 0, 1)
    assert outcome.bad_lines == [3, 4]
    course = _course("Data analysis with spreadsheets")
    mine = _provider()
    assert (course.kind, course.owner_provider_id, course.reference) == (
        "provider",
        mine.id,
        "DA-101",
    )
    assert [(o.provider_id, o.district.code, o.mode, o.places) for o in course.offerings] == [
        (mine.id, CHELMSFORD, "blended", 16)
    ]
    assert SPREADSHEETS in {s.uri for s in pc.course_skills(db.session, course)}
    assert normaliser.titles  # new courses are matched to occupations by title
    # The standard's row adds the provider's online offering of it, not a new course.
    assert {(o.mode, o.places) for o in care_standard.offerings if o.provider_id == mine.id} == {
        ("in-person", 12),
        ("online", 30),
    }
    after = _counts()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 2)
    # Importing the same file again adds nothing.
    again = _import(tmp_path, csv_file(GOOD_ROW, *BAD_ROWS, online_row), skip_invalid=True)
    db.session.commit()
    assert (again.loaded, again.present, again.new_courses) == (0, 2, 0)
    assert _counts()[:2] == after[:2]


def test_a_file_cannot_touch_another_providers_course_or_name_another_provider(
    ready: tuple, tmp_path: Path
) -> None:
    theirs = pc.create_course(
        db.session,
        _provider(OTHER_PROVIDER),
        CourseFields(title="Their course", code="THEIRS-1", level="2"),
    )
    db.session.commit()
    header = "reference,title,level,provider,district,places"
    outcome = _import(
        tmp_path,
        csv_file(
            "THEIRS-1,Their course,2,,Chelmsford,5",
            f"MINE-1,Mine,2,{OTHER_PROVIDER},Chelmsford,5",
            f"MINE-2,Mine too,2,{OWN_PROVIDER.upper()},Chelmsford,5",
            header=header,
        ),
    )
    assert not outcome.imported
    assert [(p.row, p.field) for p in outcome.problems] == [(2, "reference"), (3, "provider")]
    assert "another provider's course" in outcome.problems[0].reason
    assert OWN_PROVIDER in outcome.problems[1].reason
    db.session.rollback()
    assert [o.provider.name for o in theirs.offerings] == []


UNUSABLE_FILES: list[tuple[bytes, str]] = [
    (b"", "empty file"),
    (b"PK\x03\x04rest", "binary file: a ZIP archive"),
    (b"title,level\nA,2\n", "missing required column(s) reference"),
    ("reference,title\nA,caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
    (csv_file(), "no data rows"),
]


def test_unusable_files_are_refused_in_one_line(ready: tuple, tmp_path: Path) -> None:
    for content, expected in UNUSABLE_FILES:
        outcome = _import(tmp_path, content)
        assert not outcome.imported and outcome.error is not None
        assert expected in outcome.error and "\n" not in outcome.error, outcome.error


def test_the_size_limit_applies_before_reading(ready: tuple, tmp_path: Path) -> None:
    outcome = _import(tmp_path, csv_file(GOOD_ROW), max_bytes=64)
    assert outcome.error is not None and "over the 0.0 MB limit" in outcome.error


def test_no_valid_row_with_skipping_still_imports_nothing(ready: tuple, tmp_path: Path) -> None:
    before = _counts()
    outcome = _import(tmp_path, csv_file(*BAD_ROWS), skip_invalid=True)
    assert not outcome.imported and outcome.error == "no row is valid, so nothing was imported"
    assert outcome.bad_lines == [2, 3]
    db.session.rollback()
    assert _counts() == before


def test_the_template_is_a_file_the_importer_takes(ready: tuple, tmp_path: Path) -> None:
    template = pc.template_csv()
    path = tmp_path / "template.csv"
    path.write_text(template)
    records = read_records(path, pc.UPLOAD_SCHEMA)
    assert [r.line for r in records] == [2, 3]
    outcome = _import(tmp_path, template.encode())
    db.session.commit()
    assert outcome.imported and (outcome.loaded, outcome.new_courses) == (2, 2), outcome.problems
    mine = _provider()
    listing = {c.title: c for c in pc.list_courses(db.session, mine).courses}
    assert listing["Introduction to adult social care"].offerings[0].district == "Online"
    assert listing["Data analysis with spreadsheets"].is_own
