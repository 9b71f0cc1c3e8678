"""Helpers for the course provider tests: skills to find, small readers, providers' accounts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from fakes import hashing_linker
from flask import Flask
from sitetest import PASSWORD, Account

from skillsmatch.extensions import db
from skillsmatch.models import Provider, Skill, User

ESCO = "http://data.europa.eu/esco/skill/test-"
# Skills that course texts in the tests name, besides the catalogue's three.
EXTRA_SKILLS = {
    "spreadsheets": "use spreadsheets software",
    "analyse-data": "analyse data",
    "personal-care": "provide personal care",
    "customer-service": "customer service",
}
SPREADSHEETS = ESCO + "spreadsheets"
OTHER_PROVIDER = "Tendring Training Trust"
OWN_PROVIDER = "Demo Chelmsford College"
HEADER = "reference,title,level,district,places,mode,start_dates,overview"


@dataclass
class FakeNormaliser:
    """Stands in for the title normaliser: finds no occupation, remembers what it was asked."""

    titles: list[str] = field(default_factory=list)

    def normalise(
        self, titles: Sequence[str], top_k: int = 1, context: Sequence[str] | None = None
    ) -> list[list[Any]]:
        self.titles.extend(titles)
        return [[] for _ in titles]


def add_skills() -> None:
    """The extra skills, in the current app's database (once)."""
    have = set(db.session.scalars(sa.select(Skill.uri)))
    for key, label in EXTRA_SKILLS.items():
        if ESCO + key not in have:
            db.session.add(Skill(uri=ESCO + key, label=label, skill_type="skill"))
    db.session.commit()


def prepare(app: Flask) -> FakeNormaliser:
    """Extra skills, a hashing linker over every skill in the database and a fake normaliser."""
    normaliser = FakeNormaliser()
    with app.app_context():
        add_skills()
        rows = db.session.execute(sa.select(Skill.uri, Skill.label)).all()
        frame = pd.DataFrame(rows, columns=["uri", "label"])
        app.extensions["skill_linker"] = hashing_linker(frame)
        app.extensions["title_normaliser"] = normaliser
    return normaliser


def provider_account(app: Flask, provider_name: str, email: str) -> Account:
    """An account of the provider role working for ``provider_name``."""
    from skillsmatch.passwords import hash_password

    with app.app_context():
        provider = db.session.scalar(sa.select(Provider).where(Provider.name == provider_name))
        assert provider is not None, provider_name
        user = User(
            email=email,
            password_hash=hash_password(PASSWORD),
            role="provider",
            display_name=f"Staff of {provider_name}",
            provider_id=provider.id,
        )
        db.session.add(user)
        db.session.commit()
        return Account(email, "provider", user.public_id)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
