"""Hand labels the benchmarks read: well formed, nothing copied that may not be, sets kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillsmatch import reference_data
from skillsmatch.services.course_matching import standards_table

BENCH_DATA = Path(__file__).resolve().parents[1] / "bench" / "data"
# Each file, with the field naming its item (an advert, a course title, a row of the title set).
JUDGEMENTS = {
    "course_occupation_judgements.json": ("ref", "title"),
    "vacancy_occupation_judgements.json": ("source_ref",),
    "vacancy_title_judgements.json": ("row",),
}


@pytest.fixture(scope="module")
def occupation_uris() -> set[str]:
    return set(reference_data.read_esco_occupations()["uri"])


@pytest.mark.parametrize("name", sorted(JUDGEMENTS))
def test_judgements_are_well_formed(name: str, occupation_uris: set[str]) -> None:
    data = json.loads((BENCH_DATA / name).read_text())
    assert data["_about"].strip()
    keys = [tuple(item[k] for k in JUDGEMENTS[name]) for item in data["items"]]
    assert len(keys) == len(set(keys)), "an item is judged twice"
    for item in data["items"]:
        assert item["judged"], item
        assert set(item["acceptable"]) <= set(item["judged"]), item
        assert set(item["judged"]) <= occupation_uris, item


def test_vacancy_title_judgements_keep_no_titles() -> None:
    # The vacancy-title set is for research and evaluation: its titles are read at bench time.
    data = json.loads((BENCH_DATA / "vacancy_title_judgements.json").read_text())
    for item in data["items"]:
        assert set(item) == {"row", "judged", "acceptable"}
        assert isinstance(item["row"], int)


def test_labelled_vacancy_titles_name_standards_and_keep_dev_and_check_apart() -> None:
    refs = set(standards_table()["ref"])
    files = [
        json.loads((BENCH_DATA / f"vacancy_titles_{s}.json").read_text()) for s in ("dev", "check")
    ]
    for labels in files:
        for source in ("adzuna", "nhs-jobs-2020"):
            for advert, gold in labels[source].items():
                assert set(gold) <= refs, (source, advert, gold)
    for source in ("adzuna", "nhs-jobs-2020"):
        assert not set(files[0][source]) & set(files[1][source]), source
