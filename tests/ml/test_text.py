"""Cleaning and refusing input text."""

from __future__ import annotations

import os

import pytest

from ml.text import chunk_words, prepare, split_sentences, strip_html


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        (None, "not text"),
        (b"\x00\xff\xfe\x01", "binary"),
        ("ok\x00\x01\x02\x03" * 50, "binary"),
        ("<p>&nbsp;</p><br/>", "no words"),
        ("x" * 1_000_001, "too long"),
        ("我们正在寻找一名经验丰富的软件工程师加入我们的团队负责开发和维护系统", "not English"),
        (
            "Wir suchen für unser Team einen Entwickler. Sie sind mit der Arbeit vertraut und "
            "die Aufgaben sind nicht einfach, das ist klar.",
            "not English",
        ),
    ],
)
def test_bad_input_gives_a_reason(text: object, reason: str) -> None:
    prepared = prepare(text)
    assert prepared.sentences == []
    assert prepared.reason is not None and prepared.reason.startswith(reason)


def test_random_bytes_are_refused() -> None:
    blob = os.urandom(4096)
    assert prepare(blob).reason is not None
    assert prepare(blob.decode("latin-1")).reason is not None


def test_html_is_read_as_text() -> None:
    text = (
        "<p>Use <b>Python</b>.</p><script>alert(1)</script><ul><li>SQL</li><li>A &amp; B</li></ul>"
    )
    assert prepare(text).sentences == ["Use Python.", "SQL", "A & B"]
    assert "<" not in strip_html("&lt;p&gt;Escaped twice&lt;/p&gt;")


def test_sentences_and_bullets() -> None:
    text = "We need a nurse. You will care for patients!\n- manage budgets\n* drive vans"
    assert split_sentences(text) == [
        "We need a nurse.",
        "You will care for patients!",
        "manage budgets",
        "drive vans",
    ]


def test_long_sentences_are_chunked_not_cut() -> None:
    words = [f"w{i}" for i in range(130)]
    chunks = chunk_words(" ".join(words), max_words=48, overlap=8)
    covered = {w for chunk in chunks for w in chunk.split()}
    assert covered == set(words)
    assert all(len(chunk.split()) <= 48 for chunk in chunks)


def test_english_skill_lists_pass() -> None:
    assert prepare("javascript reactjs java").sentences == ["javascript reactjs java"]
