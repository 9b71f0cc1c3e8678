"""Checking what a person typed into a form: cleaned text and the problems found, per field."""

from __future__ import annotations

import re

INTEGER = re.compile(r"[+-]?\d+")
# Characters no form field needs; PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(ValueError):
    """Input that cannot be saved: ``problems`` pairs each field at fault with what to do, in
    the order of the page."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


class Problems:
    """Collects one message per field, the first found, and raises them together."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, name: str, message: str) -> None:
        if all(name != n for n, _ in self.found):
            self.found.append((name, message))

    def raise_any(self) -> None:
        if self.found:
            raise InvalidInput(self.found)


def clean_text(value: str | None, multiline: bool = False) -> str:
    """Text without control characters; one line unless ``multiline``."""
    text = _CONTROL.sub("", value or "")
    if multiline:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip()
    return " ".join(text.split())


def whole_number(
    problems: Problems,
    name: str,
    raw: str | None,
    what: str,
    low: int,
    high: int,
    example: str,
    missing: str | None = None,
) -> int | None:
    """A whole number from ``low`` to ``high`` (commas allowed), or None with a problem added.

    An empty field is a problem only when ``missing`` says what to ask for.
    """
    value = clean_text(raw).replace(",", "")
    if not value:
        if missing:
            problems.add(name, missing)
        return None
    what = what[0].upper() + what[1:]
    if not INTEGER.fullmatch(value):
        problems.add(name, f"{what} must be a whole number, like {example}")
        return None
    number = int(value)
    if not low <= number <= high:
        problems.add(name, f"{what} must be between {low:,} and {high:,}")
        return None
    return number
