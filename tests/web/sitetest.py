"""Helpers for the site tests: the catalogue, the page-checking client and accounts."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import html5lib
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from skillsmatch import create_app
from skillsmatch.extensions import db
from skillsmatch.loaders import reference as ref
from skillsmatch.models import (
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Employer,
    Learner,
    Provider,
    Sector,
    SicActivity,
    Skill,
    User,
)

PASSWORD = "correct horse battery staple"
ROLES = ("learner", "employer", "provider", "board")
CHELMSFORD, TENDRING, BASILDON = "E07000070", "E07000076", "E07000066"
# Engineering courses beyond the first page of results (20 a page).
FILLER_COURSES = 22


# --- the data -------------------------------------------------------------------------------


def build_catalogue() -> None:
    """Reference data and a small catalogue: demo and real offerings, skills, many pages."""
    for step in (ref.load_districts, ref.load_sectors, ref.load_soc, ref.load_sic):
        step(db.session)
    db.session.flush()
    sectors = {s.slug: s for s in db.session.scalars(sa.select(Sector))}
    districts = {d.code: d for d in db.session.scalars(sa.select(District))}
    skills = [
        Skill(uri=f"http://data.europa.eu/esco/skill/test-{i}", label=label, skill_type="skill")
        for i, label in enumerate(["support people's wellbeing", "maintain records", "write code"])
    ]
    college = Provider(name="Demo Chelmsford College", district=districts[CHELMSFORD], is_demo=True)
    online = Provider(name="Demo Online Skills Academy", district=None, is_demo=True)
    real = Provider(name="Tendring Training Trust", district=districts[TENDRING])
    care = Course(
        reference="ST0005",
        kind="apprenticeship",
        title="Adult care worker",
        level=2,
        duration_months=12,
        sector=sectors["care"],
        overview="Care workers support adults.",
        job_titles=["Care worker"],
    )
    care.skills = [
        CourseSkill(skill=skills[0], provenance="ksb", score=0.91, evidence="wellbeing"),
        CourseSkill(skill=skills[1], provenance="overview", score=0.62, evidence="records"),
    ]
    care.offerings = [
        CourseOffering(
            provider=college,
            district=districts[CHELMSFORD],
            mode="in-person",
            start_dates=["2026-09-07"],
            places=12,
            is_demo=True,
        ),
    ]
    software = Course(
        reference="ST0116",
        kind="apprenticeship",
        title="Software developer",
        level=4,
        sector=sectors["it-digital-creative"],
    )
    software.skills = [CourseSkill(skill=skills[2], provenance="ksb", score=0.88)]
    software.offerings = [
        CourseOffering(
            provider=online,
            district=None,
            mode="online",
            start_dates=["2026-09-07", "2027-01-11"],
            places=40,
            is_demo=True,
        ),
    ]
    brick = Course(
        reference="ST0095",
        kind="apprenticeship",
        title="Bricklayer",
        level=2,
        sector=sectors["construction"],
    )
    brick.offerings = [
        CourseOffering(
            provider=real, district=districts[TENDRING], mode="in-person", start_dates=[], places=8
        ),
    ]
    nursing = Course(
        reference="ST0827",
        kind="apprenticeship",
        title="Nursing associate",
        level=5,
        sector=sectors["health"],
    )
    fillers = [
        Course(
            reference=f"ST9{i:03d}",
            kind="apprenticeship",
            title=f"Engineering technician {i:02d}",
            level=3,
            sector=sectors["advanced-manufacturing-engineering"],
        )
        for i in range(FILLER_COURSES)
    ]
    db.session.add_all([*skills, college, online, real, care, software, brick, nursing, *fillers])
    db.session.add(
        Employer(
            name="Demo Care Homes Ltd",
            sic2007="87100",
            district=districts[CHELMSFORD],
            sector=sectors["care"],
            is_demo=True,
        )
    )
    db.session.commit()


def make_app(database: Path, **config: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "web-test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            "OUTBOX_DIR": str(database.parent / "outbox"),
            "PUBLIC_URL": "https://skills.example.org",
            # Rebuilt by the request that notices, so that no test races a background thread.
            "PATHWAY_INDEX_REFRESH": "now",
            **config,
        }
    )
    app.test_client_class = PageCheckingClient
    return app


def _whole_responses(app: Flask) -> Any:
    """``app`` with each response body read whole, and closed, before any of it is sent."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` with werkzeug on a free port of 127.0.0.1, in a thread; yields its URL.

    A browser that moves on drops the requests still in flight (a favicon). werkzeug's server
    then skips closing the response, and the static file left open fails whichever test is
    running with a ResourceWarning; so each response is read whole before it is sent.
    """
    server = make_server("127.0.0.1", 0, _whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# --- the page-checking client -----------------------------------------------------------------


class PageProblem(AssertionError):
    """A page that breaks one of the rules every page must follow."""


def _nonce_from(csp: str) -> str | None:
    found = re.search(r"'nonce-([^']+)'", csp)
    return found.group(1) if found else None


def response_nonce(response: TestResponse) -> str | None:
    """The CSP nonce a response gives its scripts."""
    return _nonce_from(response.headers.get("Content-Security-Policy", ""))


def check_page(response: TestResponse, url: str) -> None:
    """Every HTML page: valid HTML5, one <h1>, a <title>, unique ids, nonces, CSRF in forms."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        tree = parser.parse(response.get_data())
    except html5lib.html5parser.ParseError as exc:
        raise PageProblem(f"{url}: not valid HTML5: {exc}") from None
    h1s = tree.findall(".//h1")
    if len(h1s) != 1:
        raise PageProblem(f"{url}: {len(h1s)} <h1> elements, expected exactly one")
    title = tree.find(".//head/title")
    if title is None or not "".join(title.itertext()).strip():
        raise PageProblem(f"{url}: no <title>")
    ids = [el.get("id") for el in tree.iter() if el.get("id")]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PageProblem(f"{url}: duplicate ids {duplicates}")
    nonce = _nonce_from(response.headers.get("Content-Security-Policy", ""))
    for script in tree.iter("script"):
        if nonce is None or script.get("nonce") != nonce:
            raise PageProblem(f"{url}: a <script> without this response's CSP nonce")
    for form in tree.iter("form"):
        if (form.get("method") or "get").lower() == "post":
            tokens = [i for i in form.iter("input") if i.get("name") == "csrf_token"]
            if len(tokens) != 1 or not tokens[0].get("value"):
                raise PageProblem(f"{url}: a POST form without a CSRF token")


class PageCheckingClient(FlaskClient):
    """A test client that checks every HTML page it GETs (after Notify's ``client_request``)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        method = str(kwargs.get("method", "GET")).upper()
        if method == "GET" and response.mimetype == "text/html" and response.status_code != 302:
            check_page(response, str(args[0]) if args else "?")
        return response

    def csrf_token(self, url: str) -> str:
        """The CSRF token of the form on the page at ``url``."""
        page = self.get(url)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert found, f"no CSRF token on {url} ({page.status_code})"
        return found.group(1)

    def submit(self, url: str, data: dict[str, str], form_page: str | None = None) -> TestResponse:
        """POST ``data`` to ``url`` with the token from the page holding the form."""
        token = self.csrf_token(form_page or url)
        return self.post(url, data={**data, "csrf_token": token})

    def sign_in(self, email: str, password: str = PASSWORD) -> TestResponse:
        return self.submit("/sign-in", {"email": email, "password": password})

    def sign_out(self) -> TestResponse:
        return self.submit("/sign-out", {}, form_page="/")


# Elements no page of the site has, which a payload could bring in.
FOREIGN_TAGS = frozenset({"iframe", "svg", "img", "object", "embed", "math", "base", "frame"})


def no_injected_markup(body: str, where: object, nonce: str | None = None) -> None:
    """No element or attribute a payload could have brought in: no event handler, no
    ``javascript:`` address, no foreign element, and scripts only of the page's own (carrying the
    response's CSP ``nonce`` where given, else the layout's two)."""
    tree = html5lib.parse(body, namespaceHTMLElements=False)
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        assert tag not in FOREIGN_TAGS, (where, tag)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (where, tag, name)
            if name in ("href", "src", "action", "formaction"):
                assert not value.strip().lower().startswith("javascript:"), (where, value)
        if tag == "script":
            own = (
                (element.get("nonce") == nonce)
                if nonce
                else (
                    element.get("src") == "/static/js/app.mjs"
                    or "js-enabled" in (element.text or "")
                )
            )
            assert own, (where, "a script that is not the page's own")


def page_text(response: TestResponse) -> str:
    """The visible text of a page, whitespace collapsed."""
    tree = html5lib.parse(response.get_data(), namespaceHTMLElements=False)
    for hidden in [*tree.iter("script"), *tree.iter("style")]:
        hidden.text = ""
    body = tree.find("body")
    return " ".join(" ".join(body.itertext() if body is not None else []).split())


# --- the routes ---------------------------------------------------------------------------------


def site_rules(app: Flask) -> list[Rule]:
    """Every URL rule of the site but the static files."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def endpoint_url(app: Flask, rule: Rule, ids: Mapping[str, Any]) -> str:
    """The URL of ``rule`` with each of its parameters taken from ``ids`` (by name); a
    parameter with a default in the rule is left to it, so each rule gets its own URL."""
    values = {name: ids[name] for name in rule.arguments if name not in (rule.defaults or {})}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


# --- accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    email: str
    role: str
    public_id: Any
    password: str = PASSWORD


_serial = itertools.count(1)


def create_account(app: Flask, role: str, email: str | None = None) -> Account:
    """An account of ``role`` with what that role needs: a profile or an organisation."""
    from skillsmatch.passwords import hash_password

    n = next(_serial)
    email = email or f"{role}{n}@example.com"
    with app.app_context():
        chelmsford = db.session.scalar(sa.select(District).where(District.code == CHELMSFORD))
        user = User(
            email=email,
            password_hash=hash_password(PASSWORD),
            role=role,
            display_name=f"Test {role} {n}",
        )
        if role == "employer":
            care = db.session.scalar(sa.select(Sector).where(Sector.slug == "care"))
            employer = Employer(
                name=f"Test Employer {n}", sic2007="87100", district=chelmsford, sector=care
            )
            db.session.add(employer)
            db.session.flush()
            user.employer_id = employer.id
        if role == "provider":
            provider = db.session.scalar(
                sa.select(Provider).where(Provider.name == "Demo Chelmsford College")
            )
            assert provider is not None
            user.provider_id = provider.id
        db.session.add(user)
        if role == "learner":
            db.session.add(Learner(user=user, district=chelmsford))
        db.session.commit()
        return Account(email, role, user.public_id)


def course_id(app: Flask, title: str) -> Any:
    with app.app_context():
        return db.session.scalar(sa.select(Course.public_id).where(Course.title == title))


def activity_id(app: Flask, text: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            sa.select(SicActivity.id).where(SicActivity.activity.icontains(text)).limit(1)
        )
        assert found is not None, text
        return found
