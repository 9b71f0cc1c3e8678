"""Checking course and vacancy files before import: the file as a whole, then every row.

Nothing here touches the database; the caller passes in the districts and sectors to check
against. A file-level problem raises ``ImportFileError`` with a one-line message. Row problems are
``SkippedRow`` entries whose ``row`` is the line of the file the record starts on (a CSV file's
header is line 1, so its first record is line 2; a JSON Lines file's first record is line 1).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from skillsmatch.adverts import html_to_text, outward_code, scrub_contacts
from skillsmatch.loaders.report import SkippedRow
from skillsmatch.models.courses import DELIVERY_MODES

# Checked against the size on disk before a byte is read.
MAX_FILE_BYTES = 20 * 1024 * 1024
FORMATS = {".csv": "csv", ".jsonl": "jsonl"}
ROW = "(row)"  # the field named when a problem concerns a whole row

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe", "UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save it as UTF-8"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?); export it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an Office document (an Excel .xls workbook?); export it as CSV"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"%PDF", "a PDF document, not CSV or JSON Lines"),
    (b"\x89PNG", "a PNG image, not CSV or JSON Lines"),
    (b"\xff\xd8\xff", "a JPEG image, not CSV or JSON Lines"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_STANDARD_REFERENCE = re.compile(r"ST\d{4}", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d+")


class ImportFileError(ValueError):
    """The whole file is refused; the message is one line."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class Schema:
    kind: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


COURSES = Schema(
    "courses",
    (
        Column("reference", True, 64),
        Column("title", True, 255),
        Column("level", True),
        Column("provider", True, 200),
        Column("district", True, 120),
        Column("places", True),
        Column("duration_months"),
        Column("mode", max_length=16),
        Column("start_dates", max_length=2000),
        Column("route", max_length=120),
        Column("overview", max_length=10_000),
        Column("job_titles", max_length=255),  # the limit applies to each title
        Column("max_funding"),
    ),
)

VACANCIES = Schema(
    "vacancies",
    (
        Column("reference", True, 64),
        Column("title", True, 255),
        Column("description", True, 50_000),
        Column("district", True, 120),
        Column("employer", max_length=200),
        Column("salary_min"),
        Column("salary_max"),
        Column("date_posted"),
        Column("closing_date"),
        Column("sector", max_length=120),
    ),
)


@dataclass(frozen=True)
class Record:
    """One data row as read: its first line, its values, and problems found while reading it."""

    line: int
    values: Mapping[str, object]
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Lookups:
    """What district and sector names may be given as, each mapped to an ONS code or a slug."""

    districts: Mapping[str, str]
    postcodes: Mapping[str, str]
    sectors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        districts: Iterable[tuple[str, str]],
        postcodes: Mapping[str, str],
        sectors: Iterable[tuple[str, str]] = (),
    ) -> Lookups:
        """From (code, name) districts, outward code -> district code, and (slug, name) sectors."""
        by_name: dict[str, str] = {}
        for code, name in districts:
            by_name[code.lower()] = code
            by_name[name.lower()] = code
        by_sector: dict[str, str] = {}
        for slug, name in sectors:
            by_sector[slug.lower()] = slug
            by_sector[name.lower()] = slug
        return cls(by_name, {k.upper(): v for k, v in postcodes.items()}, by_sector)


@dataclass
class Checked:
    """Rows that passed every check, ready to import, and every problem found."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[SkippedRow] = field(default_factory=list)
    read: int = 0

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.row for p in self.problems})


# --- reading the file ---------------------------------------------------------------------------


def read_records(path: Path, schema: Schema, max_bytes: int = MAX_FILE_BYTES) -> list[Record]:
    """The data rows of a CSV or JSON Lines file, or ``ImportFileError`` if the file is unusable."""
    text = _decode(_read_bytes(path, max_bytes))
    fmt = _format(path, text)
    records = _read_csv(text, schema) if fmt == "csv" else _read_jsonl(text, schema)
    if not records:
        raise ImportFileError("no data rows")
    return records


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise ImportFileError("no such file")
    if not path.is_file():
        raise ImportFileError("not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportFileError(
            f"file is {_size(size)} ({size:,} bytes), over the {_size(max_bytes)} limit"
        )
    if size == 0:
        raise ImportFileError("empty file")
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after the size check
        raise ImportFileError(f"file is over the {_size(max_bytes)} limit")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ImportFileError(f"binary file: {what}")
    nul = data.find(b"\0")
    if nul >= 0:
        raise ImportFileError(f"binary file (NUL byte at offset {nul})")
    return data


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            "save it as UTF-8"
        ) from None
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        code = ord(control.group())
        raise ImportFileError(f"binary file (control character 0x{code:02x} on line {line})")
    if not text.strip():
        raise ImportFileError("empty file")
    return text


def _format(path: Path, text: str) -> str:
    """CSV or JSON Lines: by extension, else by the first character of the content."""
    first = text.lstrip()[0]
    if first == "[":
        raise ImportFileError("a JSON array; write one JSON object per line (JSON Lines, .jsonl)")
    if path.suffix.lower() in FORMATS:
        return FORMATS[path.suffix.lower()]
    if first == "{":
        return "jsonl"
    if "," in text.lstrip().split("\n", 1)[0]:
        return "csv"
    raise ImportFileError("cannot tell whether this is CSV or JSON Lines; name it .csv or .jsonl")


def _check_header(names: list[str], schema: Schema, what: str) -> None:
    missing = [n for n in schema.required if n not in names]
    unknown = [n or "(blank)" for n in dict.fromkeys(names) if n not in schema.names]
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    parts = []
    if missing:
        parts.append(f"missing required column(s) {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s) {', '.join(unknown)}")
    if duplicates:
        parts.append(f"duplicate column(s) {', '.join(duplicates)}")
    if parts:
        raise ImportFileError(
            f"wrong {what}: {'; '.join(parts)} (expected {schema.kind} columns: "
            f"{', '.join(schema.required)}; optional: "
            f"{', '.join(n for n in schema.names if n not in schema.required)})"
        )


def _read_csv(text: str, schema: Schema) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    try:
        header = [h.strip().lower() for h in next(reader)]
        _check_header(header, schema, "header")
        end = reader.line_num
        for fields in reader:
            start, end = end + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                problem = (ROW, f"has {len(fields)} values, the header has {len(header)}")
                records.append(Record(start, {}, (problem,)))
            else:
                records.append(Record(start, dict(zip(header, fields, strict=True))))
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: malformed CSV ({exc})") from None
    return records


def _read_jsonl(text: str, schema: Schema) -> list[Record]:
    records = []
    header_checked = False
    # Not splitlines(): JSON strings may hold U+2028 and other characters it splits on.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = (ROW, f"not valid JSON ({exc.msg}, column {exc.colno})")
            records.append(Record(number, {}, (problem,)))
            continue
        if not isinstance(value, dict):
            records.append(Record(number, {}, ((ROW, "not a JSON object"),)))
            continue
        values = {str(k).strip().lower(): v for k, v in value.items()}
        if not header_checked:
            # The first object stands for a header: a file of the wrong kind fails as one line.
            _check_header(list(values), schema, f"fields on line {number}")
            header_checked = True
        unknown = tuple((k, "unknown field") for k in values if k not in schema.names)
        records.append(Record(number, values, unknown))
    return records


def is_standard_reference(reference: str) -> bool:
    """Whether a reference has the form of an apprenticeship standard's (ST0123)."""
    return bool(_STANDARD_REFERENCE.fullmatch(reference))


# --- checking rows ------------------------------------------------------------------------------


def _quote(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


class _Row:
    """One record's values, read field by field, collecting a problem for each bad field."""

    def __init__(self, record: Record, schema: Schema) -> None:
        self.record = record
        self.schema = schema
        self.problems: list[tuple[str, str]] = list(record.problems)

    def fail(self, name: str, reason: str) -> None:
        self.problems.append((name, reason))

    def _raw(self, name: str) -> str | list[object] | None:
        value = self.record.values.get(name)
        if value is None:
            return ""
        if isinstance(value, str | list):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else str(value)
        self.fail(name, f"expected text or a number, got {type(value).__name__}")
        return None

    def text(self, name: str, required: bool | None = None) -> str:
        column = self.schema.column(name)
        required = column.required if required is None else required
        raw = self._raw(name)
        if raw is None:
            return ""
        if isinstance(raw, list):
            self.fail(name, "expected text, got a list")
            return ""
        value = raw.strip()
        if required and not value:
            self.fail(name, "required, but empty")
        elif column.max_length and len(value) > column.max_length:
            self.fail(name, f"{len(value)} characters, longer than the {column.max_length} allowed")
        return value

    def items(self, name: str) -> list[str]:
        """A list given as a JSON array or as ';'-separated text; the length limit is per item."""
        raw = self._raw(name)
        if raw is None:
            return []
        parts = raw if isinstance(raw, list) else raw.split(";")
        if not all(isinstance(p, str) for p in parts):
            self.fail(name, "expected a list of text")
            return []
        items = list(dict.fromkeys(p.strip() for p in parts if isinstance(p, str) and p.strip()))
        limit = self.schema.column(name).max_length
        for item in items:
            if limit and len(item) > limit:
                self.fail(name, f"item {_quote(item)} is over {limit} characters long")
        return items

    def integer(self, name: str, low: int, high: int, money: bool = False) -> int | None:
        value = self.text(name)
        if money:
            value = value.removeprefix("£").replace(",", "")
        if not value:
            return None
        if not _INTEGER.fullmatch(value):
            self.fail(name, f"not a whole number: {_quote(value)}")
            return None
        number = int(value)
        if number < low:
            below = f"must not be negative: {number}" if low == 0 else f"{number} is below {low}"
            self.fail(name, below)
        elif number > high:
            self.fail(name, f"{number} is above {high}")
        return number

    def date(self, name: str, value: str | None = None) -> date | None:
        value = self.text(name) if value is None else value
        if not value:
            return None
        if not _ISO_DATE.fullmatch(value):
            self.fail(name, f"not a date in YYYY-MM-DD form: {_quote(value)}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"no such date: {_quote(value)}")
            return None

    def reference(self) -> str:
        value = self.text("reference")
        if value and not _REFERENCE.fullmatch(value):
            self.fail("reference", f"may hold only letters, digits and . _ / -: {_quote(value)}")
        return value.upper() if is_standard_reference(value) else value

    def district(self, lookups: Lookups, required: bool = True) -> tuple[str | None, str | None]:
        """(ONS code, postcode district) from an ONS code, a district name or a postcode."""
        value = self.text("district", required=required)
        if not value:
            return None, None
        if value.lower() in lookups.districts:
            return lookups.districts[value.lower()], None
        outward = outward_code(value)
        if outward in lookups.postcodes:
            return lookups.postcodes[outward], outward
        if outward:
            self.fail("district", f"postcode {_quote(value)} is outside Greater Essex")
        else:
            self.fail(
                "district",
                f"unknown district {_quote(value)} (give an ONS code, district name or postcode)",
            )
        return None, None


def _check(
    records: list[Record],
    schema: Schema,
    read_row: Callable[[_Row], dict[str, Any]],
    duplicate_key: Callable[[dict[str, Any]], object],
) -> Checked:
    checked = Checked(read=len(records))
    first_seen: dict[object, int] = {}
    order = {name: i for i, name in enumerate(schema.names)}
    for record in records:
        if any(f == ROW for f, _ in record.problems):  # unreadable: no fields to check
            checked.problems.extend(SkippedRow(record.line, f, r) for f, r in record.problems)
            continue
        row = _Row(record, schema)
        values = read_row(row)
        key = duplicate_key(values)
        if key in first_seen:
            row.fail("reference", f"duplicate of line {first_seen[key]}")
        elif not row.problems:
            first_seen[key] = record.line
        if row.problems:
            problems = sorted(row.problems, key=lambda p: order.get(p[0], -1))
            checked.problems.extend(SkippedRow(record.line, f, r) for f, r in problems)
        else:
            checked.rows.append({"line": record.line, **values})
    return checked


def check_courses(records: list[Record], lookups: Lookups) -> Checked:
    """Course offerings: one per row; a reference may repeat for other providers or districts."""

    def read_row(row: _Row) -> dict[str, Any]:
        mode = row.text("mode").lower() or "in-person"
        if mode not in DELIVERY_MODES:
            row.fail("mode", f"{_quote(mode)} is not one of {', '.join(DELIVERY_MODES)}")
        # Online courses are in reach of every district, so need not name one.
        district, _ = row.district(lookups, required=mode != "online")
        start_dates = [row.date("start_dates", d) for d in row.items("start_dates")]
        return {
            "reference": row.reference(),
            "title": row.text("title"),
            "level": row.integer("level", 1, 8),
            "provider": row.text("provider"),
            "district_code": None if mode == "online" else district,
            "mode": mode,
            "places": row.integer("places", 0, 100_000),
            "duration_months": row.integer("duration_months", 1, 120),
            "start_dates": sorted(d.isoformat() for d in start_dates if d),
            "route": row.text("route") or None,
            "overview": row.text("overview"),
            "job_titles": row.items("job_titles"),
            "max_funding": row.integer("max_funding", 0, 1_000_000, money=True),
        }

    def key(values: dict[str, Any]) -> object:
        provider = values["provider"].lower()
        return (values["reference"], provider, values["district_code"], values["mode"])

    checked = _check(records, COURSES, read_row, key)
    _check_consistent_titles(checked)
    return checked


def _check_consistent_titles(checked: Checked) -> None:
    """Rows that share a reference describe one course, so they must agree on its title."""
    titles: dict[str, tuple[str, int]] = {}
    kept = []
    for row in checked.rows:
        title, line = titles.setdefault(row["reference"], (row["title"], row["line"]))
        if title != row["title"]:
            checked.problems.append(
                SkippedRow(row["line"], "title", f"differs from line {line} for the same reference")
            )
        else:
            kept.append(row)
    checked.rows = kept
    checked.problems.sort(key=lambda p: p.row)


def check_vacancies(records: list[Record], lookups: Lookups) -> Checked:
    """Vacancies: contact details are removed from descriptions, which may be HTML or text."""

    def read_row(row: _Row) -> dict[str, Any]:
        district, postcode_district = row.district(lookups)
        low = row.integer("salary_min", 0, 1_000_000, money=True)
        high = row.integer("salary_max", 0, 1_000_000, money=True)
        if low is not None and high is not None and high < low:
            row.fail("salary_max", f"{high} is less than salary_min {low}")
        posted, closing = row.date("date_posted"), row.date("closing_date")
        if posted and closing and closing < posted:
            row.fail("closing_date", f"{closing} is before date_posted {posted}")
        sector_name = row.text("sector")
        sector = lookups.sectors.get(sector_name.lower()) if sector_name else None
        if sector_name and sector is None:
            row.fail("sector", f"unknown sector {_quote(sector_name)}")
        description, _ = scrub_contacts(html_to_text(row.text("description")))
        return {
            "source_ref": row.reference(),
            "title": " ".join(html_to_text(row.text("title")).split()),
            "description": description,
            "employer_name": row.text("employer"),
            "district_code": district,
            "postcode_district": postcode_district,
            "salary_min": low,
            "salary_max": high,
            "salary_text": _salary_text(low, high),
            "date_posted": posted.isoformat() if posted else None,
            "closing_date": closing.isoformat() if closing else None,
            "sector": sector,
        }

    return _check(records, VACANCIES, read_row, lambda values: values["source_ref"])


def _salary_text(low: int | None, high: int | None) -> str:
    amounts = sorted({a for a in (low, high) if a is not None})
    return " to ".join(f"£{a:,}" for a in amounts)
