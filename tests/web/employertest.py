"""Helpers for the employer tests: skills to find, a hashing linker and pathway index, learners
with and without consent to be seen, and posting a need or vacancy through the forms."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from fakes import HashingEncoder, hashing_linker
from flask import Flask
from sitetest import CHELMSFORD, TENDRING, PageCheckingClient

from skillsmatch.extensions import db
from skillsmatch.models import District, Learner, LearnerSkill, Sector, Skill, User
from skillsmatch.services.pathways import EXTENSION_KEY, PathwayIndex

ESCO = "http://data.europa.eu/esco/skill/"
# The catalogue's skills (sitetest.build_catalogue): the care course teaches the first two in
# Chelmsford, an online software course the third.
WELLBEING = ESCO + "test-0"
RECORDS = ESCO + "test-1"
CODE = ESCO + "test-2"
# Skills no course teaches, so that some of a need is missing from every course.
LIFTING = ESCO + "employer-lifting"
EXTRA_SKILLS = {LIFTING: "move people safely", ESCO + "employer-cooking": "prepare meals"}
# A description of a role naming catalogue skills among other words (for the hashing linker).
ROLE = (
    "You will support people's wellbeing in our care home. "
    "You will maintain records of care plans on every shift."
)
CONSENTING, HIDDEN, FAR_AWAY = "Amy Consenting", "Bob Hidden", "Cat Far Away"


def prepare(app: Flask) -> None:
    """Extra skills, a hashing linker over every skill and a pathway index on the hashing
    encoder, so that the pages need no model."""
    with app.app_context():
        have = set(db.session.scalars(sa.select(Skill.uri)))
        for uri, label in EXTRA_SKILLS.items():
            if uri not in have:
                db.session.add(Skill(uri=uri, label=label, skill_type="skill"))
        db.session.commit()
        rows = db.session.execute(sa.select(Skill.uri, Skill.label)).all()
        frame = pd.DataFrame(rows, columns=["uri", "label"])
        app.extensions["skill_linker"] = hashing_linker(frame)
        app.extensions[EXTENSION_KEY] = PathwayIndex.build(db.session, encoder=HashingEncoder())


def add_learner(
    app: Flask,
    name: str,
    skills: list[str],
    *,
    consent: bool,
    district: str = CHELMSFORD,
    sector: str | None = "care",
) -> Any:
    """A learner with confirmed skills (URIs); returns the learner's public id."""
    from skillsmatch.passwords import hash_password

    with app.app_context():
        where = db.session.scalar(sa.select(District).where(District.code == district))
        slug = name.lower().replace(" ", ".")
        user = User(
            email=f"{slug}@example.com",
            password_hash=hash_password("x" * 12),
            role="learner",
            display_name=name,
        )
        learner = Learner(user=user, district=where, visible_to_employers=consent)
        if sector:
            learner.sectors = [db.session.scalar(sa.select(Sector).where(Sector.slug == sector))]
        found = db.session.scalars(sa.select(Skill).where(Skill.uri.in_(skills)))
        by_uri = {s.uri: s for s in found}
        learner.skills = [
            LearnerSkill(skill=by_uri[uri], provenance="added", confirmed=True) for uri in skills
        ]
        db.session.add(learner)
        db.session.commit()
        return learner.public_id


def add_learners(app: Flask) -> dict[str, Any]:
    """Ready for a care need in Chelmsford: one who consented to be seen, one who did not, and
    one who consented but lives out of reach."""
    return {
        CONSENTING: add_learner(app, CONSENTING, [WELLBEING, RECORDS], consent=True),
        HIDDEN: add_learner(app, HIDDEN, [WELLBEING, RECORDS], consent=False),
        FAR_AWAY: add_learner(app, FAR_AWAY, [WELLBEING, RECORDS], consent=True, district=TENDRING),
    }


def need_form(**values: str) -> dict[str, str]:
    """A complete skill need, as posted: wellbeing essential, records optional."""
    form = {
        "title": "Care assistant",
        "headcount": "4",
        "timeframe": "6",
        "district": CHELMSFORD,
        "level": "2",
        "description": "",
        "q": "",
        "action": "save",
        "candidate": WELLBEING,
        "importance-0": "essential",
    }
    form.update(values)
    return form


def vacancy_form(**values: str) -> dict[str, str]:
    """A complete vacancy, as posted."""
    form = {
        "title": "Senior carer",
        "district": CHELMSFORD,
        "salary": "£24,000 to £27,000 a year",
        "level": "",
        "closing_day": "",
        "closing_month": "",
        "closing_year": "",
        "advert": "Join our team. You will support people's wellbeing every day.",
        "q": "",
        "action": "save",
        "candidate": WELLBEING,
        "importance-0": "essential",
    }
    form.update(values)
    return form


def post(
    client: PageCheckingClient, url: str, data: dict[str, Any], form_page: str | None = None
) -> Any:
    """POST ``data`` (lists allowed) with the CSRF token of the page holding the form."""
    token = client.csrf_token(form_page or url)
    return client.post(url, data={**data, "csrf_token": token})


def posted_id(response: Any, kind: str) -> str:
    """The id of the need or vacancy a successful form post redirected to."""
    assert response.status_code == 303, response.status_code
    prefix = f"/employer/{kind}/"
    assert response.location.startswith(prefix), response.location
    return str(response.location[len(prefix) :])
