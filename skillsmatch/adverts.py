"""Cleaning scraped job adverts: plain text, no recruiters' contact details, parsed salary."""

from __future__ import annotations

import html
import re

CONTACTS_REMOVED = "[Contact details removed]"

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/li|/h\d|/div|/tr)\b[^>]*>", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# UK numbers: 01245 513714, 07834514945, +44 (0)1268 524900, 01268 524 900 ext 3422.
_PHONE = re.compile(
    r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,5}[\s-]?\d{3}[\s-]?\d{3,4}(?:\s*(?:ext\.?|extension)\s*\d+)?",
    re.IGNORECASE,
)
# Sentences that exist to tell the reader whom to contact name a person; they go whole.
_CONTACT_CUE = re.compile(
    r"\b(contact|informal (?:visit|discussion|chat)|get in touch|please (?:call|ring|email)|"
    r"speak (?:to|with)|enquiries to|e-?mail address|telephone number)\b",
    re.IGNORECASE,
)
# NHS Jobs appends a block of named contacts under this heading; everything after it goes.
_CONTACT_BLOCK = re.compile(
    r"for further details\s*/\s*informal visits contact.*", re.IGNORECASE | re.DOTALL
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])|\n+")
_POSTCODE = re.compile(r"^\s*([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})?\s*$", re.IGNORECASE)
_MONEY = re.compile(r"£?\s?(\d{1,3}(?:,\d{3})+|\d{4,6})(?:\.\d+)?")


def html_to_text(markup: str) -> str:
    """Plain text from an advert's (possibly entity-escaped) HTML, one paragraph per line."""
    text = html.unescape(html.unescape(markup or ""))
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def scrub_contacts(text: str) -> tuple[str, bool]:
    """Remove recruiters' names, e-mail addresses and phone numbers.

    Returns the cleaned text and whether anything was removed. Whole sentences that give contact
    details are dropped, because the name of the person to contact travels with them.
    """
    cut = _CONTACT_BLOCK.sub("", text)
    removed = cut != text
    kept_lines = []
    for line in cut.split("\n"):
        kept = []
        for sentence in _SENTENCE_END.split(line):
            if _EMAIL.search(sentence) or _PHONE.search(sentence) or _CONTACT_CUE.search(sentence):
                removed = True
                continue
            kept.append(sentence.strip())
        if any(kept):
            kept_lines.append(" ".join(s for s in kept if s))
    cleaned = "\n".join(kept_lines)
    if removed:
        cleaned = f"{cleaned}\n{CONTACTS_REMOVED}".strip()
    return cleaned, removed


def has_contact_details(text: str) -> bool:
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def outward_code(postcode: str | None) -> str | None:
    """The postcode district (``CM1``) of a full or partial postcode, or None if it is not one."""
    match = _POSTCODE.match(postcode or "")
    return match.group(1).upper() if match else None


def parse_salary(value: object) -> tuple[int | None, int | None]:
    """A yearly salary range from '£24,907 to £30,615 a year', 28000, or 'negotiable'."""
    if isinstance(value, int | float):
        return int(value), int(value)
    amounts = [int(m.replace(",", "")) for m in _MONEY.findall(str(value or ""))]
    amounts = [a for a in amounts if 1000 <= a <= 1_000_000]
    if not amounts:
        return None, None
    return min(amounts), max(amounts)
