"""The command-line contract of match-courses: JSON lines, options, and where courses come from.

Most tests swap the sentence encoder for a word-hashing one, so they need no model; the tests
marked slow run the real model against the shipped standards.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

import ml.course_matching
from skillsmatch import create_app
from skillsmatch.config import PROJECT_ROOT
from skillsmatch.extensions import db
from skillsmatch.models import Course
from skillsmatch.services.course_matching import standards_table

TITLES = ["Care Assistant - Nights", "", "Lorry driver - Nights - £14/hr", "electrician"]


class HashingEncoder:
    """Bag of words hashed into 64 dimensions: similar wording, similar vectors. No model."""

    name = "hashing-cli-test-encoder"
    max_tokens = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ml.course_matching, "get_encoder", HashingEncoder)


@pytest.fixture(scope="module")
def hashing_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One cache for the module: the hashed occupation index is built once, not per test."""
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def no_db_app(tmp_path: Path, hashing_cache: str) -> Flask:
    """The app pointed at a database file that does not exist, as on a fresh checkout."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'absent.sqlite3'}",
            "CACHE_DIR": hashing_cache,
        }
    )


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def _invoke(app: Flask, args: list[str], text: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["match-courses", *args], input=text)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def test_json_lines_from_shipped_standards_without_a_database(hashing, no_db_app, tmp_path) -> None:
    result = _invoke(no_db_app, ["--top-k", "3", "-"], "\n".join(TITLES) + "\n")
    records = _records(result.stdout)
    assert [r["text"] for r in records] == TITLES
    refs = set(standards_table()["ref"])
    for record in records:
        assert set(record) == {"text", "courses"}
        assert len(record["courses"]) <= 3
        scores = [c["score"] for c in record["courses"]]
        assert scores == sorted(scores, reverse=True)
        for course in record["courses"]:
            assert set(course) == {"ref", "title", "score"}
            assert course["ref"] in refs and 0 <= course["score"] <= 1
    assert records[1]["courses"] == []  # an empty line has no course
    assert records[2]["courses"][0]["ref"] == "ST0257"  # LGV driver C + E
    assert "shipped approved standards" in result.stderr
    assert not (tmp_path / "absent.sqlite3").exists()  # looking did not create a database


def test_top_k_and_min_score(hashing, no_db_app) -> None:
    [record] = _records(_invoke(no_db_app, ["--top-k", "4", "--min-score", "0"], "care\n").stdout)
    assert len(record["courses"]) == 4
    [strict] = _records(_invoke(no_db_app, ["--min-score", "1"], "care assistant\n").stdout)
    assert strict["courses"] == []


def test_abstains_on_text_no_course_fits(hashing, no_db_app) -> None:
    [record] = _records(_invoke(no_db_app, [], "zyxw qvvq\n").stdout)
    assert record == {"text": "zyxw qvvq", "courses": []}


def test_reads_a_file(hashing, no_db_app, tmp_path) -> None:
    source = tmp_path / "titles.txt"
    source.write_text("electrician\r\naccounts assistant\n", encoding="utf-8")
    records = _records(_invoke(no_db_app, ["--top-k", "2", str(source)], "").stdout)
    assert [r["text"] for r in records] == ["electrician", "accounts assistant"]
    assert records[1]["courses"][0]["ref"] == "ST0608"  # Accounts or finance assistant


def test_bad_options_are_refused(no_db_app) -> None:
    runner = no_db_app.test_cli_runner()
    assert runner.invoke(args=["match-courses", "--top-k", "0"]).exit_code == 2
    assert runner.invoke(args=["match-courses", "--min-score", "1.5"]).exit_code == 2
    assert runner.invoke(args=["match-courses", "no-such-file.txt"]).exit_code == 2


def test_uses_the_database_courses_when_there_are_some(hashing, app, hashing_cache) -> None:
    app.config["CACHE_DIR"] = hashing_cache
    with app.app_context():
        course = Course(
            reference="DEMO-FLT-01",
            kind="provider",
            title="Forklift truck operation",
            overview="Operate counterbalance and reach forklift trucks safely in a warehouse.",
            job_titles=["Forklift driver", "Reach truck operator"],
            level=2,
        )
        standard = Course(
            reference="ST0005", kind="apprenticeship", title="Adult care worker", level=2
        )
        db.session.add_all([course, standard])
        db.session.commit()
        public_id = str(course.public_id)
    result = _invoke(app, ["--min-score", "0"], "Forklift driver\n")
    [record] = _records(result.stdout)
    assert "(database)" in result.stderr
    assert [c["ref"] for c in record["courses"]] == [public_id, "ST0005"]
    assert record["courses"][0]["title"] == "Forklift truck operation"


@pytest.mark.slow
def test_real_model_matches_and_abstains(tmp_path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'absent.sqlite3'}",
            "CACHE_DIR": os.environ.get(
                "SKILLSMATCH_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache")
            ),
        }
    )
    titles = {
        "care assistant": {"ST0005", "FA0007", "ST0216"},
        "software developer": {"ST0116", "ST0128"},
        "HGV driver": {"ST0257"},
        "electrician": {"ST0152", "ST1017"},
        "accounts assistant": {"ST0608"},
        "Staff Nurse - Ward 12": {"ST0781"},
        # The standards list no job titles; the supplement's lead here.
        "administrative assistant": {"ST0070"},
        "kitchen fitter": {"ST0980"},
    }
    out_of_scope = ["pharmacist", "dentist", "optometrist", "judge"]
    text = "\n".join([*titles, *out_of_scope]) + "\n"
    records = _records(_invoke(app, ["--top-k", "5"], text).stdout)
    for record, expected in zip(records, titles.values(), strict=False):
        assert {c["ref"] for c in record["courses"][:3]} & expected, record
    for record in records[len(titles) :]:
        assert record["courses"] == [], record


@pytest.mark.slow
def test_real_model_abstains_where_the_occupation_rules_the_course_out(tmp_path) -> None:
    # Both score above the abstention threshold ("Financial adviser", "Veterinary nurse"), but
    # neither course trains for their occupation group.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'absent.sqlite3'}",
            "CACHE_DIR": os.environ.get(
                "SKILLSMATCH_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache")
            ),
        }
    )
    records = _records(_invoke(app, [], "fund manager\nVeterinary surgeon\n").stdout)
    assert [r["courses"] for r in records] == [[], []]
