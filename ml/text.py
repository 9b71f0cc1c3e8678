"""Turning pasted text into sentences the encoder can read, and refusing text it cannot."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

MAX_CHARS = 100_000  # about 15,000 words, far beyond any advert or course page
MAX_WORDS = 48  # about 64 word pieces: sentence-length windows match labels best
OVERLAP_WORDS = 8

_BLOCK_TAGS = re.compile(r"(?is)<(script|style|head|noscript)\b.*?</\1\s*>")
_BREAK_TAGS = re.compile(r"(?i)<\s*(br|/p|p|/li|li|/div|div|/h\d|h\d|tr|/tr|ul|/ul|ol|/ol)\b[^>]*>")
_TAGS = re.compile(r"<[^>]{0,2000}>")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_LOOKS_HTML = re.compile(r"(?i)<\s*/?\s*[a-z][a-z0-9]*\b[^>]*>|&(lt|gt|amp|nbsp|#\d+);")
_BULLETS = re.compile(r"^\s*(?:[-*\u2022\u25cf\u25aa\u2023\u2043\u00b7>]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Frequent function words: English ones appear in almost any English sentence of some length,
# those of other languages hardly ever do.
_ENGLISH = frozenset(
    "the and of to in a for with is are be you we our your will on as an at or this that by "
    "from have has who it all can work team experience skills".split()
)
_FOREIGN = frozenset(
    "der die das und ist mit für nicht wir sie ein eine les des est une pour avec dans nous "
    "vous sur el los las por para con una del que y en het een van wij zijn voor op il della "
    "per che sono".split()
)


_TOKEN = re.compile(r"[a-z0-9+#]+")
_PARENTHESES = re.compile(r"\([^)]*\)")
_STOP = frozenset(
    "a an and the of to in for on with by or as at from into use using be is are your our you we "
    "their its it this that other etc".split()
)


def content_words(text: str) -> frozenset[str]:
    """Lower-case words minus function words and plural "s"; ESCO's "(computer programming)"
    style qualifiers are left out, so "Java (computer programming)" is just {"java"}."""
    words = _TOKEN.findall(_PARENTHESES.sub(" ", text.lower()))
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words) - _STOP


@dataclass(frozen=True)
class Prepared:
    """A text ready to embed: its sentences, or why there are none."""

    sentences: list[str]
    reason: str | None = None


def strip_html(text: str) -> str:
    """Markup to plain text: drop scripts and styles, turn block tags into line breaks."""
    if not _LOOKS_HTML.search(text):
        return text
    # Adverts are often HTML escaped once more ("&lt;p&gt;"): unescape until stable.
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _BLOCK_TAGS.sub(" ", text)
    text = _BREAK_TAGS.sub("\n", text)
    text = _TAGS.sub(" ", text)
    text = html.unescape(text).replace("\xa0", " ")
    # Inline tags became spaces: "<b>Python</b>." must not read as "Python ."
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)


def _garbage_share(text: str) -> float:
    """Share of characters that no human text contains: controls, private use, unassigned."""
    bad = sum(
        1
        for ch in text
        if unicodedata.category(ch) in {"Cc", "Co", "Cn", "Cs"}
        and ch not in "\n\r\t"
        or ch == "\ufffd"
    )
    return bad / max(len(text), 1)


def language_problem(text: str) -> str | None:
    """A reason when the text is clearly not English, else None (short or mixed text passes)."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 20:
        latin = sum(1 for ch in letters if ch.isascii() or "LATIN" in unicodedata.name(ch, ""))
        if latin / len(letters) < 0.5:
            return "not English: the text is mostly in a non-Latin script"
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) >= 12:
        english = sum(w in _ENGLISH for w in words)
        foreign = sum(w in _FOREIGN for w in words)
        if foreign >= 4 and foreign > 2 * english:
            return "not English: the text reads as another language"
    return None


def split_sentences(text: str) -> list[str]:
    """Lines, bullets and sentence ends, as a reader would split an advert."""
    sentences = []
    for line in text.splitlines():
        line = _BULLETS.sub("", line).strip()
        for part in _SENTENCE_END.split(line):
            part = " ".join(part.split())
            if _WORD.search(part):
                sentences.append(part)
    return sentences


def chunk_words(
    sentence: str, max_words: int = MAX_WORDS, overlap: int = OVERLAP_WORDS
) -> list[str]:
    """Overlapping windows over a long sentence, so that no part of it goes unread."""
    words = sentence.split()
    if len(words) <= max_words:
        return [sentence]
    step = max_words - overlap
    return [
        " ".join(words[i : i + max_words]) for i in range(0, max(len(words) - overlap, 1), step)
    ]


def prepare(text: object, max_chars: int = MAX_CHARS, max_words: int = MAX_WORDS) -> Prepared:
    """Check, clean and split one input text; never raises on any input."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return Prepared([], "binary: the input is not UTF-8 text")
    if not isinstance(text, str):
        return Prepared([], f"not text: got {type(text).__name__}")
    if not text.strip():
        return Prepared([], "empty: there is no text")
    if len(text) > max_chars:
        return Prepared(
            [], f"too long: {len(text):,} characters; the limit is {max_chars:,}, split the text"
        )
    if _garbage_share(text) > 0.02 or "\x00" in text:
        return Prepared([], "binary: the input holds control or undecodable characters")
    text = strip_html(text)
    if not _WORD.search(text):
        return Prepared([], "no words: nothing but markup, digits or punctuation")
    problem = language_problem(text)
    if problem:
        return Prepared([], problem)
    sentences = [c for s in split_sentences(text) for c in chunk_words(s, max_words)]
    if not sentences:
        return Prepared([], "no words: nothing but markup, digits or punctuation")
    return Prepared(sentences)
