"""A constructed world for the skills board's pages, with figures known in advance, and helpers
to read the tables and charts of a page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import html5lib
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from gap_factories import GapWorld
from sitetest import CHELMSFORD
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from skillsmatch import create_app
from skillsmatch.extensions import db
from skillsmatch.models import (
    Course,
    CourseOffering,
    District,
    Employer,
    Provider,
    Sector,
    Skill,
    SkillDemand,
    SkillDemandSkill,
)
from skillsmatch.services.gaps import build_report, save_snapshot

ALPHA, BETA, GAMMA, DELTA = "E07000901", "E07000902", "E07000903", "E07000904"
FIRST_SNAPSHOT = "First quarter"
NAMED_EMPLOYER = "Alpha Care Ltd"
UNNAMED_EMPLOYER = "Quiet Care Ltd"
LEARNER_EMAIL_DOMAIN = "@example.test"


def soon() -> str:
    """An intake date inside the report's window, whatever day the tests run."""
    return (date.today() + timedelta(days=60)).isoformat()


class Expected:
    """The figures the world gives, worked out by hand from the rules."""

    # care / Alpha / move people safely: 10 (named employer) + 4 (unnamed), nothing in reach
    # (the only course is in Gamma, two districts away).
    lifting_alpha = (14, 0, 14)
    lifting_alpha_reason = (
        "No course in reach of Alpha teaches move people safely. It is taught in Gamma."
    )
    # construction / Beta / lay bricks: 80 needed, 12 places in Beta.
    bricks_beta = (80, 12, 68)
    bricks_beta_reason = "Courses exist but 12 places for 80 needed."
    # care / Gamma / move people safely: 4 needed, 5 places in Gamma: covered.
    lifting_gamma = (4, 5, 0)
    # Per 10,000 working-age residents: Alpha 14 / 20,000, Beta 68 / 40,000.
    alpha_per_10k = "7"
    beta_per_10k = "17"


def build_world(session: Session) -> GapWorld:
    """Three gap rows with known figures, consenting and non-consenting employers, a learner."""
    w = GapWorld(session)
    lifting = w.skill("move people safely")
    bricks = w.skill("lay bricks")
    w.demand(
        w.employer(NAMED_EMPLOYER, w.care, w.alpha, named=True),
        [lifting],
        headcount=10,
        title="Care assistant",
    )
    w.demand(
        w.employer(UNNAMED_EMPLOYER, w.care, w.alpha, named=False),
        [lifting],
        headcount=4,
        title="Night carer",
    )
    w.demand(w.employer("Gamma Homes", w.care, w.gamma), [lifting], headcount=4)
    w.demand(
        w.employer("Beta Build", w.construction, w.beta), [bricks], headcount=80, title="Bricklayer"
    )
    w.offering(
        w.course("Moving and handling", [lifting]),
        w.gamma,
        places=5,
        start_dates=[soon()],
        provider="Gamma College",
    )
    w.offering(
        w.course("Bricklayer", [bricks]),
        w.beta,
        places=12,
        start_dates=[soon()],
        provider="Beta College",
    )
    # A learner in Alpha who holds the skill: counted in the pipeline, never shown.
    w.learner(w.alpha, [lifting], [w.care])
    w.session.flush()
    return w


def build_world_database(path: Path) -> None:
    """A migrated SQLite file holding the world and one snapshot of it."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"}
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        build_world(db.session)
        save_snapshot(db.session, build_report(db.session), FIRST_SNAPSHOT)
        db.session.commit()
        db.engine.dispose()


def close_and_open_gaps(session: Session) -> None:
    """Change the world: a course opens in Alpha (closing its gap), Delta needs bricklayers."""

    def one(model: type, **where: object) -> object:
        return session.scalars(sa.select(model).filter_by(**where)).one()

    alpha, delta = one(District, code=ALPHA), one(District, code=DELTA)
    course = one(Course, title="Moving and handling")
    session.add(
        CourseOffering(
            course=course,
            provider=Provider(name="Alpha College", district=alpha),
            district=alpha,
            mode="in-person",
            places=20,
            start_dates=[soon()],
        )
    )
    construction = one(Sector, slug="construction")
    builder = Employer(name="Delta Build", sector=construction, district=delta)
    demand = SkillDemand(
        employer=builder,
        title="Bricklayer",
        district=delta,
        sector=construction,
        headcount=3,
        timeframe_months=12,
    )
    demand.skills = [SkillDemandSkill(skill=one(Skill, label="lay bricks"), importance="essential")]
    session.add(demand)
    session.flush()


def add_what_site_accounts_need(app: Flask) -> None:
    """Chelmsford and the demo college, which ``sitetest.create_account`` gives its accounts."""
    with app.app_context():
        chelmsford = District(
            code=CHELMSFORD,
            name="Chelmsford",
            population_2011=1,
            population_2021=1,
            working_age_2021=1,
        )
        db.session.add_all(
            [
                chelmsford,
                Provider(name="Demo Chelmsford College", district=chelmsford, is_demo=True),
            ]
        )
        db.session.commit()


# -- reading pages -------------------------------------------------------------------------------


def tree(response: TestResponse) -> object:
    return html5lib.parse(response.get_data(), namespaceHTMLElements=False)


def _text(element: object) -> str:
    return " ".join("".join(element.itertext()).split())  # type: ignore[attr-defined]


def table_rows(response: TestResponse, caption_starts: str) -> list[list[str]]:
    """The rows (header row first) of the table whose caption starts with ``caption_starts``."""
    for table in tree(response).iter("table"):  # type: ignore[attr-defined]
        caption = table.find("caption")
        if caption is not None and _text(caption).startswith(caption_starts):
            return [
                [_text(cell) for cell in row if cell.tag in ("th", "td")]
                for row in table.iter("tr")
            ]
    raise AssertionError(f"no table captioned {caption_starts!r}")


def row_for(rows: list[list[str]], first: str) -> list[str]:
    found = [r for r in rows if r and r[0].startswith(first)]
    assert len(found) == 1, (first, rows)
    return found[0]


@dataclass(frozen=True)
class Chart:
    spec: dict[str, object]
    summary: str
    tables: int
    nonce: str | None


def charts(response: TestResponse) -> list[Chart]:
    """Each chart on a page with its spec, the summary paragraph and the tables in its section."""
    root = tree(response)
    scripts = {s.get("id"): s for s in root.iter("script") if s.get("id")}  # type: ignore[attr-defined]
    found = []
    for section in root.iter("section"):  # type: ignore[attr-defined]
        for container in section.iter("div"):
            spec_id = container.get("data-chart-spec")
            if not spec_id:
                continue
            script = scripts[spec_id]
            assert script.get("type") == "application/json"
            summary = section.find(".//p")
            found.append(
                Chart(
                    spec=json.loads(script.text),
                    summary=_text(summary) if summary is not None else "",
                    tables=len(list(section.iter("table"))),
                    nonce=script.get("nonce"),
                )
            )
    return found


def chart_values(spec: dict[str, object]) -> list[dict[str, object]]:
    """The data rows of a spec, inline or in its named datasets (Altair moves them there)."""
    data = spec.get("data") or {}
    if isinstance(data, dict) and "values" in data:
        return list(data["values"])
    datasets = spec.get("datasets") or {}
    assert isinstance(datasets, dict) and len(datasets) == 1, datasets
    return list(next(iter(datasets.values())))
