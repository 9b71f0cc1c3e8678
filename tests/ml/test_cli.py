"""The command-line contract of link-skills and normalise-titles, with the real model and ESCO."""

from __future__ import annotations

import json

import pytest

from skillsmatch import reference_data

pytestmark = pytest.mark.slow

TEXTS = [
    "Experience of Python and SQL databases is essential.",
    "<p>You will provide <b>personal care</b> to residents &amp; keep records.</p>",
    "",
    "\x00\x01\x02 garbage \x03\x04",
]


@pytest.fixture(scope="module")
def skill_uris() -> set[str]:
    return set(reference_data.read_esco_skills()["uri"])


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_link_skills_top_k(ml_app, skill_uris) -> None:
    result = ml_app.test_cli_runner().invoke(
        args=["link-skills", "--top-k", "3", "-"], input="\n".join(TEXTS) + "\n"
    )
    assert result.exit_code == 0, result.output
    records = _lines(result.stdout)
    assert [r["text"] for r in records] == TEXTS
    for record in records[:2]:
        skills = record["skills"]
        assert len(skills) == 3
        assert [s["score"] for s in skills] == sorted((s["score"] for s in skills), reverse=True)
        assert all(s["uri"] in skill_uris and 0 <= s["score"] <= 1 and s["label"] for s in skills)
    assert any(
        "programming" in s["label"].lower() or "SQL" in s["label"] for s in records[0]["skills"]
    )
    for record in records[2:]:
        assert record["skills"] == [] and record["reason"]


def test_link_skills_min_score(ml_app) -> None:
    result = ml_app.test_cli_runner().invoke(
        args=["link-skills", "--top-k", "50", "--min-score", "0.5", "-"], input=TEXTS[0] + "\n"
    )
    assert result.exit_code == 0, result.output
    [record] = _lines(result.stdout)
    assert all(s["score"] >= 0.5 for s in record["skills"])
    assert len(record["skills"]) < 50


def test_normalise_titles(ml_app) -> None:
    occupations = reference_data.read_esco_occupations()
    titles = ["Senior Care Assistant - Nights", "HGV Class 1 Driver", "Java Developer"]
    result = ml_app.test_cli_runner().invoke(
        args=["normalise-titles", "--top-k", "5", "-"], input="\n".join(titles) + "\n"
    )
    assert result.exit_code == 0, result.output
    records = _lines(result.stdout)
    assert [r["text"] for r in records] == titles
    for record in records:
        found = record["occupations"]
        assert len(found) == 5
        assert set(found[0]) == {"uri", "label", "score", "soc2020"}
        assert [o["score"] for o in found] == sorted((o["score"] for o in found), reverse=True)
        assert set(o["uri"] for o in found) <= set(occupations["uri"])
    assert records[1]["occupations"][0]["soc2020"].startswith("82")  # drivers: SOC 821x
