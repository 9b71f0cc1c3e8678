"""Cleaning scraped adverts: text, contact details, postcodes and salaries."""

from __future__ import annotations

import gzip
import json

import pytest

from skillsmatch.adverts import (
    CONTACTS_REMOVED,
    has_contact_details,
    html_to_text,
    outward_code,
    parse_salary,
    scrub_contacts,
)
from skillsmatch.config import DATA_DIR
from skillsmatch.reference_data import read_postcode_districts


def test_html_to_text_unescapes_and_keeps_paragraphs() -> None:
    markup = (
        "&lt;p&gt;Caring &amp;amp; kind&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Nights&lt;/li&gt;&lt;/ul&gt;"
    )
    assert html_to_text(markup) == "Caring & kind\nNights"


def test_contact_sentences_are_removed_with_the_names_in_them() -> None:
    text = (
        "We are a friendly ward. For an informal discussion please contact Dr Tahir Akhtar, "
        "Clinical Lead on 01268 524900 ext 3422. You will assess patients.\n"
        "If you would like to learn more contact Jane Johnson for an informal chat.\n"
        "For further details / informal visits contact:\nLisa Want\nService Unit Manager"
    )
    cleaned, removed = scrub_contacts(text)
    assert removed
    for fragment in (
        "Tahir",
        "Akhtar",
        "01268",
        "Jane Johnson",
        "Lisa Want",
        "Service Unit Manager",
    ):
        assert fragment not in cleaned
    assert cleaned.startswith("We are a friendly ward.")
    assert "You will assess patients." in cleaned
    assert cleaned.endswith(CONTACTS_REMOVED)


def test_text_without_contacts_is_unchanged() -> None:
    assert scrub_contacts("Drive HGVs.\nNights and weekends.") == (
        "Drive HGVs.\nNights and weekends.",
        False,
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("email jane.doe@nhs.net today", True),
        ("ring 07834514945", True),
        ("call +44 (0)1245 513714", True),
        ("band 5, 37.5 hours a week, £24,907", False),
    ],
)
def test_contact_detection(text: str, found: bool) -> None:
    assert has_contact_details(text) is found


def test_shipped_nhs_extract_has_no_contact_details_and_only_essex_districts() -> None:
    lookup = read_postcode_districts()
    with gzip.open(DATA_DIR / "nhs-jobs" / "greater_essex_vacancies.jsonl.gz", "rt") as fh:
        adverts = [json.loads(line) for line in fh]
    assert len(adverts) > 300
    for advert in adverts:
        assert not has_contact_details(advert["description"]), advert["source_ref"]
        assert not has_contact_details(advert["title"])
        assert lookup[advert["postcode_district"]] == advert["district_code"]
        assert set(advert) >= {"title", "description", "employer_name", "date_posted"}
        assert "geo" not in advert and "postalCode" not in json.dumps(advert)


@pytest.mark.parametrize(
    ("postcode", "outward"),
    [
        ("SS16 5NL", "SS16"),
        ("cm1 1aa", "CM1"),
        ("SS00RY", "SS0"),
        ("CO4", "CO4"),
        ("not a postcode", None),
        (None, None),
    ],
)
def test_outward_code(postcode: str | None, outward: str | None) -> None:
    assert outward_code(postcode) == outward


def test_postcode_lookup_reaches_all_14_districts() -> None:
    assert len(set(read_postcode_districts().values())) == 14


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("£24,907 to £30,615 a year", (24907, 30615)),
        ("£82,096 - £110,683 per annum pro rata", (82096, 110683)),
        (28000, (28000, 28000)),
        ("negotiable", (None, None)),
        ("£10.50 an hour", (None, None)),
    ],
)
def test_parse_salary(value: object, expected: tuple[int | None, int | None]) -> None:
    assert parse_salary(value) == expected
