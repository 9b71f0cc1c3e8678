"""The priority-sector mapping is data: check it against the classifications it cites."""

from __future__ import annotations

import pytest

from skillsmatch import reference_data as rd
from skillsmatch.sectors import SectorMap

DEFINITIONS = rd.read_sector_definitions()
SECTORS = SectorMap.from_definitions(DEFINITIONS)


def test_seven_priority_sectors_each_defined_by_all_four_code_kinds() -> None:
    assert [d["name"] for d in DEFINITIONS] == [
        "Advanced Manufacturing & Engineering",
        "Care",
        "Construction",
        "Financial & Related Services",
        "Health",
        "IT, Digital & Creative",
        "Logistics",
    ]
    for d in DEFINITIONS:
        for key in ("soc2020", "isco08", "sic2007", "apprenticeship_routes"):
            assert d[key], f"{d['slug']} has no {key} codes"


def test_every_soc_code_is_a_real_unit_group() -> None:
    unit_groups = set(rd.read_soc_unit_groups()["code"])
    assert {c for d in DEFINITIONS for c in d["soc2020"]} <= unit_groups


def test_every_isco_and_sic_prefix_matches_something_real() -> None:
    isco = set(rd.read_esco_occupations()["isco08"])
    sic = set(rd.read_sic_index()["code"])
    for d in DEFINITIONS:
        for prefix in d["isco08"]:
            assert any(code.startswith(prefix) for code in isco), prefix
        for prefix in d["sic2007"]:
            assert any(code.startswith(prefix) for code in sic), prefix


def test_every_route_is_a_route_of_the_standards_catalogue() -> None:
    routes = {r for value in rd.read_standards()["Route"] for r in value.split(";")}
    assert {r for d in DEFINITIONS for r in d["apprenticeship_routes"]} <= routes


def test_a_code_in_two_sectors_is_refused() -> None:
    clash = [dict(DEFINITIONS[0]), {**DEFINITIONS[1], "soc2020": [DEFINITIONS[0]["soc2020"][0]]}]
    with pytest.raises(ValueError, match="soc2020 code .* is in two sectors"):
        SectorMap.from_definitions(clash)


@pytest.mark.parametrize(
    ("lookup", "code", "sector"),
    [
        ("for_soc", "6135", "care"),  # care workers and home carers
        ("for_soc", "6131", "health"),  # nursing auxiliaries
        ("for_soc", "5241", "construction"),  # electricians
        ("for_soc", "2134", "it-digital-creative"),
        ("for_soc", "8211", "logistics"),
        ("for_soc", "7111", None),  # sales assistants: no priority sector
        ("for_isco", "7411", "construction"),  # longest prefix beats "74"
        ("for_isco", "7412", "advanced-manufacturing-engineering"),
        ("for_isco", "2221", "health"),
        ("for_sic", "86101", "health"),
        ("for_sic", "64191", "financial-related-services"),
        ("for_sic", "71122", "advanced-manufacturing-engineering"),
        ("for_sic", "71111", "construction"),
        ("for_sic", "47110", None),
        ("for_route", "Health and science;Care services", "health"),
        ("for_route", "Digital", "it-digital-creative"),
        ("for_route", "Creative and design", "it-digital-creative"),
        ("for_route", "Hair and beauty", None),
    ],
)
def test_lookups(lookup: str, code: str, sector: str | None) -> None:
    assert getattr(SECTORS, lookup)(code) == sector


def test_occupation_sector_prefers_soc_then_isco() -> None:
    assert SECTORS.for_occupation("6135", "5321") == "care"
    assert SECTORS.for_occupation(None, "5321") == "health"
    assert SECTORS.for_occupation("7111", "5223") is None
