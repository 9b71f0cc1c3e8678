"""The shipped supplement of typical job titles for the standards that list none."""

from __future__ import annotations

import pandas as pd
import pytest

from skillsmatch import reference_data as rd
from skillsmatch.loaders.standards import (
    approved_standards,
    has_supplied_job_titles,
    supplementary_job_titles,
)


@pytest.fixture(scope="module")
def supplement() -> pd.DataFrame:
    return rd.read_job_title_supplement()


def _listed(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(frame["Reference"].str.strip())["Job Titles"].str.strip().ne("")


def test_it_covers_exactly_the_approved_standards_that_list_no_titles(supplement) -> None:
    listed = _listed(approved_standards(supplement=False))
    assert set(supplement["reference"]) == set(listed[~listed].index)


def test_each_title_is_clean_unique_and_sourced(supplement) -> None:
    assert list(supplement.columns) == ["reference", "job_title", "source"]
    titles = supplement["job_title"]
    assert titles.str.strip().ne("").all() and titles.eq(titles.str.strip()).all()
    assert titles.str.len().max() <= 255
    assert not supplement.assign(key=titles.str.lower()).duplicated(["reference", "key"]).any()
    ours = supplement["source"].eq("SkillsMatch")
    assert (ours | supplement["source"].str.startswith("Skills England, ")).all()


def test_titles_credited_to_skills_england_are_in_a_version_of_that_standard(supplement) -> None:
    versions = rd.read_standards()
    listed: dict[str, set[str]] = {}
    for ref, titles in zip(versions["Reference"], versions["Job Titles"], strict=True):
        listed.setdefault(ref.strip(), set()).update(
            t.strip().lower() for t in titles.split(";") if t.strip()
        )
    theirs = supplement[supplement["source"].ne("SkillsMatch")]
    assert len(theirs) > 0
    for ref, title in zip(theirs["reference"], theirs["job_title"], strict=True):
        assert title.lower() in listed[ref], (ref, title)


def test_approved_standards_fill_only_the_empty_lists() -> None:
    filled = approved_standards().set_index("Reference")["Job Titles"]
    own = approved_standards(supplement=False).set_index("Reference")["Job Titles"]
    assert own["ST0070"] == ""
    assert filled["ST0070"].split(";") == supplementary_job_titles()["ST0070"]
    assert "Administrative assistant" in filled["ST0070"].split(";")
    kept = own.str.strip().ne("")
    assert filled[kept].equals(own[kept])  # a standard's own titles are never replaced
    assert filled.str.strip().ne("").all()


def test_supplied_titles_are_told_from_a_courses_own() -> None:
    titles = supplementary_job_titles()["ST0070"]
    assert has_supplied_job_titles("apprenticeship", "ST0070", titles)
    assert not has_supplied_job_titles("apprenticeship", "ST0070", ["Office manager"])
    assert not has_supplied_job_titles("provider", "ST0070", titles)
    assert not has_supplied_job_titles("apprenticeship", "ST0005", ["Care worker"])
    assert not has_supplied_job_titles("apprenticeship", "ST0070", [])
