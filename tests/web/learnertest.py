"""Helpers for the learner's pages: a few more skills and a hashing skill linker over them."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from flask import Flask

from skillsmatch.extensions import db
from skillsmatch.models import Skill

# Added to the catalogue's three skills ("support people's wellbeing", "maintain records",
# "write code"), so that searches have several results and some miss.
EXTRA_SKILLS = (
    ("operate forklift", "skill"),
    ("use spreadsheets software", "skill"),
    ("provide customer service", "skill"),
    ("manage a team", "skill"),
    ("health and safety regulations", "knowledge"),
)
# Each sentence names one catalogue skill among other words, so that the hashing linker finds it
# with a score between the suggestion and precision thresholds or above both.
ABOUT = (
    "I worked in a care home for three years. "
    "Every day I would support people's wellbeing. "
    "I maintain records of medication and care plans for the residents on every shift. "
    "In my spare time I write code."
)
WELLBEING = "support people's wellbeing"
RECORDS = "maintain records"
CODE = "write code"
FORKLIFT = "operate forklift"


def skill_uri(app: Flask, label: str) -> str:
    with app.app_context():
        uri = db.session.scalar(sa.select(Skill.uri).where(Skill.label == label))
        assert uri is not None, label
        return uri


def add_extra_skills(app: Flask) -> None:
    with app.app_context():
        for i, (label, kind) in enumerate(EXTRA_SKILLS):
            db.session.add(
                Skill(
                    uri=f"http://data.europa.eu/esco/skill/extra-{i}", label=label, skill_type=kind
                )
            )
        db.session.commit()


def install_linker(app: Flask) -> object:
    """A small fitted linker over the database's skills in ``app.extensions["skill_linker"]``."""
    from fakes import hashing_linker

    with app.app_context():
        rows = db.session.execute(sa.select(Skill.uri, Skill.label, Skill.skill_type)).all()
    frame = pd.DataFrame(
        [{"uri": r.uri, "label": r.label, "skill_type": r.skill_type} for r in rows]
    )
    linker = hashing_linker(frame)
    app.extensions["skill_linker"] = linker
    return linker
