"""A learner's profile: their own words, the skills found in them, district, sectors and consent.

Skills suggested from the learner's text are stored unconfirmed (``provenance="text"``, the
linker's score, ``confirmed=False``) until the learner confirms or removes them; skills the
learner adds from the ESCO search are theirs outright (``provenance="added"``, confirmed).
Every function works on the learner it is given: callers resolve that learner from the signed-in
account, never from an identifier in a request, so one learner cannot reach another's profile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.models import District, Learner, LearnerSkill, Sector, Skill, User
from skillsmatch.models.base import utcnow
from skillsmatch.services import audit
from skillsmatch.services.skill_suggestions import (
    SuggestedSkill,
    search_skills,
    skill_linker,
    suggest_skills,
)

MAX_ABOUT_LENGTH = 5000
MAX_SEARCH_LENGTH = 100
# Highest qualification level on the Regulated Qualifications Framework (England).
QUALIFICATION_LEVELS: dict[int, str] = {
    0: "Entry level, or no qualifications",
    1: "Level 1, for example GCSE grades 3 to 1 (D to G)",
    2: "Level 2, for example GCSE grades 9 to 4 (A* to C)",
    3: "Level 3, for example A levels or a T level",
    4: "Level 4, for example a Higher National Certificate (HNC)",
    5: "Level 5, for example a foundation degree or HND",
    6: "Level 6, for example a bachelor's degree",
    7: "Level 7, for example a master's degree",
    8: "Level 8, for example a doctorate (PhD)",
}
# How each skill came into the profile, in words (LearnerSkill.provenance).
PROVENANCE_LABELS = {
    "text": "Found in what you wrote",
    "added": "Added by you",
    "confirmed": "Confirmed by you",
}


class ProfileError(ValueError):
    """Input that cannot be saved; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownSkill(LookupError):
    """No such ESCO skill, or (to confirm or remove it) not one in this learner's profile."""


class LearnerNotVisible(LookupError):
    """The viewer may not see this learner (unknown, no consent, or not their business)."""


@dataclass(frozen=True)
class SavedProfile:
    """What saving the profile did: whether the text changed and the skills it suggested."""

    about_changed: bool
    suggested: int
    # Why the text gave no suggestions, when it did not ("text is empty", ...), else None.
    reason: str | None


@dataclass(frozen=True)
class ProfileSkill:
    """A skill in a learner's profile as their pages show it."""

    uri: str
    label: str
    provenance: str
    confirmed: bool
    score: float | None
    # "likely" or "possible" for suggestions, None for skills the learner added.
    confidence: str | None
    # The sentence of the learner's text the suggestion came from, when known.
    evidence: str | None


@dataclass(frozen=True)
class SkillsView:
    suggested: list[ProfileSkill]
    confirmed: list[ProfileSkill]

    @property
    def uris(self) -> set[str]:
        return {s.uri for s in (*self.suggested, *self.confirmed)}


@dataclass(frozen=True)
class SkillResult:
    """An ESCO skill found by search, and whether the learner already has it."""

    uri: str
    label: str
    skill_type: str
    in_profile: bool


# --- reading ----------------------------------------------------------------------------------


def learner_for_user(session: Session, user: User) -> Learner:
    """The profile of a learner account (LookupError if the account has none)."""
    learner = session.scalar(
        sa.select(Learner)
        .where(Learner.user_id == user.id)
        .options(selectinload(Learner.district), selectinload(Learner.sectors))
    )
    if learner is None:
        raise LookupError("this account has no learner profile")
    return learner


def read_learner(
    session: Session, viewer: User, learner_id: uuid.UUID, *, request_id: str | None = None
) -> Learner:
    """A learner's record for ``viewer``, audited whenever the viewer is someone else.

    Learners see only themselves, and employers only learners who consented to be seen; the
    skills board and providers see counts, never a learner's record (as the privacy notice
    says). Anything else raises ``LearnerNotVisible``, the same way whether the learner exists
    or not.
    """
    learner = session.scalar(
        sa.select(Learner)
        .where(Learner.public_id == learner_id)
        .options(selectinload(Learner.district), selectinload(Learner.sectors))
    )
    if learner is None:
        raise LearnerNotVisible(str(learner_id))
    if learner.user_id == viewer.id:
        return learner  # one's own record: not audited
    if not (viewer.role == "employer" and learner.visible_to_employers):
        raise LearnerNotVisible(str(learner_id))
    audit.record(
        session,
        actor=viewer,
        action="read",
        target_type="learner",
        target_id=learner.public_id,
        request_id=request_id,
    )
    return learner


def profile_skills(session: Session, learner: Learner) -> SkillsView:
    """The learner's skills: suggestions awaiting a decision, then confirmed ones, by label.

    A suggestion's sentence is not stored; it is found again by linking the learner's current
    text, which is what produced the suggestion.
    """
    rows = session.execute(
        sa.select(LearnerSkill, Skill.uri, Skill.label)
        .join(Skill, Skill.id == LearnerSkill.skill_id)
        .where(LearnerSkill.learner_id == learner.id)
        .order_by(sa.func.lower(Skill.label), Skill.uri)
    ).all()
    pending = [r for r in rows if not r.LearnerSkill.confirmed]
    found: dict[str, SuggestedSkill] = {}
    precision = None
    if pending:
        precision = float(skill_linker().precision_threshold_)
        if learner.about.strip():
            found = {s.uri: s for s in suggest_skills(session, learner.about).skills}
    suggested, confirmed = [], []
    for row in rows:
        item: LearnerSkill = row.LearnerSkill
        confidence = None
        if not item.confirmed and item.score is not None and precision is not None:
            confidence = "likely" if item.score >= precision else "possible"
        evidence = found[row.uri].evidence if row.uri in found else None
        skill = ProfileSkill(
            row.uri, row.label, item.provenance, item.confirmed, item.score, confidence, evidence
        )
        (confirmed if item.confirmed else suggested).append(skill)
    # Suggestions the linker is surest of come first: they are the quickest to confirm.
    suggested.sort(key=lambda s: (-(s.score or 0.0), s.label.lower()))
    return SkillsView(suggested, confirmed)


def search(session: Session, learner: Learner, query: str) -> list[SkillResult]:
    """ESCO skills matching ``query`` (every word), marking those already in the profile."""
    query = query.strip()
    if len(query) > MAX_SEARCH_LENGTH:
        raise ProfileError("q", f"Skill search must be {MAX_SEARCH_LENGTH} characters or fewer")
    skills = search_skills(session, query)
    held = set(
        session.scalars(
            sa.select(LearnerSkill.skill_id).where(LearnerSkill.learner_id == learner.id)
        )
    )
    return [SkillResult(s.uri, s.label, s.skill_type, s.id in held) for s in skills]


# --- changing ---------------------------------------------------------------------------------


def save_profile(
    session: Session,
    learner: Learner,
    *,
    about: str,
    district_code: str | None,
    level: str | int | None,
    sector_slugs: Iterable[str],
) -> SavedProfile:
    """Check and store the profile; when the text changed, suggest skills from it again.

    Everything is checked before anything changes, so a refused save changes nothing.
    """
    about = (about or "").replace("\r\n", "\n").strip()
    if len(about) > MAX_ABOUT_LENGTH:
        raise ProfileError(
            "about", f"Your description must be {MAX_ABOUT_LENGTH:,} characters or fewer"
        )
    district = None
    if district_code:
        district = session.scalar(sa.select(District).where(District.code == district_code))
        if district is None:
            raise ProfileError("district", "Select a district from the list")
    chosen_level = _level(level)
    slugs = sorted({s for s in sector_slugs if s})
    sectors = (
        list(session.scalars(sa.select(Sector).where(Sector.slug.in_(slugs)))) if slugs else []
    )
    if len(sectors) != len(slugs):
        raise ProfileError("sectors", "Select sectors from the list")

    learner.district = district
    learner.level = chosen_level
    learner.sectors = sorted(sectors, key=lambda s: s.name)
    changed = about != learner.about
    learner.about = about
    if not changed:
        return SavedProfile(False, 0, None)
    if not about:
        _replace_suggestions(session, learner, [])
        return SavedProfile(True, 0, None)
    suggestions = suggest_skills(session, about)
    _replace_suggestions(session, learner, suggestions.skills)
    return SavedProfile(True, len(suggestions.skills), suggestions.reason)


def _level(level: str | int | None) -> int | None:
    if level is None or level == "":
        return None
    try:
        value = int(level)
    except (TypeError, ValueError):
        raise ProfileError("level", "Select a qualification level from the list") from None
    if value not in QUALIFICATION_LEVELS:
        raise ProfileError("level", "Select a qualification level from the list")
    return value


def _replace_suggestions(
    session: Session, learner: Learner, suggestions: Sequence[SuggestedSkill]
) -> None:
    """Unconfirmed suggestions become those of the new text; confirmed skills stay as they are."""
    rows = {
        row.skill_id: row
        for row in session.scalars(
            sa.select(LearnerSkill).where(LearnerSkill.learner_id == learner.id)
        )
    }
    wanted = {s.skill_id: s for s in suggestions}
    for skill_id, row in rows.items():
        if not row.confirmed and skill_id not in wanted:
            session.delete(row)
    for skill_id, suggestion in wanted.items():
        row = rows.get(skill_id)
        if row is None:
            session.add(
                LearnerSkill(
                    learner_id=learner.id,
                    skill_id=skill_id,
                    provenance="text",
                    score=suggestion.score,
                    confirmed=False,
                )
            )
        elif not row.confirmed:
            row.score = suggestion.score
    session.flush()


def _skill(session: Session, uri: str) -> Skill:
    skill = session.scalar(sa.select(Skill).where(Skill.uri == uri)) if uri else None
    if skill is None:
        raise UnknownSkill(uri)
    return skill


def _held(session: Session, learner: Learner, uri: str) -> tuple[Skill, LearnerSkill]:
    skill = _skill(session, uri)
    row = session.get(LearnerSkill, (learner.id, skill.id))
    if row is None:
        raise UnknownSkill(uri)
    return skill, row


def confirm_skill(session: Session, learner: Learner, uri: str) -> Skill:
    """Confirm a suggested skill (UnknownSkill if the learner does not have it)."""
    skill, row = _held(session, learner, uri)
    row.confirmed = True
    session.flush()
    return skill


def remove_skill(session: Session, learner: Learner, uri: str) -> Skill:
    """Remove a skill, suggested or confirmed, from the profile."""
    skill, row = _held(session, learner, uri)
    session.delete(row)
    session.flush()
    return skill


def add_skill(session: Session, learner: Learner, uri: str) -> tuple[Skill, bool]:
    """Add an ESCO skill the learner chose, confirmed; False if they had already confirmed it.

    A pending suggestion of the same skill becomes confirmed (and keeps where it came from).
    """
    skill = _skill(session, uri)
    row = session.get(LearnerSkill, (learner.id, skill.id))
    if row is not None:
        added = not row.confirmed
        row.confirmed = True
    else:
        session.add(
            LearnerSkill(
                learner_id=learner.id,
                skill_id=skill.id,
                provenance="added",
                score=None,
                confirmed=True,
            )
        )
        added = True
    session.flush()
    return skill, added


def set_consent(
    session: Session,
    learner: Learner,
    visible: bool,
    *,
    actor: User,
    request_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Record whether employers may see the learner; audited. False if nothing changed."""
    if not isinstance(visible, bool):
        raise TypeError("visible must be True or False")
    if learner.visible_to_employers == visible and learner.consent_changed_at is not None:
        return False
    learner.visible_to_employers = visible
    learner.consent_changed_at = now or utcnow()
    audit.record(
        session,
        actor=actor,
        action="change-consent",
        target_type="learner",
        target_id=learner.public_id,
        request_id=request_id,
        detail={"visible_to_employers": visible},
    )
    session.flush()
    return True
