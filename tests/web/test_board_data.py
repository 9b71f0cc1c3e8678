"""The skills board's data management: the data held (demo rows apart) and vacancy imports."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

import html5lib
import pytest
import sqlalchemy as sa
from flask import Flask
from provider_support import prepare
from sitetest import Account, PageCheckingClient, check_page, page_text
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from skillsmatch.adverts import CONTACTS_REMOVED, has_contact_details
from skillsmatch.extensions import db
from skillsmatch.models import (
    AuditEvent,
    Course,
    CourseOffering,
    District,
    Employer,
    Learner,
    Provider,
    Sector,
    SkillDemand,
    Vacancy,
)
from skillsmatch.services import board_data

DATA = "/board/data"
IMPORT = "/board/data/import-vacancies"
HEADER = "reference,title,description,district,employer,salary_min,salary_max,date_posted"
EMAIL, PHONE = "jo.bloggs@example.org", "01245 513714"
GOOD = [
    f'ADV-1,Care assistant,"<p>Support residents with personal care.</p><p>Email {EMAIL} or '
    f'call {PHONE}.</p>",CM1 1AA,Kind Care Ltd,22000,24000,2026-03-01',
    "ADV-2,Data analyst,Build spreadsheet models.,Basildon,,,,",
]
BAD = [
    "ADV-3,Warehouse operative,Pick and pack.,Narnia,,,,",
    "ADV-4,Developer,Write code.,Harlow,,40000,30000,2026/03/01",
]


@pytest.fixture(autouse=True)
def readers(web_app: Flask) -> None:
    prepare(web_app)  # a small skill linker and a title normaliser that finds nothing


@pytest.fixture
def board(login_as: Callable[..., Account]) -> Account:
    return login_as("board")


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upload(
    client: PageCheckingClient,
    content: bytes,
    name: str = "vacancies.csv",
    skip: bool = False,
    token: str | None = None,
) -> TestResponse:
    values: dict[str, Any] = {
        "csrf_token": token if token is not None else client.csrf_token(IMPORT),
        "file": FileStorage(io.BytesIO(content), filename=name, content_type="text/csv"),
    }
    if skip:
        values["skip_invalid"] = "y"
    boundary, body = encode_multipart(values)
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def errors(response: TestResponse) -> list[str]:
    """The messages of the GOV.UK error summary on a page."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    if summary is None:
        return []
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m).strip())
        for m in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
    ]


def table(response: TestResponse, table_id: str) -> list[list[str]]:
    """The body rows of the table with ``table_id``, each cell's text whitespace-collapsed."""
    tree = html5lib.parse(response.get_data(), namespaceHTMLElements=False)
    found = tree.find(f".//table[@id='{table_id}']")
    assert found is not None, table_id
    return [
        [" ".join("".join(cell.itertext()).split()) for cell in row if cell.tag in ("th", "td")]
        for row in found.iterfind("./tbody/tr")
    ]


def vacancies(app: Flask) -> dict[str, Vacancy]:
    with app.app_context():
        found = {v.source_ref: v for v in db.session.scalars(sa.select(Vacancy))}
        db.session.expunge_all()
        return found


def import_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        found = list(
            db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import-vacancies"))
        )
        db.session.expunge_all()
        return found


# --- the data held ------------------------------------------------------------------------------


def test_the_data_page_counts_the_catalogue_with_demo_rows_apart(
    web_app: Flask,
    client: PageCheckingClient,
    make_account: Callable[..., Account],
    board: Account,
) -> None:
    learner = make_account("learner")
    make_account("employer")
    page = client.get(DATA)
    assert page.status_code == 200
    with web_app.app_context():

        def count(model: Any, *where: Any) -> int:
            return (
                db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
            )

        expected = []
        for label, model in (
            ("Courses", Course),
            ("Course offerings", CourseOffering),
            ("Course providers", Provider),
            ("Employers", Employer),
            ("Employer skill needs", SkillDemand),
            ("Vacancies", Vacancy),
            ("Learners", Learner),
        ):
            total, demo = count(model), count(model, model.is_demo)
            expected.append(
                [label, f"{total:,}", f"{total - demo:,}", f"{demo:,} Demo" if demo else "0"]
            )
        districts, sectors = count(District), count(Sector)
        # Courses located in a district, and online ones in reach of all of them.
        located = set(
            db.session.execute(
                sa.select(Course.sector_id, CourseOffering.district_id)
                .join(CourseOffering.course)
                .where(CourseOffering.district_id.is_not(None))
            ).all()
        )
        online = set(
            db.session.scalars(
                sa.select(Course.sector_id)
                .join(CourseOffering.course)
                .where(CourseOffering.district_id.is_(None))
            )
        )
        with_courses = len(
            located | {(s, d) for s in online for d in db.session.scalars(sa.select(District.id))}
        )
    assert table(page, "catalogue") == expected
    # The test catalogue has demo providers and offerings and a demo employer: marked as such.
    demo_rows = {row[0] for row in expected if row[3] != "0"}
    assert {"Course offerings", "Course providers", "Employers"} <= demo_rows
    assert ["Learners", "1", "1", "0"] in table(page, "catalogue")
    text = page_text(page)
    assert "This page shows demo data" in text
    assert "Rows counted under Demo are generated for demonstration, not real." in text
    reference = table(page, "reference")
    assert ["Local authority districts", str(districts)] in reference
    assert ["Priority sectors", str(sectors)] in reference
    assert table(page, "vacancy-sources") == [["None yet."]]
    assert (
        f"Sector and district combinations {districts * sectors} "
        f"With a course there or online {with_courses} With vacancies 0"
    ) in text
    # Counts only: no learner is named.
    assert learner.email not in page.text and "Test learner" not in text
    body = page.text
    for endpoint_path in (IMPORT, "/board/snapshots", "/board/audit-log", "/data-sources"):
        assert f'href="{endpoint_path}"' in body, endpoint_path


def test_the_dashboard_links_to_the_data_page(client: PageCheckingClient, board: Account) -> None:
    assert f'href="{DATA}"' in client.get("/board").text


# --- importing vacancies ------------------------------------------------------------------------


def test_a_good_file_adds_its_vacancies_without_contact_details(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    before = vacancies(web_app)
    done = upload(client, csv_file(*GOOD))
    assert done.status_code == 303 and done.location == IMPORT
    text = page_text(client.get(IMPORT))
    assert "2 vacancies imported from vacancies.csv" in text
    assert "Rows skipped" not in text
    after = vacancies(web_app)
    assert len(after) - len(before) == 2 and set(after) - set(before) == {"ADV-1", "ADV-2"}
    care = after["ADV-1"]
    assert care.source == "import" and care.employer_name == "Kind Care Ltd"
    assert care.description == f"Support residents with personal care.\n{CONTACTS_REMOVED}"
    for vacancy in after.values():
        assert EMAIL not in vacancy.description and PHONE not in vacancy.description
        assert not has_contact_details(vacancy.description)
    [event] = import_events(web_app)
    assert (event.target_type, event.target_id) == ("vacancy", None)
    assert event.detail == {"read": 2, "loaded": 2, "present": 0, "skipped": 0}
    # The report is shown once; the data page now counts the imported vacancies.
    assert "imported from" not in page_text(client.get(IMPORT))
    assert ["Imported from files", "2", "2", "0"] in table(client.get(DATA), "vacancy-sources")

    again = upload(client, csv_file(*GOOD))
    assert again.status_code == 303
    assert "0 vacancies imported from vacancies.csv 2 rows were already imported" in page_text(
        client.get(IMPORT)
    )
    assert len(vacancies(web_app)) == len(after)


def test_a_half_bad_file_changes_nothing_and_names_each_bad_row(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    before = vacancies(web_app)
    refused = upload(client, csv_file(*GOOD, *BAD))
    assert refused.status_code == 200
    check_page(refused, "refused import")
    assert errors(refused) == [
        "2 of 4 rows in vacancies.csv have problems, so nothing was imported. Correct them and "
        "upload the file again, or import the valid rows and skip the others"
    ]
    assert table(refused, "row-problems") == [
        [
            "4",
            "district",
            "unknown district 'Narnia' (give an ONS code, district name or postcode)",
        ],
        ["5", "salary_max", "30000 is less than salary_min 40000"],
        ["5", "date_posted", "not a date in YYYY-MM-DD form: '2026/03/01'"],
    ]
    assert "Rows with problems" in page_text(refused)
    assert vacancies(web_app).keys() == before.keys()
    assert import_events(web_app) == []


def test_skipping_invalid_rows_imports_exactly_the_good_ones(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    before = vacancies(web_app)
    done = upload(client, csv_file(BAD[0], *GOOD, BAD[1]), skip=True)
    assert done.status_code == 303
    page = client.get(IMPORT)
    text = page_text(page)
    assert "2 vacancies imported from vacancies.csv" in text and "2 rows were skipped" in text
    assert table(page, "row-problems") == [
        [
            "2",
            "district",
            "unknown district 'Narnia' (give an ONS code, district name or postcode)",
        ],
        ["5", "salary_max", "30000 is less than salary_min 40000"],
        ["5", "date_posted", "not a date in YYYY-MM-DD form: '2026/03/01'"],
    ]
    after = vacancies(web_app)
    assert set(after) - set(before) == {"ADV-1", "ADV-2"} and len(after) == len(before) + 2
    [event] = import_events(web_app)
    assert event.detail == {"read": 4, "loaded": 2, "present": 0, "skipped": 2}


def test_the_template_downloads_and_imports_as_it_is(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    response = client.get("/board/data/import-vacancies/csv-template")
    assert response.mimetype == "text/csv"
    assert 'filename="skillsmatch-vacancies.csv"' in response.headers["Content-Disposition"]
    assert response.text.splitlines()[0] == ",".join(board_data.TEMPLATE_COLUMNS)
    before = vacancies(web_app)
    assert upload(client, response.data, "skillsmatch-vacancies.csv").status_code == 303
    assert len(vacancies(web_app)) == len(before) + len(response.text.splitlines()) - 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "vacancies.csv", "vacancies.csv cannot be imported: empty file"),
        (
            b"PK\x03\x04zip",
            "adverts.xlsx",
            "adverts.xlsx cannot be imported: binary file: a ZIP "
            "archive (an Excel .xlsx workbook?); export it as CSV",
        ),
        (
            b"reference,title,level,provider,district,places\n",
            "courses.csv",
            "courses.csv cannot be imported: wrong header: missing required column(s) description",
        ),
    ],
)
def test_unusable_files_get_one_clear_message(
    web_app: Flask,
    client: PageCheckingClient,
    board: Account,
    content: bytes,
    name: str,
    message: str,
) -> None:
    before = vacancies(web_app)
    found = errors(upload(client, content, name))
    assert len(found) == 1 and found[0].startswith(message)
    assert vacancies(web_app).keys() == before.keys()


def test_no_file_chosen(client: PageCheckingClient, board: Account) -> None:
    response = client.post(
        IMPORT, data={"csrf_token": client.csrf_token(IMPORT)}, content_type="multipart/form-data"
    )
    assert errors(response) == ["Select a CSV or JSON Lines file of vacancies"]


def test_an_oversized_file_is_refused_before_it_is_read(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    before = vacancies(web_app)
    big = csv_file(*[GOOD[1].replace("ADV-2", f"ADV-{i}") for i in range(120_000)])
    assert len(big) > board_data.UPLOAD_MAX_BYTES
    response = upload(client, big)
    assert response.status_code == 413
    check_page(response, "oversized upload")
    assert errors(response) == ["The selected file must be smaller than 5 MB"]
    assert vacancies(web_app).keys() == before.keys()


# --- who may do it ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "employer", "provider"])
def test_other_roles_are_refused_and_import_nothing(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account], role: str
) -> None:
    login_as(role)
    before = vacancies(web_app)
    for url in (DATA, IMPORT, "/board/data/import-vacancies/csv-template"):
        assert client.get(url).status_code == 403, url
    token = client.csrf_token("/account/change-password")  # a valid token of this session
    assert upload(client, csv_file(*GOOD), token=token).status_code == 403
    assert vacancies(web_app).keys() == before.keys()


def test_an_import_without_a_csrf_token_is_refused(
    web_app: Flask, client: PageCheckingClient, board: Account
) -> None:
    before = vacancies(web_app)
    for token in ("", "forged"):
        response = upload(client, csv_file(*GOOD), token=token)
        assert response.status_code == 400
        assert "Sorry, this form has expired" in page_text(response)
    assert vacancies(web_app).keys() == before.keys()
    assert import_events(web_app) == []
