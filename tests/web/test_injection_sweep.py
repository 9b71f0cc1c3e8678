"""One injection sweep over every endpoint of the site, driven by the app itself.

For each role (and anonymous visitors) the sweep takes the endpoints it may use from
``app.url_map``, their parameters filled with real ids of a small world, GETs each page and reads
every ``<form>`` on it. Each form is submitted once per payload of one corpus (SQL, XSS,
template, Unicode and NUL, very long) in each of its free-text fields, the other fields keeping
the values the page gave them; a second pass puts the payloads in its choice, hidden (not the
CSRF token) and button fields; a file field gets a CSV file, with the columns of the CSV
template the page links to, whose cells are the payload. Each payload also goes into every query
parameter that a page's view reads or its links use, and all payloads at once into the common
parameters the view ignores. A new form, field or endpoint is swept with no change here; an
endpoint that no page of its role reaches fails the sweep until the world gives it one. An
endpoint several roles may use behaves the same for each, so its forms and parameters are swept
once, by the first of them in ``ROLES`` (public pages as anonymous); the others still see it.

What every request must satisfy (a failure names role, endpoint, field and payload):

- no 5xx and no exception; no markup a payload brought in, no payload shown unescaped or
  rendered as a template, no character that HTML forbids;
- the database: a request carrying a payload changes it exactly as the same request does with
  the payload's punctuation and symbols blanked out (``' OR '1'='1`` against ``  OR  1   1``:
  same length, same words), both made from the same state (a checkpoint restored in between).
  "Exactly" is: the same change in the row count of every table, and the same number of rows
  updated and deleted in each table by the app's statements. So a refused payload writes
  nothing, and an accepted one creates, changes or removes the rows an ordinary value does (a
  need and its skills, a snapshot and its rows, the skills suggested from a text: the sweep's
  skill linker reads words only) and not one more, in its own tables or any other: a DROP, a
  DELETE, an INSERT or an UPDATE a payload smuggled in shows as a difference (or as a 5xx).

SQL and the other payloads leave no trace (the checkpoint is restored after them). XSS payloads
are kept, and the page a successful submission redirects to is checked at once; after the sweep
every page of the role is rendered again (with the site's page checks): no markup a payload
brought in, and every payload the database holds is on one of the pages, escaped. Submissions
that end the session (signing out, deleting the account) or confirm a deletion are made like the
others and then undone, so the sweep goes on signed in.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import html5lib
import pytest
import sqlalchemy as sa
from employertest import need_form, post, posted_id, vacancy_form
from flask import Flask, redirect, render_template_string, request
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup
from pathwaytest import RECORDS, WELLBEING, build_pathway_world, install_index, set_profile
from provider_support import prepare
from sitetest import (
    CHELMSFORD,
    PASSWORD,
    Account,
    PageCheckingClient,
    create_account,
    endpoint_url,
    make_app,
    no_injected_markup,
    response_nonce,
    site_rules,
)
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.test import TestResponse

from skillsmatch.extensions import db
from skillsmatch.models import GapSnapshotRow, Learner, Provider, User
from skillsmatch.services import password_reset, saved_pathways
from skillsmatch.services import provider_courses as pc
from skillsmatch.services.gaps import build_report, save_snapshot
from web.auth.permissions import access_rule, role_required
from web.board import keys

SQL_PAYLOADS = (
    "'; DROP TABLE users; --",
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DELETE FROM user_account; --",
    "' UNION SELECT email, password_hash FROM user_account --",
    "1); UPDATE user_account SET role = 'board'; --",
    "%' AND 1=0 UNION SELECT NULL, sqlite_version() --",
)
XSS_PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "'><iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">link</a>',
    "{{7*7}}",
    '{{ "zq" ~ "xv" }}',
)
# What the last XSS payload shows if rendered as a template; nothing else on the site does.
TEMPLATE_MARKER = "zqxv"
OTHER_PAYLOADS = (
    "Zoë\x00 ☃ \u202eevil\u202c 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "line one\r\nSet-Cookie: injected=1",
    "x' OR '1'='1 <b>" * 350,  # 5,600 characters: longer than any field allows
)
PAYLOADS = SQL_PAYLOADS + XSS_PAYLOADS + OTHER_PAYLOADS
# For choice, hidden and button fields, whose values are looked up rather than shown: one SQL
# payload of each kind (statement, quote, double quote, union, LIKE pattern), an attribute
# break-out, the template, Unicode with NUL and a header break.
CHOICE_PAYLOADS = (
    *SQL_PAYLOADS[:2],
    SQL_PAYLOADS[3],
    SQL_PAYLOADS[5],
    SQL_PAYLOADS[7],
    XSS_PAYLOADS[1],
    XSS_PAYLOADS[7],
    *OTHER_PAYLOADS[:2],
)
# Sent to every page, whether or not its view reads them.
COMMON_PARAMETERS = ("q", "page", "sector", "district", "format", "sort")
ROLES = ("anonymous", "learner", "employer", "provider", "board")
TEXT_INPUTS = frozenset({"text", "search", "email", "tel", "url", "number", "password"})
# Raw markup the corpus's payloads would bring in (an element no page has, a handler after a
# quote, a javascript: address); escaped, none of it survives, so an answer without it needs no
# closer look.
_SUSPICIOUS = re.compile(
    r"<(img|svg|iframe|object|embed|script>alert)\b|[\"']\s*on[a-z]+\s*="
    r"|(href|src|action|formaction)\s*=\s*[\"']?\s*javascript:",
    re.IGNORECASE,
)
# Characters HTML does not allow in a document (the page rules' parser refuses them).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def blanked(payload: str) -> str:
    """The control value: the payload with everything but letters and digits made a space."""
    return re.sub(r"[^A-Za-z0-9]", " ", payload)


def _words(text: str) -> str:
    return " ".join(re.findall(r"[A-Za-z0-9]+", text))


def _short(payload: str | None) -> str:
    if payload is None:
        return "(none)"
    return repr(payload) if len(payload) <= 60 else f"{payload[:30]!r}... ({len(payload)} chars)"


class WordsOnlyLinker:
    """The tests' skill linker, reading only the words and digits of a text: a payload and its
    control are suggested the same skills (the linker itself reads HTML as its text)."""

    def __init__(self, linker: Any) -> None:
        self.linker = linker

    def __getattr__(self, name: str) -> Any:
        return getattr(self.linker, name)

    def link_statements(self, texts: list[str], *args: Any, **kwargs: Any) -> Any:
        return self.linker.link_statements([_words(t) for t in texts], *args, **kwargs)

    def link(self, texts: list[str], *args: Any, **kwargs: Any) -> Any:
        return [r.skills for r in self.link_statements(texts, *args, **kwargs)]


# --- reading pages ------------------------------------------------------------------------------


@dataclass
class Field:
    """A named control of a form. ``kind``: text, choice, hidden, csrf, file or button."""

    name: str
    kind: str
    values: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    input_type: str = ""


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: dict[str, Field]
    # The submit buttons as (name, value); one without a name submits nothing of its own.
    buttons: list[tuple[str, str]]
    # Where the page's script asks for the results alone (with an HX-Request header).
    fragment: str | None = None

    def key(self) -> tuple[str, str]:
        return (self.method, urlsplit(self.action).path)


def _option_value(option: Any) -> str:
    return str(option.get("value", "".join(option.itertext())))


def _read_control(control: Any, fields: dict[str, Field], buttons: list[tuple[str, str]]) -> None:
    tag = control.tag if isinstance(control.tag, str) else ""
    name = control.get("name") or ""
    kind = (control.get("type") or ("submit" if tag == "button" else "text")).lower()
    if control.get("disabled") is not None or tag not in ("input", "button", "textarea", "select"):
        return
    if kind == "submit" and tag in ("input", "button"):
        buttons.append((name, control.get("value") or ""))
    elif not name or tag == "button" or kind in ("button", "reset", "image"):
        return
    elif tag == "textarea":
        fields[name] = Field(name, "text", [control.text or ""], input_type="textarea")
    elif tag == "select":
        options = list(control.iter("option"))
        values = [_option_value(o) for o in options]
        chosen = [_option_value(o) for o in options if o.get("selected") is not None]
        multiple = control.get("multiple") is not None
        fields[name] = Field(
            name, "choice", chosen or ([] if multiple else values[:1]), values, "select"
        )
    elif kind in ("radio", "checkbox"):
        choice = fields.setdefault(name, Field(name, "choice", input_type=kind))
        choice.options.append(control.get("value") or "on")
        if control.get("checked") is not None:
            choice.values.append(control.get("value") or "on")
    elif kind == "hidden":
        hidden = fields.setdefault(name, Field(name, "csrf" if name == "csrf_token" else "hidden"))
        hidden.values.append(control.get("value") or "")
    elif kind == "file":
        fields[name] = Field(name, "file", input_type=kind)
    else:
        fields[name] = Field(
            name,
            "text",
            [control.get("value") or ""],
            input_type=kind if kind in TEXT_INPUTS else "text",
        )


def read_page(body: bytes, page: str) -> tuple[list[Form], list[str]]:
    """The forms of a page (with what a browser submits if nothing is changed) and the site's
    own addresses it links to."""
    tree = html5lib.parse(body, namespaceHTMLElements=False)
    forms = []
    for element in tree.iter("form"):
        fields: dict[str, Field] = {}
        buttons: list[tuple[str, str]] = []
        for control in element.iter():
            _read_control(control, fields, buttons)
        for choice in fields.values():
            # A radio group with nothing chosen keeps a valid value: its first option.
            if choice.input_type == "radio" and not choice.values:
                choice.values = choice.options[:1]
        forms.append(
            Form(
                page,
                (element.get("method") or "get").lower(),
                urljoin(page, element.get("action") or page),
                fields,
                buttons,
                element.get("data-fragment-url"),
            )
        )
    links = []
    for anchor in tree.iter("a"):
        target = urlsplit(urljoin(page, anchor.get("href") or ""))
        if not target.scheme and not target.netloc and target.path.startswith("/"):
            links.append(target.path + (f"?{target.query}" if target.query else ""))
    return forms, links


class RecordingArgs(ImmutableMultiDict[str, str]):
    """Request parameters that remember which names a view asked for."""

    read: set[str] = set()

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        RecordingArgs.read.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key: str) -> str:
        RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        RecordingArgs.read.add(str(key))
        return super().__contains__(key)


# --- the database -------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    saved: sqlite3.Connection
    counts: dict[str, int]
    version: int
    cookie: str | None


class Database:
    """The site's SQLite file seen from beside the app: row counts, whether the app committed
    anything since a checkpoint, and checkpoints to go back to."""

    def __init__(self, app: Flask, path: Path) -> None:
        self.app = app
        self.watch = sqlite3.connect(path, isolation_level=None)
        self.tables = [
            name
            for (name,) in self.watch.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]

    def version(self) -> int:
        # Changes whenever another connection (the app's) commits.
        return int(self.watch.execute("PRAGMA data_version").fetchone()[0])

    def counts(self) -> dict[str, int]:
        # The names are the database's own, from sqlite_master.
        return {
            t: int(self.watch.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608
            for t in self.tables
        }

    def save(self) -> sqlite3.Connection:
        copy = sqlite3.connect(":memory:")
        self.watch.backup(copy)
        return copy

    def load(self, saved: sqlite3.Connection) -> None:
        with self.app.app_context():
            db.engine.dispose()  # no pooled connection outlives the state it read
        saved.backup(self.watch)

    def holding(self, text: str) -> list[str]:
        """``table.column`` of each text column with a value containing ``text``."""
        found = []
        for table in self.tables:
            for column in self.watch.execute(f'PRAGMA table_info("{table}")').fetchall():
                name, kind = column[1], (column[2] or "").upper()
                if not any(t in kind for t in ("CHAR", "TEXT", "CLOB", "JSON")):
                    continue
                query = f'SELECT 1 FROM "{table}" WHERE instr("{name}", ?) > 0 LIMIT 1'  # noqa: S608
                if self.watch.execute(query, (text,)).fetchone():
                    found.append(f"{table}.{name}")
        return found


class Writes:
    """Rows the app's UPDATE and DELETE statements touched, by (verb, table), from the engine's
    events: an UPDATE keeps the row counts, so they alone would not see one go too far."""

    _STATEMENT = re.compile(r'^\s*(UPDATE|DELETE\s+FROM)(?:\s+OR\s+\w+)?\s+"?(\w+)', re.I)

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], int] = {}

    def __call__(self, _conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        found = self._STATEMENT.match(statement)
        if found:
            key = (found.group(1).split()[0].lower(), found.group(2))
            self.rows[key] = self.rows.get(key, 0) + max(cursor.rowcount, 0)


# --- the sweep ----------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: MultiDict[str, Any] = field(default_factory=MultiDict)
    data: MultiDict[str, Any] | None = None
    fragment: bool = False


# Builds a request from a function giving each payload's value: the payload itself, or blanked.
Build = Callable[[Callable[[str], str]], Call]


def _same(value: str) -> str:
    return value


@dataclass
class Page:
    url: str
    mimetype: str
    body: bytes
    reads: set[str]
    forms: list[Form]
    links: list[str]


class Sweep:
    """One role's sweep on one client; problems are collected, not raised, to see them all."""

    def __init__(
        self, app: Flask, client: PageCheckingClient, role: str, password: str, database: Database
    ) -> None:
        self.app, self.client, self.role, self.password = app, client, role, password
        self.database = database
        self.problems: list[str] = []
        self.reached: set[tuple[str, str]] = set()
        self.pages: dict[str, Page] = {}
        self.serial = itertools.count(1)
        self.adapter = app.url_map.bind("localhost")
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.checkpoint: Checkpoint | None = None
        self.writes = Writes()
        with app.app_context():
            self.engine = db.engine
        sa.event.listen(self.engine, "after_cursor_execute", self.writes)

    # -- bookkeeping --

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.role}: {text}")

    def endpoint(self, url: str, method: str = "GET") -> str:
        try:
            endpoint, _ = self.adapter.match(urlsplit(url).path, method=method)
        except Exception:  # noqa: BLE001 - not found, wrong method: no endpoint to name
            return "(no endpoint)"
        return str(endpoint)

    def may_use(self, endpoint: str, role: str | None = None) -> bool:
        role = role or self.role
        view = self.app.view_functions.get(endpoint)
        rule = access_rule(view) if view else None
        return rule is not None and rule.allows(None if role == "anonymous" else role)

    def _cookie(self) -> str | None:
        cookie = self.client.get_cookie(self.cookie_name)
        return cookie.value if cookie else None

    def session_user(self) -> str | None:
        value = self._cookie()
        if value is None:
            return None
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        return serializer.loads(value).get("_user_id")  # type: ignore[no-any-return]

    # -- checkpoints --

    def _current(self) -> Checkpoint:
        """A checkpoint of the state now (the last one, if nothing changed since)."""
        last = self.checkpoint
        if (
            last is not None
            and last.version == self.database.version()
            and last.cookie == self._cookie()
        ):
            return last
        if last is not None:
            last.saved.close()
        self.checkpoint = Checkpoint(
            self.database.save(), self.database.counts(), self.database.version(), self._cookie()
        )
        return self.checkpoint

    def _restore(self, state: Checkpoint) -> None:
        self.database.load(state.saved)
        state.version = self.database.version()
        if state.cookie is None:
            self.client.delete_cookie(self.cookie_name)
        else:
            self.client.set_cookie(self.cookie_name, state.cookie)

    def close(self) -> None:
        sa.event.remove(self.engine, "after_cursor_execute", self.writes)
        if self.checkpoint is not None:
            self.checkpoint.saved.close()
        self.database.watch.close()

    # -- requests --

    def send(self, call: Call, label: str, payload: str | None = None) -> TestResponse | None:
        """Make one request and check the answer: no 5xx or exception, nothing injected."""
        self.reached.add((self.endpoint(call.path, call.method.upper()), call.method.upper()))
        try:
            # The page checks (strict HTML5 and more) are for the site's own pages; an answer to
            # a payload gets the checks below.
            response = FlaskClient.open(
                self.client,
                call.path,
                method=call.method.upper(),
                query_string=call.query,
                data=call.data,
                headers={"HX-Request": "true"} if call.fragment else {},
            )
        except Exception as exc:  # noqa: BLE001 - a 500 in production
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            self.problem(f"{label}: the app raised {type(exc).__name__}: {first_line}")
            return None
        if response.status_code >= 500:
            self.problem(f"{label}: answered {response.status_code}")
        if response.mimetype == "text/html":
            self.check_body(response, label, payload)
        return response

    def check_body(self, response: TestResponse, label: str, payload: str | None) -> None:
        body = response.get_data(as_text=True)
        if TEMPLATE_MARKER in body:
            self.problem(f"{label}: a payload was rendered as a template")
        forbidden = _FORBIDDEN.search(body)
        if forbidden:
            self.problem(f"{label}: the page holds {forbidden.group()!r}, which HTML forbids")
        if payload and set(payload) & set("<>\"'") and payload in body:
            self.problem(f"{label}: the page holds the payload unescaped")
        if _SUSPICIOUS.search(body):
            try:
                no_injected_markup(body, "the page", response_nonce(response))
            except AssertionError as exc:
                self.problem(f"{label}: markup brought in by the payload: {exc}")

    def follow(self, response: TestResponse | None, label: str, payload: str | None) -> None:
        """The page a redirect leads to, which often shows what was just saved."""
        if response is None or not response.location or not 300 <= response.status_code < 400:
            return
        target = urlsplit(urljoin("/", response.location))
        if target.netloc:
            return
        self.send(
            Call("get", target.path, query=MultiDict(parse_qsl(target.query))),
            f"{label}, then the page it leads to",
            payload,
        )

    def attempt(
        self, build: Build, where: str, payload: str | None, keep: bool = False
    ) -> TestResponse | None:
        """Send ``build(_same)``. If it wrote to the database, send ``build(blanked)`` from the
        same state and compare what each did. Then undo what was done, unless ``keep`` asks to
        keep what the payload did (checking the page its redirect leads to, where it is often
        shown) and the same person is still signed in."""
        call = build(_same)
        label = (
            f"{call.method.upper()} {self.endpoint(call.path, call.method.upper())} "
            f"[{call.path}] {where}, payload {_short(payload)}"
        )
        before = self._current()
        user = self.session_user()
        self.writes.rows = {}
        response = self.send(call, label, payload)
        wrote = dict(self.writes.rows)
        # An UPDATE that leaves every value as it was may leave the file as it was too.
        changed = (
            self.database.version() != before.version
            or self.session_user() != user
            or any(wrote.values())
        )
        after = self.database.counts() if changed else before.counts
        kept_here = keep and self.session_user() == user
        if kept_here:
            self.follow(response, label, payload)
        if not changed:
            return response
        kept = Checkpoint(self.database.save(), after, 0, self._cookie()) if kept_here else None
        self._restore(before)
        if payload is not None:
            self.writes.rows = {}
            self.send(build(blanked), f"{label} (blanked)")
            self.compare(label, before.counts, after, wrote)
            self._restore(before)
        if kept is not None:
            self._restore(kept)
            kept.saved.close()
            before.version = -1  # the database is no longer in the checkpoint's state
        return response

    def compare(
        self,
        label: str,
        start: dict[str, int],
        after: dict[str, int],
        wrote: dict[tuple[str, str], int],
    ) -> None:
        """The payload's effect against the blanked payload's, just made from the same state."""
        control = self.database.counts()
        unlike = [
            f"{t} {after[t] - start[t]:+d} rows (blanked {control[t] - start[t]:+d})"
            for t in self.database.tables
            if after[t] != control[t]
        ]
        blanked_wrote = self.writes.rows
        unlike += [
            f"{verb} {wrote.get((verb, t), 0)} {t} rows (blanked {blanked_wrote.get((verb, t), 0)})"
            for verb, t in sorted(set(wrote) | set(blanked_wrote))
            if wrote.get((verb, t), 0) != blanked_wrote.get((verb, t), 0)
        ]
        if unlike:
            self.problem(
                f"{label}: changed the database unlike the blanked payload: " + ", ".join(unlike)
            )

    # -- what to sweep --

    def urls(self, ids: dict[str, Any], extra: list[str]) -> list[str]:
        """The pages only a link with a search or a token reaches, then a URL of every rule
        the role may GET."""
        found = list(extra)
        for rule in sorted(site_rules(self.app), key=lambda r: r.rule):
            if "GET" not in (rule.methods or set()) or not self.may_use(rule.endpoint):
                continue
            missing = [a for a in rule.arguments if a not in ids and a not in (rule.defaults or {})]
            if missing:
                self.problem(f"GET {rule.endpoint}: the world has no id for {missing}")
            else:
                found.append(endpoint_url(self.app, rule, ids))
        return found

    def discover(self, urls: list[str]) -> None:
        """GET each page, noting the query parameters its view reads, its forms and links."""
        for url in urls:
            parts = urlsplit(url)
            RecordingArgs.read = set()
            response = self.attempt(
                lambda _, parts=parts: Call(
                    "get", parts.path, query=MultiDict(parse_qsl(parts.query))
                ),
                "(the page)",
                None,
            )
            if response is None:
                continue
            reads = set(RecordingArgs.read)
            body = response.get_data()
            forms, links = read_page(body, url) if response.mimetype == "text/html" else ([], [])
            self.pages[url] = Page(url, response.mimetype, body, reads, forms, links)

    def swept_here(self, endpoint: str) -> bool:
        """An endpoint's forms and parameters are swept by the first role of ``ROLES`` that
        may use it (public pages as anonymous, changing a password as a learner); the others
        see its pages, in discovery and after the sweep."""
        return next((r for r in ROLES if self.may_use(endpoint, r)), None) == self.role

    def forms(self) -> list[Form]:
        """One form of each action: of those the pages show, the one with the most fields."""
        unique: dict[tuple[str, str], Form] = {}
        for page in self.pages.values():
            for form in page.forms:
                if self.swept_here(self.endpoint(form.action, form.method.upper())):
                    known = unique.get(form.key())
                    if known is None or len(form.fields) > len(known.fields):
                        unique[form.key()] = form
        return list(unique.values())

    # -- forms --

    def filler(self, spec: Field) -> list[str]:
        """What a field is submitted with when it is not the one under test."""
        if any(spec.values):
            return spec.values
        if spec.input_type == "password":
            return [self.password]
        if spec.input_type == "email" or "email" in spec.name:
            return [f"sweep{next(self.serial)}@example.com"]
        return spec.values

    def csv_file(self, form: Form, value: str) -> bytes:
        """The columns of the CSV template the page links to, and one row of ``value``."""
        header = ["title"]
        page = self.pages.get(form.page)
        for link in page.links if page else []:
            template = self.pages.get(link)
            if template is not None and template.mimetype == "text/csv":
                header = next(csv.reader(io.StringIO(template.body.decode("utf-8-sig"))))
                break
        out = io.StringIO()
        csv.writer(out).writerows([header, [value] * len(header)])
        return out.getvalue().encode()

    def form_call(
        self,
        form: Form,
        target: Field | None,
        value: str,
        button: tuple[str, str],
        fragment: bool = False,
    ) -> Call:
        pairs: list[tuple[str, Any]] = []
        for spec in form.fields.values():
            if spec is target and spec.kind == "file":
                content = io.BytesIO(self.csv_file(form, value))
                pairs.append((spec.name, (content, "courses.csv", "text/csv")))
            elif spec is target:
                pairs.append((spec.name, value))
            elif spec.kind != "file":
                pairs.extend((spec.name, v) for v in self.filler(spec))
        if target is not None and target.kind == "button":
            pairs.append((target.name, value))
        elif button[0]:
            pairs.append(button)
        parts = urlsplit(form.fragment if fragment and form.fragment else form.action)
        if form.method == "get":
            return Call("get", parts.path, query=MultiDict(pairs), fragment=fragment)
        return Call(
            "post", parts.path + (f"?{parts.query}" if parts.query else ""), data=MultiDict(pairs)
        )

    def sweep_form(self, form: Form) -> None:
        """Each payload in each free-text and file field, then in each choice, hidden and
        button field; the buttons take turns. A form with none is submitted once, undone."""
        specs = list(form.fields.values())
        targets = [s for s in specs if s.kind in ("text", "file")]
        targets += [s for s in specs if s.kind in ("choice", "hidden")]
        named = [b for b in form.buttons if b[0]]
        if named:
            targets.append(Field(named[0][0], "button", options=[b[1] for b in named]))
        buttons = form.buttons or [("", "")]
        if not targets:
            self.attempt(
                lambda _: self.form_call(form, None, "", buttons[0]),
                f"form on {form.page} (no field to fill)",
                None,
            )
            return
        for spec in targets:
            corpus = PAYLOADS if spec.kind in ("text", "file") else CHOICE_PAYLOADS
            for i, payload in enumerate(corpus):
                button = buttons[i % len(buttons)]
                pressed = (
                    f" ({button[0]}={button[1]})" if button[0] and spec.kind != "button" else ""
                )

                def build(
                    how: Callable[[str], str],
                    spec: Field = spec,
                    payload: str = payload,
                    button: tuple[str, str] = button,
                ) -> Call:
                    return self.form_call(form, spec, how(payload), button)

                # Kept to be shown later; a password is never shown, so each is tried from the
                # same state (a kept one would make the account's password the payload).
                keep = payload in XSS_PAYLOADS and spec.input_type != "password"
                self.attempt(
                    build, f"form on {form.page}, field {spec.name!r}{pressed}", payload, keep=keep
                )
                if form.fragment and spec.kind == "text":
                    self.attempt(
                        lambda how, spec=spec, payload=payload: self.form_call(
                            form, spec, how(payload), ("", ""), fragment=True
                        ),
                        f"results of the form on {form.page}, field {spec.name!r}",
                        payload,
                    )

    # -- query parameters --

    def sweep_parameters(
        self, page: Page, reads: set[str], linked: set[str], in_forms: set[str]
    ) -> None:
        """Each payload in each parameter the view reads or a link uses (those of a GET form
        are its fields); then every common parameter it ignores, each with every payload. A
        download whose view reads no parameter gets no flood: what ignores them all is the
        code every page shares, which the pages' floods reach."""
        path = urlsplit(page.url).path
        for name in sorted((reads | linked) - in_forms):
            for payload in PAYLOADS:
                self.attempt(
                    lambda how, name=name, payload=payload: Call(
                        "get", path, query=MultiDict([(name, how(payload))])
                    ),
                    f"query parameter {name!r}",
                    payload,
                )
        if page.mimetype != "text/html" and not reads:
            return
        ignored = [p for p in COMMON_PARAMETERS if p not in reads | linked | in_forms]
        self.attempt(
            lambda how: Call(
                "get", path, query=MultiDict([(p, how(v)) for p in ignored for v in PAYLOADS])
            ),
            f"query parameters {', '.join(ignored)} (each with every payload)",
            "(all)",
        )

    def run(self, ids: dict[str, Any], extra: list[str]) -> None:
        self.discover(self.urls(ids, extra))
        forms = self.forms()
        in_forms: dict[str, set[str]] = {}
        for form in forms:
            if form.method == "get":
                in_forms.setdefault(urlsplit(form.action).path, set()).update(form.fields)
        linked: dict[str, set[str]] = {}
        for page in self.pages.values():
            for link in page.links:
                parts = urlsplit(link)
                linked.setdefault(parts.path, set()).update(k for k, _ in parse_qsl(parts.query))
        for form in forms:
            self.sweep_form(form)
        reads: dict[str, set[str]] = {}
        first: dict[str, Page] = {}
        for page in self.pages.values():
            path = urlsplit(page.url).path
            reads.setdefault(path, set()).update(page.reads)
            first.setdefault(path, page)
        for path, page in first.items():
            if self.swept_here(self.endpoint(path)):
                self.sweep_parameters(
                    page, reads[path], linked.get(path, set()), in_forms.get(path, set())
                )

    # -- afterwards --

    def unswept(self) -> list[str]:
        """What the role may use that the sweep sent nothing to (a form of an endpoint another
        role sweeps may not be shown to this one: signed-in people do not see the sign-in form)."""
        missing = set()
        for rule in site_rules(self.app):
            if not self.may_use(rule.endpoint):
                continue
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
                if (rule.endpoint, method) not in self.reached and (
                    method == "GET" or self.swept_here(rule.endpoint)
                ):
                    missing.add(f"{method} {rule.endpoint}")
        return sorted(missing)

    def render_again(self) -> str:
        """Every HTML page of the role, and a page of each other endpoint they link to, checked
        by the site's page checks and the markup check; their bodies."""
        urls = [p.url for p in self.pages.values() if p.mimetype == "text/html"]
        seen = {self.endpoint(url) for url in self.pages}
        for page in list(self.pages.values()):
            for link in page.links:
                endpoint = self.endpoint(link)
                if (
                    link not in urls
                    and endpoint in self.app.view_functions
                    and self.may_use(endpoint)
                    and endpoint not in seen
                ):
                    seen.add(endpoint)
                    urls.append(link)
        bodies = []
        for url in urls:
            label = f"GET {self.endpoint(url)} [{url}] after the sweep"
            try:
                response = self.client.get(url)
            except Exception as exc:  # noqa: BLE001 - page rules and exceptions alike
                self.problem(f"{label}: {type(exc).__name__}: {exc}")
                continue
            if response.status_code >= 500:
                self.problem(f"{label}: answered {response.status_code}")
            if response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            try:
                if _SUSPICIOUS.search(body):
                    no_injected_markup(body, "the page", response_nonce(response))
            except AssertionError as exc:
                self.problem(f"{label}: markup brought in by a payload: {exc}")
            if TEMPLATE_MARKER in body:
                self.problem(f"{label}: a payload was rendered as a template")
            bodies.append(body)
        return "\n".join(bodies)

    def check_stored_payloads(self) -> None:
        """Every XSS payload the database holds is on a page of the role, escaped."""
        bodies = self.render_again()
        shown = html.unescape(bodies)
        for payload in XSS_PAYLOADS:
            held = self.database.holding(payload)
            if not held:
                continue
            if payload not in shown:
                self.problem(
                    f"payload {_short(payload)} is stored in {held} but no page of "
                    "the role shows it"
                )
            # Shown escaped: what the page holds is not the payload, its unescaped text is.
            if set(payload) & set("<>\"'") and payload in bodies:
                self.problem(f"payload {_short(payload)}, stored in {held}, is in a page unescaped")
        if self.client.get_cookie("injected") is not None:
            self.problem("a payload set a cookie")


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture
def web_app(catalogue_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """The site on a private copy of the catalogue, CSRF on and rate limits off (a payload
    must reach the view, not the limiter), recording which request parameters a view reads.
    The database is in memory-backed storage where there is some: the sweep saves and restores
    it often."""
    folder = Path(tempfile.mkdtemp(dir="/dev/shm")) if os.path.isdir("/dev/shm") else tmp_path
    database = folder / "site.sqlite3"
    shutil.copy(catalogue_db, database)
    app = make_app(database, RATELIMIT_ENABLED=False)
    app.request_class = type(
        "RecordingRequest", (app.request_class,), {"parameter_storage_class": RecordingArgs}
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if folder != tmp_path:
        shutil.rmtree(folder)


def _world(app: Flask) -> dict[str, Any]:
    """The pathway world (an occupation, courses, jobs), a skill linker over every skill and the
    pathway index; the ids every role's URLs share."""
    world = build_pathway_world(app)
    prepare(app)
    app.extensions["skill_linker"] = WordsOnlyLinker(app.extensions["skill_linker"])
    install_index(app)
    return {
        "course_id": world.care_course,
        "second_course_id": world.medication_course,
        "occupation_id": world.occupation,
    }


def _anonymous(
    app: Flask, client: PageCheckingClient, account: Account | None, ids: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """A learner's password reset link, through which alone the reset form is shown; a search
    of activities, which gives the employer's registration its choice of activity."""
    someone = create_account(app, "learner")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == someone.email))
        assert user is not None
        token = password_reset.make_token(user, app.config["SECRET_KEY"])
    return {}, [f"/reset-password?token={token}", "/register/employer?q=care"]


def _learner(
    app: Flask, client: PageCheckingClient, account: Account | None, ids: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Skills confirmed and suggested, a sector, a district and a saved pathway; the search
    that shows the form adding a skill."""
    assert account is not None
    set_profile(app, account, skills=(WELLBEING,), pending=(RECORDS,))
    with app.app_context():
        learner = db.session.scalar(
            sa.select(Learner).join(User).where(User.email == account.email)
        )
        assert learner is not None
        target = saved_pathways.resolve(db.session, ids["course_id"], ids["occupation_id"])
        saved, _ = saved_pathways.save(db.session, learner, target)
        db.session.commit()
        return {"saved_pathway_id": saved.public_id}, ["/learner/skills?q=spreadsheets"]


def _employer(
    app: Flask, client: PageCheckingClient, account: Account | None, ids: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """A skill need and a vacancy (closing next year) of the employer's, posted on the forms."""
    need = posted_id(post(client, "/employer/needs/new", need_form()), "needs")
    vacancy = posted_id(
        post(
            client,
            "/employer/vacancies/new",
            vacancy_form(
                closing_day="1", closing_month="3", closing_year=str(date.today().year + 1)
            ),
        ),
        "vacancies",
    )
    return {"need_id": uuid.UUID(need), "vacancy_id": uuid.UUID(vacancy)}, []


def _provider(
    app: Flask, client: PageCheckingClient, account: Account | None, ids: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """A course of the provider's own, with skills read from its text, and one offering."""
    assert account is not None
    start = date.today() + timedelta(days=120)
    with app.app_context():
        provider = db.session.scalar(
            sa.select(Provider)
            .join(User, User.provider_id == Provider.id)
            .where(User.email == account.email)
        )
        assert provider is not None
        course = pc.create_course(
            db.session,
            provider,
            pc.CourseFields(
                title="Data analysis",
                level="3",
                overview="Learners use spreadsheets software to analyse data.",
            ),
        )
        offering = pc.add_offering(
            db.session,
            provider,
            course,
            pc.OfferingFields(
                mode="in-person",
                district=CHELMSFORD,
                places="16",
                start_dates=f"{start.day}/{start.month}/{start.year}",
            ),
        )
        db.session.commit()
        return {"course_id": course.public_id, "offering_id": offering.public_id}, []


def _board(
    app: Flask, client: PageCheckingClient, account: Account | None, ids: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """A snapshot of the gap report; a sector, district and skill it has figures for."""
    with app.app_context():
        snapshot = save_snapshot(db.session, build_report(db.session), "Sweep snapshot")
        db.session.commit()
        row = db.session.scalars(
            sa.select(GapSnapshotRow)
            .where(GapSnapshotRow.snapshot_id == snapshot.id)
            .order_by(GapSnapshotRow.id)
        ).first()
        assert row is not None, "the world gives the gap report no figures"
        return {
            "snapshot_id": snapshot.public_id,
            "sector_id": keys.sector_id(row.sector_slug),
            "district_id": keys.district_id(row.district_code),
            "skill_id": keys.skill_id(row.skill_uri),
        }, []


WORLDS: dict[str, Callable[..., tuple[dict[str, Any], list[str]]]] = {
    "anonymous": _anonymous,
    "learner": _learner,
    "employer": _employer,
    "provider": _provider,
    "board": _board,
}


@pytest.mark.parametrize("role", ROLES)
def test_payloads_through_every_field_and_parameter(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account], role: str
) -> None:
    """Every field and query parameter of the role's endpoints takes every payload."""
    ids = _world(web_app)
    account = None if role == "anonymous" else login_as(role)
    own_ids, extra = WORLDS[role](web_app, client, account, ids)
    ids.update(own_ids)
    path = web_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    sweep = Sweep(
        web_app,
        client,
        role,
        account.password if account else PASSWORD,
        Database(web_app, Path(path)),
    )
    try:
        sweep.run(ids, extra)
        for missing in sweep.unswept():
            sweep.problem(
                f"{missing}: no page of the role reaches it; give the world what "
                "shows its form or link"
            )
        sweep.check_stored_payloads()
    finally:
        sweep.close()
    assert sweep.problems == [], "\n".join(sweep.problems)


def _plant(app: Flask) -> None:
    """A learner's page doing what no view may: SQL built from what was typed, typed text and
    a query parameter written into the page as markup."""

    @role_required("learner")
    def planted() -> ResponseReturnValue:
        user_id = int(current_user.account.id)
        if request.method == "POST":
            label, kind = request.form.get("label", ""), request.form.get("kind", "")
            delete = "DELETE FROM learner_skill WHERE skill_id IN (SELECT id FROM skill WHERE "
            db.session.execute(sa.text(delete + f"label = '{label}')"))  # noqa: S608
            update = "UPDATE skill SET skill_type = skill_type WHERE "
            db.session.execute(sa.text(update + f"skill_type = '{kind}'"))  # noqa: S608
            db.session.execute(
                sa.text("UPDATE learner SET about = :about WHERE user_id = :user"),
                {"about": request.form.get("motto", ""), "user": user_id},
            )
            db.session.commit()
            return redirect("/learner/planted")
        about = db.session.scalar(
            sa.text("SELECT about FROM learner WHERE user_id = :user"), {"user": user_id}
        )
        return render_template_string(
            "{% extends 'layout.html' %}{% block title %}Planted{% endblock %}"
            "{% block content %}<h1>Planted</h1><p>{{ about }}</p><p>{{ q }}</p>"
            "<form method='post'><input type='hidden' name='csrf_token' value='{{ csrf_token() }}'>"
            "<input name='label'><input name='kind'><textarea name='motto'></textarea>"
            "<button>Save</button></form>{% endblock %}",
            about=Markup(about or ""),
            q=Markup(request.args.get("q", "")),
        )

    app.add_url_rule("/learner/planted", "planted", planted, methods=["GET", "POST"])


def test_the_sweep_finds_injections_planted_in_a_page(
    web_app: Flask, client: PageCheckingClient, login_as: Callable[..., Account]
) -> None:
    """The sweep's own check: each kind of fault it looks for, planted, is reported with its
    field and payload."""
    _plant(web_app)
    account = login_as("learner")
    set_profile(web_app, account, skills=(WELLBEING, RECORDS))
    path = web_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    sweep = Sweep(web_app, client, "learner", account.password, Database(web_app, Path(path)))
    try:
        sweep.discover(["/learner/planted"])
        for form in sweep.forms():
            sweep.sweep_form(form)
        page = sweep.pages["/learner/planted"]
        sweep.sweep_parameters(page, page.reads, set(), set())
    finally:
        sweep.close()
    found = "\n".join(sweep.problems)
    assert (
        "field 'label', payload \"' OR '1'='1\": changed the database unlike the blanked "
        "payload: learner_skill -2 rows (blanked +0)" in found
    )
    assert (
        "field 'kind', payload \"' OR '1'='1\": changed the database unlike the blanked "
        "payload: update" in found
    )
    assert "field 'label', payload \"'; DROP TABLE users; --\": the app raised" in found
    assert (
        "field 'motto', payload '<script>alert(1)</script>', then the page it leads to: "
        "the page holds the payload unescaped" in found
    )
    assert (
        "field 'motto', payload '\"><img src=x onerror=alert(1)>', then the page it leads "
        "to: markup brought in by the payload" in found
    )
    assert (
        "query parameter 'q', payload '<script>alert(1)</script>': the page holds the "
        "payload unescaped" in found
    )
    # The CSRF token is never a target, and the sweep stopped at nothing else.
    assert "field 'csrf_token'" not in found
