"""Skills suggested from free text for a person to confirm, and ESCO skill search.

Pages and services ask here rather than building a linker: the app keeps one fitted linker in
``app.extensions["skill_linker"]`` (tests put a small fitted linker there), built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from skillsmatch.models import Skill

SUGGESTIONS_PER_TEXT = 15
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class SuggestedSkill:
    """A skill read from a person's text, how sure the linker is, and the sentence behind it."""

    skill_id: int
    uri: str
    label: str
    score: float
    evidence: str
    # "likely" at or above the linker's precision threshold, else "possible".
    confidence: str


@dataclass(frozen=True)
class Suggestions:
    skills: list[SuggestedSkill]
    # Why there are none when the text itself is the cause ("text is empty", ...), else None.
    reason: str | None


def skill_linker() -> Any:
    """The app's fitted skill linker, built from the cached ESCO embeddings on first use."""
    linker = current_app.extensions.get("skill_linker")
    if linker is None:
        from skillsmatch.services.linking import get_skill_linker

        linker = get_skill_linker(Path(current_app.config["CACHE_DIR"]))
        current_app.extensions["skill_linker"] = linker
    return linker


def suggest_skills(session: Session, text: str, limit: int = SUGGESTIONS_PER_TEXT) -> Suggestions:
    """ESCO skills found in ``text`` above the suggestion threshold, best first."""
    linker = skill_linker()
    result = linker.link_statements([text], top_k=limit, min_score=linker.suggestion_threshold_)[0]
    if not result.skills:
        return Suggestions([], result.reason or "no skills were recognised in the text")
    ids = dict(
        session.execute(
            sa.select(Skill.uri, Skill.id).where(Skill.uri.in_([s.uri for s in result.skills]))
        ).all()
    )
    return Suggestions(
        [
            SuggestedSkill(
                skill_id=ids[s.uri],
                uri=s.uri,
                label=s.label,
                score=round(s.score, 3),
                evidence=s.evidence,
                confidence="likely" if s.score >= linker.precision_threshold_ else "possible",
            )
            for s in result.skills
            if s.uri in ids
        ],
        None,
    )


def search_skills(session: Session, query: str, limit: int = SEARCH_LIMIT) -> list[Skill]:
    """Skills whose preferred label contains every word of ``query``, shortest labels first."""
    words = query.lower().split()
    if not words:
        return []
    label = sa.func.lower(Skill.label)
    statement = sa.select(Skill)
    for word in words[:6]:
        # Escape LIKE wildcards so that a user's "%" or "_" matches itself.
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(label.like(pattern, escape="\\"))
    statement = statement.order_by(sa.func.length(Skill.label), Skill.label).limit(limit)
    return list(session.scalars(statement))
