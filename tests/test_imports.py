"""Importing courses and vacancies from CSV and JSON Lines files: refusals, reports, idempotence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from ml.linking import LinkResult
from skillsmatch.adverts import CONTACTS_REMOVED, has_contact_details
from skillsmatch.commands import imports as commands
from skillsmatch.extensions import db
from skillsmatch.imports import (
    COURSES,
    MAX_FILE_BYTES,
    ImportFileError,
    Lookups,
    check_courses,
    read_records,
)
from skillsmatch.loaders.reference import load_districts, load_sectors
from skillsmatch.loaders.standards import Readers
from skillsmatch.models import (
    Course,
    CourseOccupation,
    CourseOffering,
    CourseSkill,
    Occupation,
    Provider,
    Sector,
    Skill,
    Vacancy,
    VacancySkill,
)

SPREADSHEETS = "http://data.europa.eu/esco/skill/test-spreadsheets"
CARE = "http://data.europa.eu/esco/skill/test-personal-care"
CARE_WORKER = "http://data.europa.eu/esco/occupation/test-care-worker"
COURSE_HEADER = (
    "reference,title,level,provider,district,places,mode,start_dates,overview,job_titles"
)


@dataclass(frozen=True)
class Match:
    uri: str
    label: str
    score: float
    soc2020: str | None = None


class FakeLinker:
    """Finds the two test skills by keyword, as the real linker would by meaning."""

    precision_threshold_ = 0.5

    def __init__(self) -> None:
        self.texts: list[str] = []

    def link(self, texts: Sequence[str], top_k: int, min_score: float) -> list[list[Match]]:
        self.texts.extend(texts)
        found = []
        for text in texts:
            matches = []
            if "spreadsheet" in text.lower():
                matches.append(Match(SPREADSHEETS, "use spreadsheets software", 0.8))
            if "care" in text.lower():
                matches.append(Match(CARE, "provide personal care", 0.7))
            found.append([m for m in matches[:top_k] if m.score >= min_score])
        return found

    def link_statements(self, texts: Sequence[str], top_k: int, min_score: float) -> list[Any]:
        return [
            LinkResult(skills, None if skills else "no skill found", 1, (text,) if skills else ())
            for text, skills in zip(texts, self.link(texts, top_k, min_score), strict=True)
        ]


class FakeNormaliser:
    def normalise(
        self, titles: Sequence[str], top_k: int, context: Sequence[str] | None = None
    ) -> list[list[Match]]:
        return [
            [Match(CARE_WORKER, "care worker", 0.9, "6135")] if "care" in t.lower() else []
            for t in titles
        ]


def fake_readers() -> Readers:
    return Readers(FakeLinker(), FakeNormaliser())


def _seed(app: Flask) -> None:
    """Districts and sectors (real data), two skills, an occupation and one standard."""
    with app.app_context():
        load_districts(db.session)
        load_sectors(db.session)
        db.session.add_all(
            [
                Skill(uri=SPREADSHEETS, label="use spreadsheets software", skill_type="skill"),
                Skill(uri=CARE, label="provide personal care", skill_type="skill"),
                # ISCO 5322 (home-based personal care workers) is in the care sector.
                Occupation(uri=CARE_WORKER, label="care worker", isco08="5322", soc2020="6135"),
                Course(
                    reference="ST0001", kind="apprenticeship", title="Adult care worker", level=2
                ),
            ]
        )
        db.session.commit()


@pytest.fixture
def ready(sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    _seed(sqlite_app)
    monkeypatch.setattr(commands, "build_readers", fake_readers)
    return sqlite_app


@pytest.fixture
def ready_any(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """``ready`` on SQLite and on PostgreSQL."""
    _seed(app)
    monkeypatch.setattr(commands, "build_readers", fake_readers)
    return app


def invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def counts(app: Flask) -> dict[str, int]:
    tables = (
        Provider,
        Course,
        CourseOffering,
        CourseSkill,
        CourseOccupation,
        Vacancy,
        VacancySkill,
    )
    with app.app_context():
        return {
            t.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in tables
        }


def lines(text: str) -> list[str]:
    return text.strip("\n").split("\n") if text.strip() else []


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- files refused as a whole -------------------------------------------------------------------

GOOD_ROW = "C1,Bookkeeping,2,Acme,Chelmsford,10,,,,\n"
COURSE_COLUMNS = (
    "(expected courses columns: reference, title, level, provider, district, places; "
    "optional: duration_months, mode, start_dates, route, overview, job_titles, max_funding)"
)
LATIN1 = f"{COURSE_HEADER}\nC1,Café skills,2,Acme,Chelmsford,10,,,,\n".encode("latin-1")
LATIN1_OFFSET = LATIN1.index(b"\xe9")

FILE_ERRORS = [
    pytest.param(
        "courses.csv",
        b"ref,name,level\nA,B,1\n",
        "wrong header: missing required column(s) reference, title, provider, district, places; "
        f"unknown column(s) ref, name {COURSE_COLUMNS}",
        id="wrong-header",
    ),
    pytest.param(
        "courses.csv",
        (COURSE_HEADER + ",level\n" + GOOD_ROW).encode(),
        f"wrong header: duplicate column(s) level {COURSE_COLUMNS}",
        id="duplicate-column",
    ),
    pytest.param(
        "courses.csv",
        LATIN1,
        f"not UTF-8 text (byte 0xe9 at offset {LATIN1_OFFSET}, line 2); save it as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        "courses.csv",
        (COURSE_HEADER + "\n").encode("utf-16"),
        "binary file: UTF-16 text; save it as UTF-8",
        id="utf-16",
    ),
    pytest.param(
        "courses.csv",
        b"reference,title\x00\x00\x01\x02",
        "binary file (NUL byte at offset 15)",
        id="nul-bytes",
    ),
    pytest.param(
        "courses.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        "binary file: a PNG image, not CSV or JSON Lines",
        id="png",
    ),
    pytest.param(
        "courses.csv",
        b"PK\x03\x04\x14\x00\x06\x00",
        "binary file: a ZIP archive (an Excel .xlsx workbook?); export it as CSV",
        id="xlsx",
    ),
    pytest.param(
        "courses.csv",
        f"{COURSE_HEADER}\nC1,Book\x01keeping,2,Acme,Chelmsford,10,,,,\n".encode(),
        "binary file (control character 0x01 on line 2)",
        id="control-character",
    ),
    pytest.param("courses.csv", b"", "empty file", id="empty"),
    pytest.param("courses.csv", b"\xef\xbb\xbf\r\n  \n", "empty file", id="bom-and-blank-lines"),
    pytest.param(
        "courses.csv", (COURSE_HEADER + "\n\n").encode(), "no data rows", id="header-only"
    ),
    pytest.param(
        "courses.csv",
        (COURSE_HEADER + '\nC1,"Book,2,Acme,Chelmsford,10,,,,\n').encode(),
        "line 2: malformed CSV (unexpected end of data)",
        id="unterminated-quote",
    ),
    pytest.param(
        "courses.txt",
        b"just some notes\n",
        "cannot tell whether this is CSV or JSON Lines; name it .csv or .jsonl",
        id="unknown-format",
    ),
    pytest.param(
        "courses.json",
        b'[{"reference": "C1"}]',
        "a JSON array; write one JSON object per line (JSON Lines, .jsonl)",
        id="json-array",
    ),
    pytest.param(
        "courses.jsonl",
        b'{"ref": "C1", "title": "Bookkeeping"}\n',
        "wrong fields on line 1: missing required column(s) reference, level, provider, district, "
        f"places; unknown column(s) ref {COURSE_COLUMNS}",
        id="jsonl-wrong-fields",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), FILE_ERRORS)
def test_a_bad_file_is_refused_in_one_line_and_changes_nothing(
    ready: Flask, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = counts(ready)

    result = invoke(ready, "import-courses", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert lines(result.stderr) == [f"error: {path}: {message}"]
    assert counts(ready) == before


def test_unknown_extension_is_sniffed_from_the_content(ready: Flask, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "courses.txt", f"{COURSE_HEADER}\n{GOOD_ROW}")
    jsonl_file = write(
        tmp_path / "more.data",
        json.dumps(
            {
                "reference": "C2",
                "title": "Payroll",
                "level": 3,
                "provider": "Acme",
                "district": "Harlow",
                "places": 4,
            }
        )
        + "\n",
    )
    assert invoke(ready, "import-courses", str(csv_file)).exit_code == 0
    assert invoke(ready, "import-courses", str(jsonl_file)).exit_code == 0
    assert counts(ready)["course_offering"] == 2


def test_missing_file_and_directory(ready: Flask, tmp_path: Path) -> None:
    missing = invoke(ready, "import-vacancies", str(tmp_path / "nope.csv"))
    folder = invoke(ready, "import-vacancies", str(tmp_path))
    assert missing.exit_code == folder.exit_code == 1
    assert lines(missing.stderr) == [f"error: {tmp_path / 'nope.csv'}: no such file"]
    assert lines(folder.stderr) == [f"error: {tmp_path}: not a regular file"]


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def test_a_100_mb_file_is_refused_by_its_size_without_being_read(
    ready: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _sparse(tmp_path / "huge.csv", 100 * 1024 * 1024)

    def no_reading(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the file was opened")

    with monkeypatch.context() as m:
        m.setattr(Path, "open", no_reading)
        with pytest.raises(ImportFileError) as refused:
            read_records(path, COURSES)
    assert str(refused.value) == "file is 100.0 MB (104,857,600 bytes), over the 20.0 MB limit"

    before = counts(ready)
    result = invoke(ready, "import-vacancies", str(path))
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"error: {path}: file is 100.0 MB (104,857,600 bytes), over the 20.0 MB limit"
    ]
    assert counts(ready) == before


def test_the_size_limit_is_exact(ready: Flask, tmp_path: Path) -> None:
    over = _sparse(tmp_path / "over.csv", MAX_FILE_BYTES + 1)
    result = invoke(ready, "import-courses", str(over))
    assert lines(result.stderr) == [
        f"error: {over}: file is 20.0 MB (20,971,521 bytes), over the 20.0 MB limit"
    ]
    # At the limit the size is fine and the next check (here: binary content) speaks.
    at = _sparse(tmp_path / "at.csv", MAX_FILE_BYTES)
    result = invoke(ready, "import-courses", str(at))
    assert lines(result.stderr) == [f"error: {at}: binary file (NUL byte at offset 0)"]


def test_read_records_takes_a_lower_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", f"{COURSE_HEADER}\n{GOOD_ROW}")
    size = path.stat().st_size
    assert len(read_records(path, COURSES, max_bytes=size)) == 1
    with pytest.raises(ImportFileError, match=rf"\({size:,} bytes\), over the 0.0 MB limit"):
        read_records(path, COURSES, max_bytes=size - 1)


def test_no_districts_loaded(sqlite_app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", f"{COURSE_HEADER}\n{GOOD_ROW}")
    result = invoke(sqlite_app, "import-courses", str(path))
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"error: {path}: no districts loaded; run `skillsmatch load-reference`"
    ]


# --- courses ------------------------------------------------------------------------------------

COURSES_CSV = (
    "\n".join(
        [
            COURSE_HEADER,
            "ACME-101,Spreadsheets for business,2,Acme Training,Chelmsford,12,in-person,"
            "2026-09-01;2026-01-12,Learn spreadsheet software,Office administrator",
            "ACME-102,Care certificate,3,Acme Training,E07000071,8,blended,,"
            "Personal care for adults,Care worker",
            "ACME-103,Online bookkeeping,3,Acme Training,,20,online,2026-10-05,"
            "Bookkeeping with spreadsheet tools,",
            "ST0001,Adult care worker,2,Acme Training,basildon,5,,,,",
            "BAD-1,,9,Acme Training,Narnia,-3,,,,",
            "BAD-2,Welding,two,Acme Training,Colchester,4,in person,2026-13-01,,",
            "ACME-101,Spreadsheets for business,2,Acme Training,Chelmsford,3,,,,",
        ]
    )
    + "\n"
)


def course_problems(path: Path) -> list[str]:
    return [
        f"{path}: line 6: title: required, but empty",
        f"{path}: line 6: level: 9 is above 8",
        f"{path}: line 6: district: unknown district 'Narnia' "
        "(give an ONS code, district name or postcode)",
        f"{path}: line 6: places: must not be negative: -3",
        f"{path}: line 7: level: not a whole number: 'two'",
        f"{path}: line 7: mode: 'in person' is not one of in-person, online, blended",
        f"{path}: line 7: start_dates: no such date: '2026-13-01'",
        f"{path}: line 8: reference: duplicate of line 2",
    ]


def test_bad_rows_stop_the_whole_import_by_default(ready_any: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "courses.csv", COURSES_CSV)
    before = counts(ready_any)

    result = invoke(ready_any, "import-courses", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert lines(result.stderr) == [
        *course_problems(path),
        f"error: {path}: 3 of 7 rows invalid; nothing imported "
        "(--skip-invalid imports the 4 valid rows)",
    ]
    assert counts(ready_any) == before


def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(
    ready_any: Flask, tmp_path: Path
) -> None:
    path = write(tmp_path / "courses.csv", COURSES_CSV)
    before = counts(ready_any)

    result = invoke(ready_any, "import-courses", "--skip-invalid", str(path))

    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == course_problems(path)
    assert lines(result.stdout) == [
        "courses from courses.csv: read 7, loaded 4, already present 0, skipped 3",
        "  skipped 1 x level: not a whole number: 'two'",
        "  skipped 1 x reference: duplicate of line 2",
        "  skipped 1 x title: required, but empty",
    ]
    after = counts(ready_any)
    assert after["provider"] == before["provider"] + 1
    assert after["course"] == before["course"] + 3  # ST0001 is the standard, not a new course
    assert after["course_offering"] == before["course_offering"] + 4

    with ready_any.app_context():
        acme = db.session.scalars(sa.select(Provider)).one()
        assert (acme.name, acme.is_demo) == ("Acme Training", False)
        offerings = {
            (
                o.course.reference,
                o.district.code if o.district else None,
                o.mode,
                o.places,
                tuple(o.start_dates),
            )
            for o in db.session.scalars(sa.select(CourseOffering))
        }
        assert offerings == {
            ("ACME-101", "E07000070", "in-person", 12, ("2026-01-12", "2026-09-01")),
            ("ACME-102", "E07000071", "blended", 8, ()),
            ("ACME-103", None, "online", 20, ("2026-10-05",)),
            ("ST0001", "E07000066", "in-person", 5, ()),
        }
        courses = {c.reference: c for c in db.session.scalars(sa.select(Course))}
        standard = courses["ST0001"]
        assert (standard.kind, standard.title) == ("apprenticeship", "Adult care worker")
        assert standard.skills == []
        for ref in ("ACME-101", "ACME-102", "ACME-103"):
            assert (courses[ref].kind, courses[ref].owner_provider_id) == ("provider", acme.id)
        skills = {
            (cs.course.reference, cs.skill.uri, cs.provenance)
            for cs in db.session.scalars(sa.select(CourseSkill))
        }
        assert skills == {
            ("ACME-101", SPREADSHEETS, "overview"),
            ("ACME-102", CARE, "overview"),
            ("ACME-103", SPREADSHEETS, "overview"),
        }
        care = courses["ACME-102"]
        assert care.job_titles == ["Care worker"]
        assert [o.occupation.uri for o in care.occupations] == [CARE_WORKER]
        assert care.sector is not None and care.sector.slug == "care"
        assert courses["ACME-101"].sector is None


def test_reimporting_adds_nothing_twice(
    ready_any: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "courses.csv", COURSES_CSV)
    assert invoke(ready_any, "import-courses", "--skip-invalid", str(path)).exit_code == 0
    once = counts(ready_any)

    def no_linking() -> Readers:
        raise AssertionError("nothing new, so nothing to link")

    monkeypatch.setattr(commands, "build_readers", no_linking)
    again = invoke(ready_any, "import-courses", "--skip-invalid", str(path))

    assert again.exit_code == 0, again.output
    assert lines(again.stdout)[0] == (
        "courses from courses.csv: read 7, loaded 0, already present 4, skipped 3"
    )
    assert counts(ready_any) == once


def test_a_new_district_for_a_known_course_is_a_new_offering(ready: Flask, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", f"{COURSE_HEADER}\n{GOOD_ROW}")
    second = write(
        tmp_path / "b.csv",
        f"{COURSE_HEADER}\nC1,Bookkeeping,2,ACME,Harlow,6,,,,\nC1,Bookkeeping,2,Acme,Harlow,6,online,,,\n",
    )
    assert invoke(ready, "import-courses", str(first)).exit_code == 0
    result = invoke(ready, "import-courses", str(second))
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "courses from b.csv: read 2, loaded 2, already present 0, skipped 0"
    ]
    after = counts(ready)
    assert (after["provider"], after["course"], after["course_offering"]) == (1, 2, 3)


def test_rows_that_clash_with_the_database(ready: Flask, tmp_path: Path) -> None:
    write(tmp_path / "a.csv", f"{COURSE_HEADER}\n{GOOD_ROW}")
    assert invoke(ready, "import-courses", str(tmp_path / "a.csv")).exit_code == 0
    path = write(
        tmp_path / "b.csv",
        f"{COURSE_HEADER}\n"
        "C1,Bookkeeping,2,Other Ltd,Harlow,6,,,,\n"
        "st9999,Made-up standard,2,Other Ltd,Harlow,6,,,,\n"
        "C1,Book-keeping,2,Acme,Harlow,6,,,,\n"
        "C2,Payroll,3,Other Ltd,Harlow,6,,,,\n",
    )
    before = counts(ready)

    result = invoke(ready, "import-courses", str(path))

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"{path}: line 2: reference: C1 is another provider's course",
        f"{path}: line 3: reference: ST9999 looks like an apprenticeship standard, "
        "but no such standard is loaded",
        f"{path}: line 4: title: differs from line 2 for the same reference",
        f"error: {path}: 3 of 4 rows invalid; nothing imported "
        "(--skip-invalid imports the 1 valid rows)",
    ]
    assert counts(ready) == before


def test_every_row_invalid_is_refused_even_with_skip_invalid(ready: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", f"{COURSE_HEADER}\nC1,Bookkeeping,0,Acme,Chelmsford,x,,,,\n")
    before = counts(ready)
    result = invoke(ready, "import-courses", "--skip-invalid", str(path))
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        f"{path}: line 2: level: 0 is below 1",
        f"{path}: line 2: places: not a whole number: 'x'",
        f"error: {path}: no valid rows; nothing imported",
    ]
    assert counts(ready) == before


def test_length_limits_and_row_shape(tmp_path: Path) -> None:
    long_title = "x" * 256
    path = write(
        tmp_path / "c.csv",
        f"{COURSE_HEADER},max_funding\n"
        f'C1,{long_title},2,Acme,Chelmsford,10,,,,{"y" * 300},"£12,000"\n'
        "C 2,Bookkeeping,2,Acme,Chelmsford,10,,,,,\n"
        "C3,Bookkeeping,2,Acme\n"
        "C4,Bookkeeping,2,Acme,CM1 1AA,10,,31/01/2026,,,-5\n",
    )
    lookups = Lookups.build([("E07000070", "Chelmsford")], {"CM1": "E07000070"})
    checked = check_courses(read_records(path, COURSES), lookups)
    assert [str(p) for p in checked.problems] == [
        "row 2: title: 256 characters, longer than the 255 allowed",
        f"row 2: job_titles: item '{'y' * 39}…' is over 255 characters long",
        "row 3: reference: may hold only letters, digits and . _ / -: 'C 2'",
        "row 4: (row): has 4 values, the header has 11",
        "row 5: start_dates: not a date in YYYY-MM-DD form: '31/01/2026'",
        "row 5: max_funding: must not be negative: -5",
    ]
    assert checked.rows == []
    assert checked.read == 4


COURSES_JSONL = (
    "\n".join(
        [
            json.dumps(
                {
                    "reference": "J-1",
                    "title": "Spreadsheets",
                    "level": 2,
                    "provider": "Jay Ltd",
                    "district": "Harlow",
                    "places": 10.0,
                    "start_dates": ["2026-09-01"],
                    "job_titles": ["Clerk", "Administrator"],
                    "max_funding": None,
                }
            ),
            "not json",
            "[1, 2]",
            json.dumps(
                {
                    "reference": "J-2",
                    "title": "Welding",
                    "level": 2,
                    "provider": "Jay Ltd",
                    "district": "Harlow",
                    "places": "ten",
                    "Colour": "red",
                }
            ),
            "",
            json.dumps(
                {
                    "reference": "J-3",
                    "title": ["Welding"],
                    "level": True,
                    "provider": "Jay Ltd",
                    "district": "Harlow",
                    "places": 1,
                    "start_dates": [20260901],
                }
            ),
            # Unescaped, so that the line holds a raw U+2028 (a line break to str.splitlines).
            json.dumps(
                {
                    "reference": "J-4",
                    "title": "Café \u2028 skills",
                    "level": "3",
                    "provider": "Jay Ltd",
                    "district": "E07000073",
                    "places": 0,
                },
                ensure_ascii=False,
            ),
        ]
    )
    + "\n"
)


def test_jsonl_courses(ready: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "courses.jsonl", COURSES_JSONL)
    result = invoke(ready, "import-courses", "--skip-invalid", str(path))

    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == [
        f"{path}: line 2: (row): not valid JSON (Expecting value, column 1)",
        f"{path}: line 3: (row): not a JSON object",
        f"{path}: line 4: colour: unknown field",
        f"{path}: line 4: places: not a whole number: 'ten'",
        f"{path}: line 6: title: expected text, got a list",
        f"{path}: line 6: level: expected text or a number, got bool",
        f"{path}: line 6: start_dates: expected a list of text",
    ]
    assert lines(result.stdout)[0] == (
        "courses from courses.jsonl: read 6, loaded 2, already present 0, skipped 4"
    )
    with ready.app_context():
        courses = {c.reference: c for c in db.session.scalars(sa.select(Course))}
        assert courses["J-1"].job_titles == ["Clerk", "Administrator"]
        assert courses["J-1"].offerings[0].start_dates == ["2026-09-01"]
        assert courses["J-1"].offerings[0].places == 10
        assert courses["J-4"].title == "Café \u2028 skills"
        assert courses["J-4"].offerings[0].places == 0


def test_service_functions_take_the_readers(ready: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "courses.csv", COURSES_CSV)
    linker = FakeLinker()
    with ready.app_context():
        found = commands.lookups(db.session, Path(ready.config["DATA_DIR"]))
        checked = check_courses(read_records(path, COURSES), found)
        commands.course_conflicts(db.session, checked)
        report = commands.import_course_rows(
            db.session, checked, lambda: Readers(linker, FakeNormaliser())
        )
        db.session.commit()
    assert (report.read, report.loaded, len(report.skipped)) == (7, 4, 3)
    assert linker.texts == [
        "Spreadsheets for business\nLearn spreadsheet software",
        "Care certificate\nPersonal care for adults",
        "Online bookkeeping\nBookkeeping with spreadsheet tools",
    ]


# --- vacancies ----------------------------------------------------------------------------------

VACANCIES_CSV = (
    "\n".join(
        [
            "reference,title,description,district,employer,salary_min,salary_max,date_posted,"
            "closing_date,sector",
            # A quoted description over two lines: the next record starts on line 4.
            'V1,Care assistant,"<p>Provide personal care.</p>\n<p>For details email '
            'jo.bloggs@example.org or call 01245 513714.</p>",CM1 1AA,Kind Care Ltd,'
            '"£22,000","£24,000",2026-03-01,2026-03-31,',
            "V2,Data analyst,Build spreadsheet models. Ring 07834 514945 for a chat.,Colchester,,"
            "30000,28000,2026-03-01,2026-02-01,Finance",
            "V3,Warehouse operative,Pick and pack.,SW1A 1AA,,,,,,",
            "V4,Developer,Write code.,E07000073,Tech Co,40000,50000,2026/03/01,,"
            "it-digital-creative",
            'V5,Accounts clerk,"Keep spreadsheet ledgers. Questions? Call +44 (0)1268 524900.",'
            "Basildon,,,,,,Financial & Related Services",
            "V1,Care assistant,Duplicate.,CM1,,,,,,",
        ]
    )
    + "\n"
)


def vacancy_problems(path: Path) -> list[str]:
    return [
        f"{path}: line 4: salary_max: 28000 is less than salary_min 30000",
        f"{path}: line 4: closing_date: 2026-02-01 is before date_posted 2026-03-01",
        f"{path}: line 4: sector: unknown sector 'Finance'",
        f"{path}: line 5: district: postcode 'SW1A 1AA' is outside Greater Essex",
        f"{path}: line 6: date_posted: not a date in YYYY-MM-DD form: '2026/03/01'",
        f"{path}: line 8: reference: duplicate of line 2",
    ]


def test_vacancies_all_or_nothing(ready_any: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "vacancies.csv", VACANCIES_CSV)
    before = counts(ready_any)

    result = invoke(ready_any, "import-vacancies", str(path))

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        *vacancy_problems(path),
        f"error: {path}: 4 of 6 rows invalid; nothing imported "
        "(--skip-invalid imports the 2 valid rows)",
    ]
    assert counts(ready_any) == before


def test_vacancies_skip_invalid_scrubbed_and_idempotent(ready_any: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "vacancies.csv", VACANCIES_CSV)

    result = invoke(ready_any, "import-vacancies", "--skip-invalid", str(path))

    assert result.exit_code == 0, result.output
    assert lines(result.stderr) == vacancy_problems(path)
    assert lines(result.stdout) == [
        "vacancies from vacancies.csv: read 6, loaded 2, already present 0, skipped 4",
        "  skipped 1 x date_posted: not a date in YYYY-MM-DD form: '2026/03/01'",
        "  skipped 1 x district: postcode 'SW1A 1AA' is outside Greater Essex",
        "  skipped 1 x reference: duplicate of line 2",
        "  skipped 1 x salary_max: 28000 is less than salary_min 30000",
    ]
    with ready_any.app_context():
        vacancies = {v.source_ref: v for v in db.session.scalars(sa.select(Vacancy))}
        assert set(vacancies) == {"V1", "V5"}
        care, clerk = vacancies["V1"], vacancies["V5"]
        assert care.source == clerk.source == "import"
        assert care.description == f"Provide personal care.\n{CONTACTS_REMOVED}"
        assert clerk.description == f"Keep spreadsheet ledgers. Questions?\n{CONTACTS_REMOVED}"
        for v in (care, clerk):
            assert not has_contact_details(v.description)
            assert "jo.bloggs" not in v.description
        assert care.district is not None and care.district.code == "E07000070"
        assert care.postcode_district == "CM1"
        assert (care.employer_name, care.salary_min, care.salary_max, care.salary_text) == (
            "Kind Care Ltd",
            22000,
            24000,
            "£22,000 to £24,000",
        )
        assert (care.date_posted, care.closing_date) == (date(2026, 3, 1), date(2026, 3, 31))
        assert care.occupation is not None and care.occupation.uri == CARE_WORKER
        assert care.sector is not None and care.sector.slug == "care"  # from the occupation
        assert clerk.sector is not None and clerk.sector.slug == "financial-related-services"
        assert clerk.district is not None and clerk.district.code == "E07000066"
        assert clerk.postcode_district is None
        assert [s.skill.uri for s in care.skills] == [CARE]
        assert [s.skill.uri for s in clerk.skills] == [SPREADSHEETS]
    once = counts(ready_any)

    again = invoke(ready_any, "import-vacancies", "--skip-invalid", str(path))

    assert again.exit_code == 0, again.output
    assert lines(again.stdout)[0] == (
        "vacancies from vacancies.csv: read 6, loaded 0, already present 2, skipped 4"
    )
    assert counts(ready_any) == once


def test_jsonl_vacancies(ready: Flask, tmp_path: Path) -> None:
    records = [
        {
            "reference": "J1",
            "title": "Nurse &amp; carer",
            "description": "<b>Care</b> for people. Email ward5@nhs.example.net to apply.",
            "district": "CM2",
            "salary_min": 28000,
            "sector": "health",
        },
        {
            "reference": "J2",
            "title": "Cleaner",
            "description": "Clean.",
            "district": "Tendring",
            "date_posted": "2026-02-30",
        },
    ]
    path = write(tmp_path / "v.jsonl", "".join(json.dumps(r) + "\n" for r in records))

    refused = invoke(ready, "import-vacancies", str(path))
    assert refused.exit_code == 1
    assert lines(refused.stderr) == [
        f"{path}: line 2: date_posted: no such date: '2026-02-30'",
        f"error: {path}: 1 of 2 rows invalid; nothing imported "
        "(--skip-invalid imports the 1 valid rows)",
    ]
    assert counts(ready)["vacancy"] == 0

    result = invoke(ready, "import-vacancies", "--skip-invalid", str(path))
    assert result.exit_code == 0, result.output
    with ready.app_context():
        vacancy = db.session.scalars(sa.select(Vacancy)).one()
        assert vacancy.title == "Nurse & carer"
        assert vacancy.description == f"Care for people.\n{CONTACTS_REMOVED}"
        assert (vacancy.salary_min, vacancy.salary_max) == (28000, None)
        assert vacancy.salary_text == "£28,000"
        # The file's sector wins over the care sector its title's occupation would give.
        sector = db.session.get(Sector, vacancy.sector_id)
        assert sector is not None and sector.slug == "health"


def test_commands_are_registered(sqlite_app: Flask) -> None:
    for name in ("import-courses", "import-vacancies"):
        result = invoke(sqlite_app, name, "--help")
        assert result.exit_code == 0
        assert "--skip-invalid" in result.output


def test_a_failure_part_way_leaves_nothing_behind(
    ready: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "courses.csv", COURSES_CSV)
    before = counts(ready)

    def broken() -> Readers:
        raise RuntimeError("model files missing")

    # The new provider is flushed before the readers are needed; the rollback must remove it.
    monkeypatch.setattr(commands, "build_readers", broken)
    result = invoke(ready, "import-courses", "--skip-invalid", str(path))

    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert counts(ready) == before
