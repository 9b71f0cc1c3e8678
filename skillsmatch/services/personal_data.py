"""A learner's personal data: everything held about them, exported (JSON, CSV) or erased.

Which tables hold it is read from the schema rather than listed by hand: the learner's
``user_account`` and ``learner`` rows, and every row of every table that references one of them
by a foreign key, directly or through other such rows. A table added later with a foreign key
to a learner or their account is exported and erased with no change here.

The audit log is not part of this: it is append-only, keeps opaque identifiers only, and
records each export and the erasure itself.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import Base, Learner, User
from skillsmatch.models.base import utcnow
from skillsmatch.services import audit

ExportFormat = Literal["json", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("json", "csv")
# The rows everything else hangs from: table name -> which of the subject's ids is its key.
ROOTS = {"user_account": "user_id", "learner": "learner_id"}
AUDIT_TABLE = "audit_event"
# Secrets are not personal data to hand out: a leaked export must not help crack a password.
EXCLUDED_COLUMNS = {"user_account": frozenset({"password_hash"})}
# Columns that say what a referenced row is (a skill's URI and label, a district's code and
# name), used in place of internal integer keys, which never leave the database.
IDENTIFYING_COLUMNS = ("public_id", "uri", "code", "slug", "reference", "label", "name", "title")
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Subject:
    """Whose data: the integer keys of the learner's account and profile rows."""

    user_id: int
    learner_id: int

    @classmethod
    def of(cls, learner: Learner) -> Subject:
        return cls(user_id=learner.user_id, learner_id=learner.id)


@dataclass(frozen=True)
class _Column:
    """How one column is written out: as it is, or as what the row it references is."""

    key: str
    column: sa.Column[Any]
    refers_to: sa.Column[Any] | None = None
    identified_by: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        if self.refers_to is None:
            return [self.key]
        return [f"{self.key}.{name}" for name in self.identified_by]


@dataclass
class PersonalData:
    """Every personal-data table (empty ones too) with the subject's rows, and who saw them."""

    exported_at: datetime
    tables: dict[str, list[dict[str, Any]]]
    headers: dict[str, list[str]]
    access_log: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> bytes:
        document = {
            "service": "SkillsMatch",
            "exported_at": self.exported_at.isoformat(),
            "tables": self.tables,
            "access_log": self.access_log,
        }
        return json.dumps(document, indent=2, ensure_ascii=False, default=_plain).encode()

    def as_csv_zip(self) -> bytes:
        """A zip holding one CSV file per table, plus ``access_log.csv``."""
        stamp = self.exported_at.timetuple()[:6]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files = {
                **{name: (self.headers[name], rows) for name, rows in self.tables.items()},
                "access_log": (list(ACCESS_LOG_HEADERS), self.access_log),
            }
            for name, (headers, rows) in files.items():
                info = zipfile.ZipInfo(f"{name}.csv", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, _csv(headers, rows))
        return buffer.getvalue()


ACCESS_LOG_HEADERS = ("at", "by", "action", "about")


@dataclass(frozen=True)
class Download:
    filename: str
    mimetype: str
    body: bytes


class PersonalDataMap:
    """The tables holding a learner's personal data, found from ``metadata``'s foreign keys."""

    def __init__(self, metadata: sa.MetaData = Base.metadata) -> None:
        self.metadata = metadata
        missing = sorted(set(ROOTS) - set(metadata.tables))
        if missing:
            raise ValueError(f"the schema has no {', '.join(missing)} table")
        reached = set(ROOTS)
        # table -> its foreign keys into reached tables (rows it holds about the subject)
        self._links: dict[str, list[sa.ForeignKeyConstraint]] = {name: [] for name in ROOTS}
        grew = True
        while grew:
            grew = False
            for table in metadata.tables.values():
                for fk in table.foreign_key_constraints:
                    links = self._links.setdefault(table.name, [])
                    if fk.referred_table.name in reached and fk not in links:
                        links.append(fk)
                        grew = grew or table.name not in reached
                        reached.add(table.name)
        self._links = {name: fks for name, fks in self._links.items() if name in reached}
        if AUDIT_TABLE in reached:
            raise ValueError(f"{AUDIT_TABLE} must not reference people: it is append-only")
        # Referenced tables before the tables referencing them (erasure goes the other way).
        self.tables = [t for t in metadata.sorted_tables if t.name in reached]
        self._columns = {t.name: self._plan(t) for t in self.tables}

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def condition(self, table: sa.Table, subject: Subject) -> sa.ColumnElement[bool]:
        """Which rows of ``table`` are the subject's."""
        return self._condition(table, subject, frozenset())

    def _condition(
        self, table: sa.Table, subject: Subject, path: frozenset[str]
    ) -> sa.ColumnElement[bool]:
        parts: list[sa.ColumnElement[bool]] = []
        if table.name in ROOTS:
            (key,) = table.primary_key.columns
            parts.append(key == getattr(subject, ROOTS[table.name]))
        for fk in self._links[table.name]:
            target = fk.referred_table
            if target.name in path or target is table:
                continue  # a cycle: the rows on it are reached along the other edges
            inner = self._condition(target, subject, path | {table.name})
            local = [element.parent for element in fk.elements]
            remote = [element.column for element in fk.elements]
            owned = sa.select(*remote).where(inner)
            parts.append(local[0].in_(owned) if len(local) == 1 else sa.tuple_(*local).in_(owned))
        return sa.or_(*parts)

    def _plan(self, table: sa.Table) -> list[_Column]:
        excluded = EXCLUDED_COLUMNS.get(table.name, frozenset())
        has_public_id = "public_id" in table.c
        plan = []
        for column in table.columns:
            if column.name in excluded:
                continue
            if column.primary_key and has_public_id and column.name == "id":
                continue  # the public id names the row
            fks = list(column.foreign_keys)
            if len(fks) == 1 and len(fks[0].constraint.elements) == 1:
                target = fks[0].column
                identified_by = tuple(n for n in IDENTIFYING_COLUMNS if n in target.table.c)
                if identified_by:
                    key = column.name.removesuffix("_id")
                    if key == column.name or key in table.c:
                        key = column.name
                    plan.append(_Column(key, column, target, identified_by))
                    continue
            plan.append(_Column(column.name, column))
        # The row's own public id first: it is what the other tables' references show.
        return sorted(plan, key=lambda c: c.key != "public_id")

    def export(self, session: Session, subject: Subject) -> PersonalData:
        """The subject's rows of every personal-data table, references spelled out."""
        tables: dict[str, list[dict[str, Any]]] = {}
        headers: dict[str, list[str]] = {}
        for table in self.tables:
            plan = self._columns[table.name]
            rows = (
                session.execute(
                    sa.select(table)
                    .where(self.condition(table, subject))
                    .order_by(*table.primary_key.columns)
                )
                .mappings()
                .all()
            )
            described = {
                c.key: self._describe(session, c, rows) for c in plan if c.refers_to is not None
            }
            tables[table.name] = [
                {
                    c.key: (
                        described[c.key].get(row[c.column.name])
                        if c.refers_to is not None and row[c.column.name] is not None
                        else _plain(row[c.column.name])
                    )
                    for c in plan
                }
                for row in rows
            ]
            headers[table.name] = [h for c in plan for h in c.headers]
        return PersonalData(utcnow(), tables, headers, self._access_log(session, subject))

    def _describe(
        self, session: Session, column: _Column, rows: Iterable[Mapping[str, Any]]
    ) -> dict[Any, dict[str, Any]]:
        assert column.refers_to is not None
        values = {row[column.column.name] for row in rows} - {None}
        if not values:
            return {}
        target = column.refers_to
        found = session.execute(
            sa.select(target, *[target.table.c[n] for n in column.identified_by]).where(
                target.in_(values)
            )
        ).all()
        return {
            row[0]: {n: _plain(v) for n, v in zip(column.identified_by, row[1:], strict=True)}
            for row in found
        }

    def _access_log(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        """Audit events about the subject or by them: when, by whom (a role), what."""
        log = self.metadata.tables.get(AUDIT_TABLE)
        if log is None:
            return []
        ids = self._public_ids(session, subject)
        you = ids.get("user_account")
        if not ids:
            return []
        events = session.execute(
            sa.select(log.c.at, log.c.actor_id, log.c.actor_role, log.c.action, log.c.target_type)
            .where(sa.or_(log.c.target_id.in_(list(ids.values())), log.c.actor_id == you))
            .order_by(log.c.at, log.c.id)
        ).all()
        return [
            {
                "at": _plain(e.at),
                "by": "you" if you is not None and e.actor_id == you else e.actor_role,
                "action": e.action,
                "about": e.target_type,
            }
            for e in events
        ]

    def _public_ids(self, session: Session, subject: Subject) -> dict[str, uuid.UUID]:
        ids = {}
        for name in ROOTS:
            table = self.metadata.tables[name]
            if "public_id" in table.c:
                value = session.scalar(
                    sa.select(table.c.public_id).where(self.condition(table, subject))
                )
                if value is not None:
                    ids[name] = value
        return ids

    def erase(self, session: Session, subject: Subject) -> dict[str, int]:
        """Delete every row of the subject's, referencing rows first; rows deleted per table."""
        deleted = {}
        for table in reversed(self.tables):
            result = session.execute(sa.delete(table).where(self.condition(table, subject)))
            deleted[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        return deleted

    def remaining(self, session: Session, subject: Subject) -> dict[str, int]:
        """Rows of the subject's still present, per table (all zero after erasure)."""
        return {
            table.name: int(
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(self.condition(table, subject))
                )
                or 0
            )
            for table in self.tables
        }


def personal_data_map() -> PersonalDataMap:
    """The map of the application's schema as it is now (cheap: a walk over the tables)."""
    return PersonalDataMap(Base.metadata)


def export(
    session: Session, learner: Learner, fmt: str, *, actor: User, request_id: str | None = None
) -> Download:
    """The learner's data as a file to download; the export is audited."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    data = personal_data_map().export(session, Subject.of(learner))
    rows = sum(len(r) for r in data.tables.values())
    audit.record(
        session,
        actor=actor,
        action="export",
        target_type="learner",
        target_id=learner.public_id,
        request_id=request_id,
        detail={"format": fmt, "tables": len(data.tables), "rows": rows},
    )
    day = data.exported_at.date().isoformat()
    if fmt == "json":
        return Download(f"skillsmatch-your-data-{day}.json", "application/json", data.as_json())
    return Download(f"skillsmatch-your-data-{day}.zip", "application/zip", data.as_csv_zip())


def erase(session: Session, learner: Learner, *, actor: User, request_id: str | None = None) -> int:
    """Delete the learner, their account and every row about them; one audit event says so.

    The event keeps the learner's opaque id and counts only. Returns the rows deleted.
    """
    subject = Subject.of(learner)
    target = learner.public_id
    mapping = personal_data_map()
    session.flush()
    deleted = mapping.erase(session, subject)
    audit.record(
        session,
        actor=actor,
        action="delete",
        target_type="learner",
        target_id=target,
        request_id=request_id,
        detail={"rows": sum(deleted.values()), "tables": sum(1 for n in deleted.values() if n)},
    )
    # The deleted rows' objects must not be written back or read again from this session.
    names = set(mapping.table_names)
    for obj in list(session.identity_map.values()):
        table = getattr(obj, "__table__", None)
        if table is not None and table.name in names and obj in session:
            session.expunge(obj)
    return sum(deleted.values())


def _plain(value: Any) -> Any:
    """A value JSON can hold."""
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        # Times are stored in UTC; SQLite hands them back without saying so.
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=_plain)
    else:
        text = str(_plain(value))
    # A leading apostrophe makes spreadsheet programs show the text instead of running it.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _value(row: Mapping[str, Any], header: str) -> Any:
    """The value under ``header``; "skill.label" reads inside a referenced row's description."""
    if header in row:
        return row[header]
    key, _, inner = header.partition(".")
    described = row.get(key)
    return described.get(inner) if isinstance(described, dict) else None


def _csv(headers: list[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(_value(row, h)) for h in headers])
    # UTF-8 with a byte order mark, so that spreadsheet programs read names like "Zoë" right.
    return out.getvalue().encode("utf-8-sig")
