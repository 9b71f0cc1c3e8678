"""A learner's pathways: one pathway found among their recommendations, and the ones they saved.

A pathway is named by public identifiers only: the public id of its course (and of the second
course of a two-course pathway) and the identifier of its occupation, the UUID that ends the
occupation's ESCO URI. Every function acts on the learner it is given; callers resolve that
learner from the signed-in account, never from an identifier in a request.

Recommendations are worked out from the learner's profile and the app's pathway index; the same
profile on the same day against the same index gives the same answer, so it is kept for a while
(``recommendations``) rather than scored again for each page the learner opens.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.models import (
    Course,
    CourseOffering,
    Learner,
    Occupation,
    Provider,
    SavedPathway,
    Vacancy,
)
from skillsmatch.services.pathways import (
    PART_LABELS,
    LearnerPathways,
    LearnerProfile,
    Pathway,
    PathwayIndex,
    ScoreView,
    profile_of,
    recommend_pathways,
    saved_pathway_counts,
)
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT

__all__ = [
    "DemoMarks",
    "OfferingInReach",
    "PathwayTarget",
    "SavedPathwayView",
    "ScoreRow",
    "UnknownPathway",
    "VacancyDetail",
    "demo_marks",
    "find_pathway",
    "find_saved",
    "occupation_key",
    "occupation_keys",
    "offerings_in_reach",
    "parse_key",
    "pathway_key",
    "recommendations",
    "remove",
    "resolve",
    "save",
    "saved_for",
    "saved_keys",
    "saved_pathway_counts",
    "score_rows",
    "vacancy_details",
]

# Recommendations kept per index: enough for the learners active at one time.
MEMO_SIZE = 512


class UnknownPathway(LookupError):
    """No such course or occupation, or (to remove it) no such pathway saved by this learner."""


def occupation_key(uri: str) -> uuid.UUID | None:
    """The public identifier of an occupation: the UUID that ends its ESCO URI, if it has one."""
    try:
        return uuid.UUID(uri.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None


def occupation_keys(session: Session, occupation_ids: Iterable[int]) -> dict[int, uuid.UUID]:
    """Occupation id -> public identifier, for those that have one."""
    ids = set(occupation_ids)
    if not ids:
        return {}
    rows = session.execute(sa.select(Occupation.id, Occupation.uri).where(Occupation.id.in_(ids)))
    keys = {oid: occupation_key(uri) for oid, uri in rows}
    return {oid: key for oid, key in keys.items() if key is not None}


def pathway_key(course: uuid.UUID, occupation: uuid.UUID, second: uuid.UUID | None) -> str:
    """One value naming a pathway, as stored in ``SavedPathway.pathway_key``."""
    return f"{course}/{occupation}/{second or '-'}"


def parse_key(key: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID | None]:
    """(course, occupation, second course or None) of a ``pathway_key``."""
    course, occupation, second = key.split("/")
    return uuid.UUID(course), uuid.UUID(occupation), None if second == "-" else uuid.UUID(second)


@dataclass(frozen=True)
class PathwayTarget:
    """The course(s) and occupation of a pathway, as named in a request."""

    course: Course
    occupation: Occupation
    occupation_key: uuid.UUID
    second_course: Course | None = None

    @property
    def key(self) -> str:
        second = self.second_course.public_id if self.second_course else None
        return pathway_key(self.course.public_id, self.occupation_key, second)


def resolve(
    session: Session,
    course_id: uuid.UUID,
    occupation_id: uuid.UUID,
    second_course_id: uuid.UUID | None = None,
) -> PathwayTarget:
    """The course(s) and occupation named by their public ids; ``UnknownPathway`` says which
    one is not known."""
    course = session.scalar(sa.select(Course).where(Course.public_id == course_id))
    if course is None:
        raise UnknownPathway(f"no course {course_id}")
    second = None
    if second_course_id is not None:
        second = session.scalar(sa.select(Course).where(Course.public_id == second_course_id))
        if second is None:
            raise UnknownPathway(f"no course {second_course_id}")
        if second.id == course.id:
            raise UnknownPathway("a two-course pathway needs two different courses")
    # ESCO URIs end with the UUID: an exact match on that last segment, whatever the prefix.
    occupation = session.scalar(
        sa.select(Occupation).where(Occupation.uri.endswith(f"/{occupation_id}"))
    )
    if occupation is None:
        raise UnknownPathway(f"no occupation {occupation_id}")
    return PathwayTarget(course, occupation, occupation_id, second)


# ---------------------------------------------------------------------------------------------
# Recommendations


_memo: weakref.WeakKeyDictionary[
    PathwayIndex, OrderedDict[tuple[LearnerProfile, date], LearnerPathways]
] = weakref.WeakKeyDictionary()
_memo_lock = threading.Lock()


def recommendations(
    index: PathwayIndex, learner: Learner, today: date | None = None
) -> LearnerPathways:
    """``recommend_pathways`` for a stored learner, kept per index, profile and day.

    A changed profile (skills, district, sectors, level, text) is a different key, and a rebuilt
    index starts afresh (the old one's answers go with it), so nothing kept goes stale.
    """
    profile = profile_of(learner)
    today = today or date.today()
    key = (profile, today)
    with _memo_lock:
        kept = _memo.get(index)
        if kept is not None and key in kept:
            kept.move_to_end(key)
            return kept[key]
    result = recommend_pathways(index, profile, today)
    with _memo_lock:
        kept = _memo.setdefault(index, OrderedDict())
        kept[key] = result
        while len(kept) > MEMO_SIZE:
            kept.popitem(last=False)
    return result


def find_pathway(result: LearnerPathways, target: PathwayTarget) -> Pathway | None:
    """The recommended pathway through the target's course(s) to its occupation, if any."""
    wanted = [target.course.id] + ([target.second_course.id] if target.second_course else [])
    candidates = result.two_step if target.second_course else result.pathways
    for pathway in candidates:
        if (
            pathway.occupation_id == target.occupation.id
            and [c.course_id for c in pathway.courses] == wanted
        ):
            return pathway
    return None


@dataclass(frozen=True)
class ScoreRow:
    """One part of a score: how well it is met (0-100, None for a fixed adjustment), the
    points it gives and the most it can give."""

    label: str
    value: int | None
    points: float
    out_of: float | None


def score_rows(index: PathwayIndex, score: ScoreView) -> list[ScoreRow]:
    """The parts of a pathway's score, in the scorer's order, with plain-English names."""
    raw = score.raw
    weights = index.scorer.weights_
    rows = [
        ScoreRow(
            PART_LABELS.get(key, key),
            round(100 * raw.values.get(key, 0.0)),
            round(100 * raw.contributions.get(key, 0.0), 1),
            round(100 * weight, 1),
        )
        for key, weight in weights.items()
    ]
    # Adjustments outside the weighted parts (a second course costs points).
    rows.extend(
        ScoreRow(PART_LABELS.get(key, key), None, round(100 * value, 1), None)
        for key, value in raw.contributions.items()
        if key not in weights and value
    )
    return rows


# ---------------------------------------------------------------------------------------------
# What the pages show beside a pathway


@dataclass(frozen=True)
class OfferingInReach:
    provider: str
    district: str  # "Online" for online delivery
    mode: str
    travel: str
    start_dates: list[date]  # upcoming only
    places: int
    is_demo: bool
    chosen: bool  # the offering the pathway's score counts


def offerings_in_reach(
    session: Session,
    index: PathwayIndex,
    learner: Learner,
    course: Course,
    chosen_offering_id: int | None = None,
    today: date | None = None,
) -> list[OfferingInReach]:
    """Where the course runs within the learner's reach (as matching counts it: their district,
    a neighbouring one, or online), nearest and soonest first."""
    today = today or date.today()
    # A district the index does not know is outside the area: only online offerings reach.
    home = learner.district_id if learner.district_id in index.partition else None
    offerings = session.scalars(
        sa.select(CourseOffering)
        .where(CourseOffering.course_id == course.id)
        .options(selectinload(CourseOffering.provider), selectinload(CourseOffering.district))
    )
    order = {SAME_DISTRICT: 0, NEIGHBOURING: 1, ONLINE: 2}
    found = []
    for o in offerings:
        travel = index.reach.travel(home, o.district_id)
        if travel is None:
            continue
        upcoming = []
        for text in o.start_dates or []:
            try:
                day = date.fromisoformat(str(text))
            except ValueError:
                continue  # a malformed date is no start date, as matching reads it
            if day >= today:
                upcoming.append(day)
        found.append(
            OfferingInReach(
                provider=o.provider.name,
                district=o.district.name if o.district else "Online",
                mode=o.mode,
                travel=travel,
                start_dates=sorted(upcoming),
                places=o.places,
                is_demo=o.is_demo or o.provider.is_demo,
                chosen=o.id == chosen_offering_id,
            )
        )
    return sorted(
        found,
        key=lambda o: (
            order.get(o.travel, 3),
            o.start_dates[0] if o.start_dates else date.max,
            o.provider,
        ),
    )


@dataclass(frozen=True)
class DemoMarks:
    """Which of the courses, offerings and vacancies on a page are demo data (by row id)."""

    courses: frozenset[int]
    offerings: frozenset[int]
    vacancies: frozenset[int]

    @property
    def any(self) -> bool:
        return bool(self.courses or self.offerings or self.vacancies)


def demo_marks(
    session: Session, pathways: Iterable[Pathway], vacancy_ids: Iterable[int] = ()
) -> DemoMarks:
    """The demo rows among the pathways' courses, chosen offerings and vacancies."""
    pathways = list(pathways)
    course_ids = {c.course_id for p in pathways for c in p.courses}
    offering_ids = {c.offering_id for p in pathways for c in p.courses}
    vacancies = set(vacancy_ids) | {v.vacancy_id for p in pathways for v in p.vacancies}
    courses = (
        set(
            session.scalars(
                sa.select(Course.id).where(Course.id.in_(course_ids), Course.is_demo.is_(True))
            )
        )
        if course_ids
        else set()
    )
    offerings = (
        set(
            session.scalars(
                sa.select(CourseOffering.id)
                .join(Provider, Provider.id == CourseOffering.provider_id)
                .where(
                    CourseOffering.id.in_(offering_ids),
                    sa.or_(CourseOffering.is_demo.is_(True), Provider.is_demo.is_(True)),
                )
            )
        )
        if offering_ids
        else set()
    )
    demo_vacancies = (
        set(
            session.scalars(
                sa.select(Vacancy.id).where(Vacancy.id.in_(vacancies), Vacancy.is_demo.is_(True))
            )
        )
        if vacancies
        else set()
    )
    return DemoMarks(frozenset(courses), frozenset(offerings), frozenset(demo_vacancies))


@dataclass(frozen=True)
class VacancyDetail:
    salary: str
    is_demo: bool


def vacancy_details(session: Session, vacancy_ids: Iterable[int]) -> dict[int, VacancyDetail]:
    """What a vacancy's row adds to the index's summary of it: its salary and demo flag."""
    ids = set(vacancy_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Vacancy.id, Vacancy.salary_text, Vacancy.is_demo).where(Vacancy.id.in_(ids))
    )
    return {vid: VacancyDetail(salary or "", bool(demo)) for vid, salary, demo in rows}


# ---------------------------------------------------------------------------------------------
# Saved pathways


@dataclass(frozen=True)
class SavedPathwayView:
    public_id: uuid.UUID
    course_id: uuid.UUID
    course: str
    second_course_id: uuid.UUID | None
    second_course: str | None
    occupation_id: uuid.UUID | None
    occupation: str
    sector: str | None
    saved_at: datetime
    is_demo: bool


def find_saved(session: Session, learner: Learner, target: PathwayTarget) -> SavedPathway | None:
    """The learner's saved copy of this pathway, if they saved it."""
    return session.scalar(
        sa.select(SavedPathway).where(
            SavedPathway.learner_id == learner.id, SavedPathway.pathway_key == target.key
        )
    )


def save(session: Session, learner: Learner, target: PathwayTarget) -> tuple[SavedPathway, bool]:
    """Save the pathway for the learner; (the saved pathway, whether it is new)."""
    existing = find_saved(session, learner, target)
    if existing is not None:
        return existing, False
    saved = SavedPathway(
        learner_id=learner.id,
        course_id=target.course.id,
        occupation_id=target.occupation.id,
        second_course_id=target.second_course.id if target.second_course else None,
        pathway_key=target.key,
    )
    session.add(saved)
    session.flush()
    return saved, True


def remove(session: Session, learner: Learner, public_id: uuid.UUID) -> SavedPathway:
    """Remove one of the learner's saved pathways; another learner's is as unknown as none."""
    saved = session.scalar(
        sa.select(SavedPathway).where(
            SavedPathway.public_id == public_id, SavedPathway.learner_id == learner.id
        )
    )
    if saved is None:
        raise UnknownPathway(f"no saved pathway {public_id}")
    session.delete(saved)
    session.flush()
    return saved


def saved_for(session: Session, learner: Learner) -> list[SavedPathwayView]:
    """The learner's saved pathways, most recently saved first."""
    rows = session.scalars(
        sa.select(SavedPathway)
        .where(SavedPathway.learner_id == learner.id)
        .options(
            selectinload(SavedPathway.course),
            selectinload(SavedPathway.second_course),
            selectinload(SavedPathway.occupation).selectinload(Occupation.sector),
        )
        .order_by(SavedPathway.created_at.desc(), SavedPathway.id.desc())
    )
    return [
        SavedPathwayView(
            public_id=s.public_id,
            course_id=s.course.public_id,
            course=s.course.title,
            second_course_id=s.second_course.public_id if s.second_course else None,
            second_course=s.second_course.title if s.second_course else None,
            occupation_id=occupation_key(s.occupation.uri),
            occupation=s.occupation.label,
            sector=s.occupation.sector.name if s.occupation.sector else None,
            saved_at=s.created_at,
            is_demo=s.course.is_demo or bool(s.second_course and s.second_course.is_demo),
        )
        for s in rows
    ]


def saved_keys(session: Session, learner: Learner) -> dict[str, uuid.UUID]:
    """Pathway key -> saved pathway id, for marking saved pathways in a list."""
    return dict(
        session.execute(
            sa.select(SavedPathway.pathway_key, SavedPathway.public_id).where(
                SavedPathway.learner_id == learner.id
            )
        ).all()
    )
