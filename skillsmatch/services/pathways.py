"""Learner -> pathways (course -> occupation and its vacancies), and vacancy/demand -> provision.

``PathwayIndex.build`` reads courses, offerings, priority-sector occupations and live vacancies
once, embeds them (cached on disk), and fits ``ml.pathway_scoring.PathwayScorer`` on them. The
web app keeps one index in ``app.extensions["pathway_index"]`` (``get_pathway_index``) and
rebuilds it when the catalogue changes (``rebuild_pathway_index``). Queries then read only the
learner, vacancy or demand at hand.

Travel comes from ``skillsmatch.services.reach``: the scorer is told, per query, how each district
is reached from home. Every result carries plain-English explanations, and input that cannot give
a useful answer (no confirmed skills, a district outside Greater Essex, a vacancy with no skills)
gives a result with a ``Notice`` saying why and what to do, never an exception or a bare empty
list.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session, selectinload

from ml.course_matching import CourseMatcher
from ml.encoder import Encoder
from ml.pathway_scoring import (
    Catalogue,
    LearnerQuery,
    PathwayScore,
    PathwayScorer,
    ProvisionScore,
    Scored,
    SkillBreakdown,
    SkillSets,
    VacancyMatch,
)
from ml.taxonomy import embed_cached
from skillsmatch.models import (
    Course,
    CourseOccupation,
    CourseOffering,
    CourseSkill,
    District,
    Learner,
    LearnerSkill,
    Occupation,
    OccupationSkill,
    Provider,
    SavedPathway,
    Sector,
    Skill,
    SkillDemand,
    Vacancy,
    VacancySkill,
    skill_broader,
)
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT, ReachMap

__all__ = [
    "EXTENSION_KEY",
    "CourseStep",
    "LearnerPathways",
    "LearnerProfile",
    "LearnerRef",
    "Notice",
    "Pathway",
    "PathwayIndex",
    "PipelineResult",
    "ProvisionCourse",
    "ProvisionResult",
    "ScoreView",
    "SkillItem",
    "VacancyMatchView",
    "get_pathway_index",
    "learner_pipeline",
    "profile_of",
    "provision_for_demand",
    "provision_for_vacancy",
    "rebuild_pathway_index",
    "recommend_pathways",
]

EXTENSION_KEY = "pathway_index"
# How sure a skill link is when nobody confirmed it: skills inferred from an occupation (rather
# than read in a course's statements or a vacancy's advert) are a guess about this course or job.
INFERRED_FROM_OCCUPATION = 0.6
MIN_STRENGTH = 0.05
VECTOR_CACHE_SIZE = 4096
# Courses the title matcher may name as training for one job.
COURSES_PER_JOB = 10
FAR_FUTURE = date.max.toordinal()
GREATER_ESSEX = "Greater Essex (Essex, Southend-on-Sea and Thurrock)"

PART_LABELS = {
    "skills": "skills covered after the course",
    "gain": "what the course adds",
    "relevance": "how directly the course leads there",
    "interest": "fit with your profile",
    "practical": "travel, level and start date",
    "jobs": "live jobs in reach",
    "two courses": "needs two courses",
    "sector": "in your sectors of interest",
    "travel": "travel",
    "essential": "essential skills supplied",
    "optional": "optional skills supplied",
}
DIRECT_PART_LABELS = {"skills": "skills you already have"}


# --------------------------------------------------------------------------------------------
# Result objects


@dataclass(frozen=True)
class Notice:
    """Why a result is empty or partial, and what to do about it. ``code`` is stable."""

    code: str
    message: str


@dataclass(frozen=True)
class SkillItem:
    id: int
    label: str
    essential: bool
    via: str | None = None  # for a partly covered skill: the narrower skill that covers it


@dataclass(frozen=True)
class ScoreView:
    """A score out of 100 with its named parts, and how sure it is, in words."""

    score: int
    parts: list[tuple[str, float]]  # (plain label, contribution out of 100), largest first
    confidence: str  # "low", "medium" or "high"
    confidence_reason: str
    raw: Scored


@dataclass(frozen=True)
class CourseStep:
    course_id: int
    public_id: Any
    reference: str
    title: str
    level: int | None
    duration_months: int | None
    max_funding: int | None
    offering_id: int
    provider: str
    district: str | None
    mode: str
    travel: str
    next_start: date | None
    places: int
    level_step: int | None


@dataclass(frozen=True)
class VacancyRef:
    vacancy_id: int
    public_id: Any
    title: str
    employer: str
    district: str | None
    closing_date: date | None


@dataclass(frozen=True)
class Pathway:
    """One or two courses leading to an occupation, with what the learner has, gains and lacks."""

    courses: list[CourseStep]
    occupation_id: int
    occupation: str
    sector: str | None
    have: list[SkillItem]
    adds: list[SkillItem]
    adds_second: list[SkillItem]
    partly: list[SkillItem]
    missing: list[SkillItem]
    coverage_now: int  # % of the occupation's skills (weighted), now
    coverage_after: int  # and after the course(s)
    duration_months: int | None
    funding: int | None
    vacancies: list[VacancyRef]
    n_vacancies: int
    n_sector_vacancies: int
    score: ScoreView
    explanation: str

    @property
    def missing_essential(self) -> list[SkillItem]:
        return [s for s in self.missing if s.essential]


@dataclass(frozen=True)
class VacancyMatchView:
    vacancy: VacancyRef
    ready: bool
    travel: str
    have: list[SkillItem]
    partly: list[SkillItem]
    missing: list[SkillItem]
    coverage: int
    essential_coverage: int
    score: ScoreView
    explanation: str


@dataclass(frozen=True)
class LearnerPathways:
    """Everything SkillsMatch suggests for one learner, and notices where it cannot."""

    pathways: list[Pathway]
    two_step: list[Pathway]
    ready_now: list[VacancyMatchView]
    close: list[VacancyMatchView]
    notices: list[Notice]

    @property
    def explanation(self) -> str:
        return " ".join(n.message for n in self.notices)

    def has(self, code: str) -> bool:
        return any(n.code == code for n in self.notices)


@dataclass(frozen=True)
class ProvisionCourse:
    course: CourseStep
    essential_coverage: int  # % of the job's essential skills the course supplies
    optional_coverage: int
    covered: list[SkillItem]
    partly: list[SkillItem]
    score: ScoreView
    explanation: str


@dataclass(frozen=True)
class LearnerRef:
    """A learner who agreed to be seen by employers: for employers' eyes only."""

    learner_id: int
    public_id: Any
    name: str
    district: str | None
    status: str  # "ready now" or "on a pathway"
    course: str | None


@dataclass(frozen=True)
class PipelineResult:
    """Learners ready for a job or matched to a pathway leading there.

    The counts include everyone; ``named`` holds only learners who agreed to be visible to
    employers, kept apart so that only employers' pages show them.
    """

    ready_now: int
    on_pathway: int
    considered: int
    named: list[LearnerRef] = field(default_factory=list)
    # Learners who saved a pathway towards the job's occupation (whatever their skills now).
    saved: int = 0

    @property
    def total(self) -> int:
        return self.ready_now + self.on_pathway


@dataclass(frozen=True)
class ProvisionResult:
    """Courses in reach of a vacancy or skill demand that supply its skills, and the pipeline."""

    kind: str  # "vacancy" or "demand"
    target_id: int
    title: str
    district: str | None
    essential: list[SkillItem]
    optional: list[SkillItem]
    courses: list[ProvisionCourse]
    pipeline: PipelineResult | None  # counts only: ``named`` is always empty here
    notices: list[Notice]

    @property
    def explanation(self) -> str:
        return " ".join(n.message for n in self.notices)

    def has(self, code: str) -> bool:
        return any(n.code == code for n in self.notices)


@dataclass(frozen=True)
class LearnerProfile:
    """What matching reads about a learner; built from a ``Learner`` or from a form."""

    skill_ids: tuple[int, ...]  # confirmed skills
    pending_skill_ids: tuple[int, ...] = ()  # suggested, not yet confirmed
    sector_ids: tuple[int, ...] = ()
    district_id: int | None = None
    district_code: str | None = None  # as typed, when it is not a known district id
    level: int | None = None
    about: str = ""


def profile_of(learner: Learner) -> LearnerProfile:
    """The matching profile of a stored learner: only skills they confirmed count."""
    confirmed = tuple(sorted(s.skill_id for s in learner.skills if s.confirmed))
    pending = tuple(sorted(s.skill_id for s in learner.skills if not s.confirmed))
    return LearnerProfile(
        skill_ids=confirmed,
        pending_skill_ids=pending,
        sector_ids=tuple(sorted(s.id for s in learner.sectors)),
        district_id=learner.district_id,
        level=learner.level,
        about=learner.about or "",
    )


# --------------------------------------------------------------------------------------------
# The fitted index


@dataclass(frozen=True)
class _CourseInfo:
    id: int
    public_id: Any
    reference: str
    title: str
    level: int | None
    duration_months: int | None
    max_funding: int | None


@dataclass(frozen=True)
class _OfferingInfo:
    id: int
    course_row: int
    provider: str
    district_id: int | None
    mode: str
    start_dates: tuple[date, ...]
    places: int


@dataclass(frozen=True)
class _TargetInfo:
    id: int
    label: str
    sector_id: int | None


@dataclass(frozen=True)
class _VacancyInfo:
    id: int
    public_id: Any
    title: str
    employer: str
    district_id: int | None
    closing_date: date | None
    sector_id: int | None


class PathwayIndex:
    """The catalogue as the scorer needs it, with the ids and names to explain its results.

    Build with ``PathwayIndex.build(session)``; the object is read-only afterwards and safe to
    share between requests.
    """

    def __init__(
        self,
        scorer: PathwayScorer,
        encoder: Encoder,
        reach: ReachMap,
        skills: dict[int, str],
        skill_col: dict[int, int],
        districts: list[tuple[int, str, str]],
        sectors: dict[int, str],
        courses: list[_CourseInfo],
        offerings: list[_OfferingInfo],
        targets: list[_TargetInfo],
        vacancies: list[_VacancyInfo],
        built_on: date,
    ) -> None:
        self.scorer = scorer
        self.encoder = encoder
        self.reach = reach
        self.skill_label = skills
        self.skill_col = skill_col
        self.col_skill = np.array(sorted(skill_col, key=skill_col.__getitem__), dtype=np.int64)
        self.districts = districts  # (id, code, name), partition order
        self.partition = {d: i for i, (d, _, _) in enumerate(districts)}
        self.district_name = {d: name for d, _, name in districts}
        self.district_by_code = {code.upper(): d for d, code, _ in districts}
        self.online = len(districts)
        self.sectors = sectors
        self.courses = courses
        self.offerings = offerings
        self.targets = targets
        self.vacancies = vacancies
        self.built_on = built_on
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()
        # Job title -> courses that train for it (``ml.course_matching``), when one is set.
        self.course_matcher: CourseMatcher | None = None
        self.course_by_ref = {c.reference: i for i, c in enumerate(courses)}
        self.course_by_ref.update({str(c.public_id): i for i, c in enumerate(courses)})

    def courses_training_for(self, title: str) -> dict[int, float] | None:
        """Course rows that train for a job title, with the matcher's score; None without a
        matcher. An empty dict means the matcher found no course that trains for it."""
        if self.course_matcher is None or not title.strip():
            return None
        matches = self.course_matcher.match([title], top_k=COURSES_PER_JOB)[0]
        return {self.course_by_ref[m.ref]: m.score for m in matches if m.ref in self.course_by_ref}

    def embed(self, text: str) -> np.ndarray:
        """The vector of a profile or job text; recent texts are kept, as embedding one costs
        tens of milliseconds and the same learner's page is read again and again."""
        with self._vectors_lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = np.asarray(self.encoder.encode([text])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._vectors_lock:
            self._vectors[text] = vector
            while len(self._vectors) > VECTOR_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    # ---------------------------------------------------------------- building

    @classmethod
    def build(
        cls,
        session: Session,
        encoder: Encoder | None = None,
        cache_dir: str | None = None,
        today: date | None = None,
        scorer: PathwayScorer | None = None,
    ) -> PathwayIndex:
        """Read the catalogue, embed it and fit the scorer.

        Parameters
        ----------
        session : Session
        encoder : Encoder or None
            Sentence encoder; None uses the shared all-MiniLM-L6-v2 (tests pass a fake).
        cache_dir : str or None
            Where text embeddings are cached (keyed by the exact texts); None embeds every time.
        today : date or None
            Vacancies that closed before this day are left out.
        scorer : PathwayScorer or None
            An unfitted scorer with non-default parameters.
        """
        if encoder is None:
            from ml.encoder import get_encoder

            encoder = get_encoder()
        today = today or date.today()
        scorer = scorer if scorer is not None else PathwayScorer()
        reach = ReachMap.load(session)
        unknown = {SAME_DISTRICT, NEIGHBOURING, ONLINE} - set(
            scorer.travel_factors or {SAME_DISTRICT: 1, NEIGHBOURING: 1, ONLINE: 1}
        )
        if unknown:
            raise ValueError(f"the scorer's travel_factors lack {sorted(unknown)}")

        skills = dict(session.execute(sa.select(Skill.id, Skill.label).order_by(Skill.id)).all())
        skill_col = {sid: i for i, sid in enumerate(skills)}
        broader = np.array(
            [
                (skill_col[a], skill_col[b])
                for a, b in session.execute(
                    sa.select(skill_broader.c.skill_id, skill_broader.c.broader_id)
                )
            ],
            dtype=np.int64,
        ).reshape(-1, 2)
        districts = [
            (d.id, d.code, d.name)
            for d in session.scalars(sa.select(District).order_by(District.code))
        ]
        partition = {d: i for i, (d, _, _) in enumerate(districts)}
        online = len(districts)
        sectors = dict(session.execute(sa.select(Sector.id, Sector.name)).all())

        targets, target_skills = _read_targets(session, skill_col)
        target_row = {t.id: i for i, t in enumerate(targets)}
        courses, course_skills, links, course_texts = _read_courses(session, skill_col, target_row)
        course_row = {c.id: i for i, c in enumerate(courses)}
        offerings = _read_offerings(session, course_row)
        vacancies, vacancy_skills, vacancy_target, vacancy_texts = _read_vacancies(
            session, skill_col, target_row, today
        )

        n_courses = len(courses)
        max_starts = max((len(o.start_dates) for o in offerings), default=0)
        starts = np.full((len(offerings), max(max_starts, 1)), -1, dtype=np.int64)
        for i, o in enumerate(offerings):
            for j, d in enumerate(o.start_dates):
                starts[i, j] = d.toordinal()
        target_texts = [t.label for t in targets]
        occupation_descriptions = (
            dict(
                session.execute(
                    sa.select(Occupation.id, Occupation.description).where(
                        Occupation.id.in_([t.id for t in targets])
                    )
                ).all()
            )
            if targets
            else {}
        )
        target_texts = [
            f"{t.label}. {occupation_descriptions.get(t.id) or ''}".strip() for t in targets
        ]
        catalogue = Catalogue(
            n_skills=max(len(skill_col), 1),
            n_partitions=online,
            broader=broader,
            course_vectors=_embed(course_texts, encoder, cache_dir, "pathway-courses"),
            course_skills=course_skills,
            course_level=np.array([c.level or -1 for c in courses], dtype=np.int64),
            course_targets=sp.csr_matrix(
                (
                    [v for _, _, v in links],
                    ([r for r, _, _ in links], [c for _, c, _ in links]),
                ),
                shape=(n_courses, len(targets)),
                dtype=np.float32,
            ),
            offering_course=np.array([o.course_row for o in offerings], dtype=np.int64),
            offering_partition=np.array(
                [
                    partition.get(o.district_id, online) if o.district_id else online
                    for o in offerings
                ],
                dtype=np.int64,
            ),
            offering_places=np.array([o.places for o in offerings], dtype=np.int64),
            offering_starts=starts,
            target_vectors=_embed(target_texts, encoder, cache_dir, "pathway-occupations"),
            target_skills=target_skills,
            target_sector=np.array(
                [t.sector_id if t.sector_id is not None else -1 for t in targets], dtype=np.int64
            ),
            vacancy_vectors=_embed(vacancy_texts, encoder, cache_dir, "pathway-vacancies"),
            vacancy_skills=vacancy_skills,
            vacancy_partition=np.array(
                [
                    partition.get(v.district_id, online) if v.district_id else online
                    for v in vacancies
                ],
                dtype=np.int64,
            ),
            vacancy_target=np.array(vacancy_target, dtype=np.int64),
            vacancy_sector=np.array(
                [v.sector_id if v.sector_id is not None else -1 for v in vacancies],
                dtype=np.int64,
            ),
            vacancy_closing=np.array(
                [v.closing_date.toordinal() if v.closing_date else FAR_FUTURE for v in vacancies],
                dtype=np.int64,
            ),
        )
        return cls(
            scorer.fit(catalogue),
            encoder,
            reach,
            skills,
            skill_col,
            districts,
            sectors,
            courses,
            offerings,
            targets,
            vacancies,
            today,
        )

    # ---------------------------------------------------------------- helpers for queries

    def travel_from(self, home_district_id: int | None) -> list[str | None]:
        """How each partition (districts in order, then online) is reached from home."""
        out: list[str | None] = [
            self.reach.travel(home_district_id, d) for d, _, _ in self.districts
        ]
        out.append(self.reach.travel(home_district_id, None))
        return out

    def travel_table(self) -> list[list[str | None]]:
        """``travel_from`` for every home partition (the last row: no district)."""
        return [self.travel_from(d) for d, _, _ in self.districts] + [self.travel_from(None)]

    def home_partition(self, district_id: int | None) -> int:
        return self.partition.get(district_id, self.online) if district_id else self.online

    def skill_cols(self, skill_ids: Iterable[int]) -> tuple[np.ndarray, list[int]]:
        """Columns of known skill ids, and the ids that are unknown."""
        cols, unknown = [], []
        for sid in skill_ids:
            if sid in self.skill_col:
                cols.append(self.skill_col[sid])
            else:
                unknown.append(sid)
        return np.array(cols, dtype=np.int64), unknown

    def item(self, col: int, essential: frozenset[int] | bool, via: int = -1) -> SkillItem:
        sid = int(self.col_skill[col])
        ess = essential if isinstance(essential, bool) else col in essential
        return SkillItem(
            sid,
            self.skill_label.get(sid, f"skill {sid}"),
            bool(ess),
            None if via < 0 else self.skill_label.get(int(self.col_skill[via])),
        )

    def items(self, cols: np.ndarray, essential: frozenset[int]) -> list[SkillItem]:
        return [self.item(int(c), essential) for c in cols]

    def course_step(
        self, course_row: int, offering_row: int, level: int | None, travel: str, today: date
    ) -> CourseStep:
        """A course with the offering chosen for the person; ``level`` is theirs (or None)."""
        c = self.courses[course_row]
        o = self.offerings[offering_row]
        upcoming = [d for d in o.start_dates if d >= today]
        return CourseStep(
            course_id=c.id,
            public_id=c.public_id,
            reference=c.reference,
            title=c.title,
            level=c.level,
            duration_months=c.duration_months,
            max_funding=c.max_funding,
            offering_id=o.id,
            provider=o.provider,
            district=self.district_name.get(o.district_id) if o.district_id else None,
            mode=o.mode,
            travel=travel,
            next_start=min(upcoming) if upcoming else None,
            places=o.places,
            level_step=None if level is None or c.level is None else c.level - level,
        )

    def vacancy_ref(self, row: int) -> VacancyRef:
        v = self.vacancies[row]
        return VacancyRef(
            v.id,
            v.public_id,
            v.title,
            v.employer,
            self.district_name.get(v.district_id) if v.district_id else None,
            v.closing_date,
        )


def _embed(texts: list[str], encoder: Encoder, cache_dir: str | None, namespace: str) -> np.ndarray:
    dim = _dimension(encoder)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    # A copy: a cached file is memory-mapped read-only.
    vectors = np.array(embed_cached(texts, encoder, cache_dir, namespace), dtype=np.float32)
    # An empty text gives no meaning; a zero vector scores 0 against everything.
    vectors[[not t.strip() for t in texts]] = 0.0
    return vectors


def _dimension(encoder: Encoder) -> int:
    dim = getattr(encoder, "dimension", None)
    return int(dim) if dim else int(encoder.encode(["dimension"]).shape[1])


def _strength(provenance: str, score: float | None) -> float:
    """How sure a skill link is: 1 when confirmed, else its linking score; skills borrowed from
    an occupation the course or job was matched to are less sure than its own statements."""
    if provenance == "confirmed":
        return 1.0
    value = min(max(score if score is not None else 0.5, MIN_STRENGTH), 1.0)
    if provenance == "esco-occupation":
        value *= INFERRED_FROM_OCCUPATION
    return float(max(value, MIN_STRENGTH))


def _read_targets(
    session: Session, skill_col: dict[int, int]
) -> tuple[list[_TargetInfo], SkillSets]:
    """Priority-sector occupations that list at least one skill."""
    rows = session.execute(
        sa.select(Occupation.id, Occupation.label, Occupation.sector_id)
        .where(Occupation.sector_id.is_not(None))
        .order_by(Occupation.id)
    ).all()
    rel: dict[int, list[tuple[int, bool]]] = {}
    for occ, skill, relation in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .join(Occupation, Occupation.id == OccupationSkill.occupation_id)
        .where(Occupation.sector_id.is_not(None))
    ):
        rel.setdefault(occ, []).append((skill_col[skill], relation == "essential"))
    targets = [_TargetInfo(i, label, sector) for i, label, sector in rows if rel.get(i)]
    sets = SkillSets.from_lists(
        [[c for c, _ in rel[t.id]] for t in targets],
        essential=[[e for _, e in rel[t.id]] for t in targets],
    )
    return targets, sets


def _read_courses(
    session: Session, skill_col: dict[int, int], target_row: dict[int, int]
) -> tuple[list[_CourseInfo], SkillSets, list[tuple[int, int, float]], list[str]]:
    courses = list(
        session.scalars(
            sa.select(Course)
            .options(selectinload(Course.skills), selectinload(Course.occupations))
            .order_by(Course.id)
        )
    )
    infos, cols, strengths, texts = [], [], [], []
    links: list[tuple[int, int, float]] = []
    for i, c in enumerate(courses):
        infos.append(
            _CourseInfo(
                c.id, c.public_id, c.reference, c.title, c.level, c.duration_months, c.max_funding
            )
        )
        skills: list[CourseSkill] = list(c.skills)
        cols.append([skill_col[s.skill_id] for s in skills])
        strengths.append([_strength(s.provenance, s.score) for s in skills])
        occupations: list[CourseOccupation] = list(c.occupations)
        for link in occupations:
            if link.occupation_id in target_row:
                links.append(
                    (
                        i,
                        target_row[link.occupation_id],
                        float(min(max(link.score, MIN_STRENGTH), 1.0)),
                    )
                )
        jobs = "; ".join((c.job_titles or [])[:8])
        texts.append(f"{c.title}. {c.overview or ''} {'Typical jobs: ' + jobs if jobs else ''}")
    return infos, SkillSets.from_lists(cols, strength=strengths), links, texts


def _read_offerings(session: Session, course_row: dict[int, int]) -> list[_OfferingInfo]:
    rows = session.execute(
        sa.select(
            CourseOffering.id,
            CourseOffering.course_id,
            Provider.name,
            CourseOffering.district_id,
            CourseOffering.mode,
            CourseOffering.start_dates,
            CourseOffering.places,
        )
        .join(Provider, Provider.id == CourseOffering.provider_id)
        .order_by(CourseOffering.id)
    ).all()
    out = []
    for oid, cid, provider, district, mode, starts, places in rows:
        dates = []
        for d in starts or []:
            try:
                dates.append(date.fromisoformat(str(d)))
            except ValueError:
                continue  # a malformed date is no start date; the offering still counts
        out.append(
            _OfferingInfo(
                oid,
                course_row[cid],
                provider,
                district,
                mode,
                tuple(sorted(dates)),
                int(places or 0),
            )
        )
    return out


def _read_vacancies(
    session: Session, skill_col: dict[int, int], target_row: dict[int, int], today: date
) -> tuple[list[_VacancyInfo], SkillSets, list[int], list[str]]:
    """Live vacancies with their skills; a vacancy whose advert gave none borrows its
    occupation's ESCO skills, marked as less sure."""
    vacancies = list(
        session.scalars(
            sa.select(Vacancy)
            .options(selectinload(Vacancy.skills))
            .where(sa.or_(Vacancy.closing_date.is_(None), Vacancy.closing_date >= today))
            .order_by(Vacancy.id)
        )
    )
    occupation_skills = _occupation_skills(
        session, {v.occupation_id for v in vacancies if not v.skills and v.occupation_id}
    )
    infos, cols, ess, strengths, texts, target = [], [], [], [], [], []
    for v in vacancies:
        infos.append(
            _VacancyInfo(
                v.id,
                v.public_id,
                v.title,
                v.employer_name,
                v.district_id,
                v.closing_date,
                v.sector_id,
            )
        )
        c, e, s = _vacancy_skill_rows(
            v.skills, occupation_skills.get(v.occupation_id or -1, []), skill_col
        )
        cols.append(c)
        ess.append(e)
        strengths.append(s)
        target.append(target_row.get(v.occupation_id or -1, -1))
        texts.append(f"{v.title}. {(v.description or '')[:1500]}")
    return infos, SkillSets.from_lists(cols, ess, strengths), target, texts


def _vacancy_skill_rows(
    skills: Sequence[VacancySkill], fallback: Sequence[tuple[int, bool]], skill_col: dict[int, int]
) -> tuple[list[int], list[bool], list[float]]:
    if skills:
        return (
            [skill_col[s.skill_id] for s in skills],
            [s.importance == "essential" for s in skills],
            [_strength(s.provenance, s.score) for s in skills],
        )
    return (
        [skill_col[s] for s, _ in fallback],
        [e for _, e in fallback],
        [INFERRED_FROM_OCCUPATION] * len(fallback),
    )


def _occupation_skills(session: Session, ids: Iterable[int]) -> dict[int, list[tuple[int, bool]]]:
    ids = list(ids)
    out: dict[int, list[tuple[int, bool]]] = {}
    if not ids:
        return out
    for occ, skill, relation in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .where(OccupationSkill.occupation_id.in_(ids))
        .order_by(OccupationSkill.skill_id)
    ):
        out.setdefault(occ, []).append((skill, relation == "essential"))
    return out


# --------------------------------------------------------------------------------------------
# The app's index


_lock = threading.Lock()


def get_pathway_index(app: Flask | None = None, encoder: Encoder | None = None) -> PathwayIndex:
    """The app's fitted index, built on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    index = app.extensions.get(EXTENSION_KEY)
    if index is None:
        with _lock:
            index = app.extensions.get(EXTENSION_KEY)
            if index is None:
                index = rebuild_pathway_index(app, encoder)
    return index  # type: ignore[no-any-return]


def rebuild_pathway_index(app: Flask | None = None, encoder: Encoder | None = None) -> PathwayIndex:
    """Build the index from the database now and replace the app's copy."""
    from skillsmatch.extensions import db

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        index = PathwayIndex.build(
            db.session, encoder=encoder, cache_dir=app.config.get("CACHE_DIR")
        )
        if encoder is None and app.config.get("CACHE_DIR"):
            from skillsmatch.services.course_matching import get_course_matcher

            index.course_matcher, _ = get_course_matcher(app.config["CACHE_DIR"], db.session)
    app.extensions[EXTENSION_KEY] = index
    return index


# --------------------------------------------------------------------------------------------
# Explanations


def _score_view(scored: Scored, labels: dict[str, str] | None = None) -> ScoreView:
    names = {**PART_LABELS, **(labels or {})}
    parts = sorted(
        ((names.get(k, k), round(100 * v, 1)) for k, v in scored.contributions.items() if v),
        key=lambda p: -abs(p[1]),
    )
    n, weak = scored.n_evidence, scored.n_weak
    if n == 0:
        reason = "no skills in common yet: the match rests on text similarity and practicalities"
    else:
        reason = f"based on {n} skill{'s' if n != 1 else ''}"
        if weak:
            reason += (
                f", {weak} of them weakly linked"
                if weak < n
                else (", all weakly linked" if n > 1 else ", weakly linked")
            )
    return ScoreView(round(100 * scored.score), parts, scored.confidence_label, reason, scored)


def _names(items: Sequence[SkillItem], limit: int = 6) -> str:
    names = [s.label for s in items[:limit]]
    more = len(items) - limit
    text = ", ".join(names)
    return text + (f" and {more} more" if more > 0 else "")


def _when(d: date | None) -> str:
    return d.strftime("%-d %B %Y") if d else "no start date listed (ask the provider)"


def _step_words(step: int | None) -> str:
    if step is None:
        return ""
    if step == 0:
        return "at your level"
    if step < 0:
        return f"{-step} level{'s' if step < -1 else ''} below yours"
    return f"{step} level{'s' if step > 1 else ''} up from yours"


def _course_words(step: CourseStep) -> str:
    where = step.travel if step.travel != ONLINE else "online"
    place = f"{step.provider}" + (f", {step.district}" if step.district else "")
    bits = [f"Level {step.level}" if step.level else "level not given"]
    if step.level_step is not None:
        bits.append(_step_words(step.level_step))
    if step.duration_months:
        bits.append(f"{step.duration_months} months")
    if step.max_funding:
        bits.append(f"funding up to £{step.max_funding:,}")
    return (
        f"{step.title} at {place} ({where}; next start {_when(step.next_start)}; "
        f"{step.places} places; {', '.join(bits)})"
    )


def _explain_pathway(p: Pathway) -> str:
    first = p.courses[0]
    text = [f"{_course_words(first)}"]
    if len(p.courses) == 2:
        text.append(f"then {_course_words(p.courses[1])}")
    text = [
        " ".join(text) + f" leads towards {p.occupation}" + (f" ({p.sector})." if p.sector else ".")
    ]
    n_total = len(p.have) + len(p.adds) + len(p.adds_second) + len(p.partly) + len(p.missing)
    text.append(
        f"You already have {len(p.have)} of the {n_total} skills it asks for"
        + (f": {_names(p.have)}." if p.have else ".")
    )
    if p.partly:
        text.append(
            "Partly covered through a related, narrower skill: "
            + "; ".join(f"{s.label} (by {s.via})" if s.via else s.label for s in p.partly[:4])
            + "."
        )
    text.append(
        f"The course adds {len(p.adds)}: {_names(p.adds)}."
        if p.adds
        else "The first course adds none of them directly."
    )
    if len(p.courses) == 2:
        text.append(f"The second course adds {len(p.adds_second)}: {_names(p.adds_second)}.")
    ess = [s for s in p.missing if s.essential]
    opt = [s for s in p.missing if not s.essential]
    if ess or opt:
        parts = []
        if ess:
            parts.append(f"{len(ess)} essential ({_names(ess)})")
        if opt:
            parts.append(f"{len(opt)} optional ({_names(opt, 3)})")
        text.append("Still missing afterwards: " + "; ".join(parts) + ".")
    else:
        text.append("Nothing it asks for would still be missing.")
    text.append(f"Skills covered: {p.coverage_now}% now, {p.coverage_after}% after.")
    if p.n_vacancies:
        text.append(
            f"{p.n_vacancies} live vacanc{'ies' if p.n_vacancies != 1 else 'y'} for this "
            "job in your reach."
        )
    elif p.n_sector_vacancies:
        text.append(
            f"No live vacancy for this exact job in your reach, but "
            f"{p.n_sector_vacancies} in the {p.sector} sector."
        )
    else:
        text.append("No live vacancy for it in your reach at the moment.")
    text.append(_score_words(p.score))
    return " ".join(text)


def _score_words(score: ScoreView) -> str:
    parts = ", ".join(f"{label} {value:+.0f}" for label, value in score.parts[:4])
    return (
        f"Match {score.score}/100 ({parts}). Confidence {score.confidence}: "
        f"{score.confidence_reason}."
    )


# --------------------------------------------------------------------------------------------
# Learner -> pathways


def recommend_pathways(
    index: PathwayIndex,
    learner: Learner | LearnerProfile,
    today: date | None = None,
) -> LearnerPathways:
    """Rank pathways, two-step pathways and ready-now vacancies for a learner.

    Parameters
    ----------
    index : PathwayIndex
    learner : Learner or LearnerProfile
        A stored learner (only their confirmed skills count) or a profile built from a form.
    today : date or None
        For start dates and closing dates; None is today.
    """
    profile = learner if isinstance(learner, LearnerProfile) else profile_of(learner)
    today = today or date.today()
    notices: list[Notice] = []

    home = profile.district_id
    if home is None and profile.district_code:
        home = index.district_by_code.get(profile.district_code.strip().upper())
        if home is None:
            notices.append(
                Notice(
                    "district-outside-area",
                    f"'{profile.district_code}' is not one of the 14 districts of {GREATER_ESSEX} "
                    "that SkillsMatch covers, so only online courses and vacancies without a "
                    "location are shown. Choose a district in Greater Essex to see courses nearby.",
                )
            )
    elif home is not None and home not in index.partition:
        notices.append(
            Notice(
                "district-outside-area",
                f"Your district is not one of the 14 districts of {GREATER_ESSEX}, so only online "
                "courses are shown.",
            )
        )
        home = None
    elif home is None:
        notices.append(
            Notice(
                "no-district",
                "Your district is not set, so only online courses and vacancies without a location "
                "are shown. Add your district to see courses and jobs near you.",
            )
        )

    cols, unknown = index.skill_cols(profile.skill_ids)
    if not len(cols):
        pending = len(profile.pending_skill_ids)
        notices.append(
            Notice(
                "no-skills",
                "You have no confirmed skills yet, so these suggestions rest only on your sectors, "
                "location and profile text, and every skill a job needs counts as still to learn. "
                + (
                    f"Confirm the {pending} skill{'s' if pending != 1 else ''} suggested from your "
                    "profile, or add skills, to see what you already have."
                    if pending
                    else "Add the skills you have, or describe your experience, to see what you "
                    "already have."
                ),
            )
        )
    if not profile.sector_ids:
        notices.append(
            Notice(
                "no-sectors",
                "You have not chosen sectors of interest, so pathways into all seven priority "
                "sectors are shown.",
            )
        )

    query = LearnerQuery(
        vector=_learner_vector(index, profile),
        skills=cols,
        strength=np.ones(len(cols), dtype=np.float32),
        level=profile.level,
        sectors=frozenset(profile.sector_ids),
        travel=index.travel_from(home),
        today=today.toordinal(),
    )
    rec = index.scorer.recommend(query)

    if len(cols) and len(rec.unmatched_skills):
        unmatched = [index.skill_label[int(index.col_skill[c])] for c in rec.unmatched_skills]
        everything = len(rec.unmatched_skills) == len(cols)
        notices.append(
            Notice(
                "skills-unmatched",
                ("None of your confirmed skills" if everything else "Some of your skills")
                + f" ({_names([SkillItem(0, u, False) for u in unmatched])}) "
                + ("is" if len(unmatched) == 1 else "are")
                + " taught by a course or asked for by an occupation or vacancy in SkillsMatch, so "
                + (
                    "no pathway can build on them yet. The pathways below start from scratch."
                    if everything
                    else "they do not count towards these pathways."
                ),
            )
        )
    if rec.n_courses_in_reach == 0:
        notices.append(
            Notice(
                "no-courses-in-reach",
                "No course with free places is in your reach"
                + ("" if home is None else f" from {index.district_name.get(home)}")
                + " at a level you can start, so there are no course pathways to show.",
            )
        )
    elif not rec.pathways:
        notices.append(
            Notice(
                "no-pathways",
                "No course in your reach teaches a skill that the occupations in your sectors ask "
                "for and you do not already have.",
            )
        )

    by_sector = rec.vacancies_by_sector
    pathways = [_pathway_view(index, p, profile, by_sector, today) for p in rec.pathways]
    two_step = [_pathway_view(index, p, profile, by_sector, today) for p in rec.two_step]
    ready = [_vacancy_view(index, m) for m in rec.ready_now]
    close = [_vacancy_view(index, m) for m in rec.close]
    if not ready and len(cols):
        threshold = round(100 * index.scorer.ready_threshold)
        notices.append(
            Notice(
                "none-ready-now",
                "There are no live vacancies in your reach at the moment."
                if not rec.n_vacancies_in_reach
                else f"You are not yet ready for any of the {rec.n_vacancies_in_reach} live "
                f"vacancies in your reach: SkillsMatch counts you ready when you have at least "
                f"{threshold}% of a job's essential skills.",
            )
        )
    return LearnerPathways(pathways, two_step, ready, close, notices)


def _learner_vector(index: PathwayIndex, profile: LearnerProfile) -> np.ndarray:
    labels = [index.skill_label[s] for s in profile.skill_ids if s in index.skill_label]
    sectors = [index.sectors[s] for s in profile.sector_ids if s in index.sectors]
    text = " ".join(
        part
        for part in (
            profile.about.strip(),
            f"Skills: {'; '.join(labels)}." if labels else "",
            f"Interested in {', '.join(sectors)}." if sectors else "",
        )
        if part
    )
    if not text:
        return np.zeros(_dimension(index.encoder), dtype=np.float32)
    return index.embed(text)


def _pathway_view(
    index: PathwayIndex,
    p: PathwayScore,
    profile: LearnerProfile,
    by_sector: dict[int, int],
    today: date,
) -> Pathway:
    first = index.course_step(p.course, p.offering, profile.level, p.travel, today)
    steps = [first]
    if p.second_course >= 0:
        # The second course's level step counts from where the first leaves the learner.
        base = profile.level
        if first.level is not None and (base is None or first.level > base):
            base = first.level
        steps.append(
            index.course_step(
                p.second_course, p.second_offering, base, p.second_travel or "", today
            )
        )
    target = index.targets[p.target]
    b: SkillBreakdown = p.skills
    durations = [s.duration_months for s in steps]
    funding = [s.max_funding for s in steps]
    view = Pathway(
        courses=steps,
        occupation_id=target.id,
        occupation=target.label,
        sector=index.sectors.get(target.sector_id) if target.sector_id else None,
        have=index.items(b.have, b.essential),
        adds=index.items(b.adds, b.essential),
        adds_second=index.items(b.adds_second, b.essential),
        partly=[
            index.item(int(c), b.essential, int(v))
            for c, v in zip(b.partly, b.partly_from, strict=True)
        ],
        missing=index.items(b.missing, b.essential),
        coverage_now=round(100 * p.coverage_now),
        coverage_after=round(100 * p.coverage_after),
        duration_months=sum(d for d in durations if d) if all(durations) else None,
        funding=sum(f for f in funding if f) if all(funding) else None,
        vacancies=[index.vacancy_ref(int(v)) for v in p.vacancies],
        n_vacancies=p.n_vacancies,
        n_sector_vacancies=by_sector.get(target.sector_id or -1, 0),
        score=_score_view(p.scored),
        explanation="",
    )
    return replace(view, explanation=_explain_pathway(view))


def _vacancy_view(index: PathwayIndex, m: VacancyMatch) -> VacancyMatchView:
    b = m.skills
    ref = index.vacancy_ref(m.vacancy)
    have = index.items(b.have, b.essential)
    partly = [
        index.item(int(c), b.essential, int(v))
        for c, v in zip(b.partly, b.partly_from, strict=True)
    ]
    missing = index.items(b.missing, b.essential)
    score = _score_view(m.scored, DIRECT_PART_LABELS)
    where = ref.district or "no location given"
    job = f"{ref.title} at {ref.employer or 'an employer'} ({where}, {m.travel})"
    lead = f"You could apply now for {job}" if m.ready else f"{job} is close"
    ess_missing = [s for s in missing if s.essential]
    text = (
        f"{lead}: you have {round(100 * m.essential_coverage)}% of its essential skills"
        + (f" ({_names(have)})" if have else "")
        + "."
        + (f" Still to show: {_names(ess_missing)} (essential)." if ess_missing else "")
        + (
            f" Optional skills you could add: {_names([s for s in missing if not s.essential], 3)}."
            if any(not s.essential for s in missing)
            else ""
        )
        + " "
        + _score_words(score)
    )
    return VacancyMatchView(
        vacancy=ref,
        ready=m.ready,
        travel=m.travel,
        have=have,
        partly=partly,
        missing=missing,
        coverage=round(100 * m.coverage),
        essential_coverage=round(100 * m.essential_coverage),
        score=score,
        explanation=text,
    )


# --------------------------------------------------------------------------------------------
# Vacancy / skill demand -> provision and the learner pipeline


@dataclass(frozen=True)
class _Job:
    kind: str
    id: int
    title: str
    district_id: int | None
    sector_id: int | None
    occupation_id: int | None
    skills: list[tuple[int, bool, float]]  # skill id, essential, strength
    text: str
    skills_from: str  # "stated", "occupation", "text" or "none"


SkillExtractor = Callable[[str], Sequence[tuple[int, float]]]


def _job_from_vacancy(session: Session, vacancy: Vacancy, extract: SkillExtractor | None) -> _Job:
    skills: list[tuple[int, bool, float]] = [
        (s.skill_id, s.importance == "essential", _strength(s.provenance, s.score))
        for s in vacancy.skills
    ]
    source = "stated"
    if not skills and vacancy.occupation_id:
        skills = [
            (sid, ess, INFERRED_FROM_OCCUPATION)
            for sid, ess in _occupation_skills(session, [vacancy.occupation_id]).get(
                vacancy.occupation_id, []
            )
        ]
        source = "occupation"
    text = f"{vacancy.title}. {vacancy.description or ''}".strip()
    if not skills and extract is not None:
        skills = [(sid, True, _strength("advert", score)) for sid, score in extract(text)]
        source = "text"
    return _Job(
        "vacancy",
        vacancy.id,
        vacancy.title,
        vacancy.district_id,
        vacancy.sector_id,
        vacancy.occupation_id,
        skills,
        text,
        source if skills else "none",
    )


def _job_from_demand(session: Session, demand: SkillDemand) -> _Job:
    skills = [(s.skill_id, s.importance == "essential", 1.0) for s in demand.skills]
    source = "stated"
    if not skills and demand.occupation_id:
        skills = [
            (sid, ess, INFERRED_FROM_OCCUPATION)
            for sid, ess in _occupation_skills(session, [demand.occupation_id]).get(
                demand.occupation_id, []
            )
        ]
        source = "occupation"
    return _Job(
        "demand",
        demand.id,
        demand.title,
        demand.district_id,
        demand.sector_id,
        demand.occupation_id,
        skills,
        demand.title,
        source if skills else "none",
    )


def provision_for_vacancy(
    index: PathwayIndex,
    session: Session,
    vacancy: Vacancy,
    extract: SkillExtractor | None = None,
    today: date | None = None,
    with_pipeline: bool = True,
) -> ProvisionResult:
    """Courses in reach of a vacancy's location that supply its skills, ranked, with coverage
    of its essential and optional skills in %, and how many learners are heading there.

    ``extract`` (text -> [(skill id, score)]) is tried on the advert when the vacancy has no
    stated skills and no occupation to borrow them from.
    """
    return _provision(
        index, session, _job_from_vacancy(session, vacancy, extract), today, with_pipeline
    )


def provision_for_demand(
    index: PathwayIndex,
    session: Session,
    demand: SkillDemand,
    today: date | None = None,
    with_pipeline: bool = True,
) -> ProvisionResult:
    """As ``provision_for_vacancy``, for an employer's skill demand."""
    return _provision(index, session, _job_from_demand(session, demand), today, with_pipeline)


def _job_requirement(index: PathwayIndex, job: _Job) -> tuple[SkillSets, list[int]]:
    known = [(index.skill_col[s], e, st) for s, e, st in job.skills if s in index.skill_col]
    unknown = [s for s, _, _ in job.skills if s not in index.skill_col]
    req = SkillSets.from_lists(
        [[c for c, _, _ in known]], [[e for _, e, _ in known]], [[st for _, _, st in known]]
    )
    return req, unknown


def _provision(
    index: PathwayIndex, session: Session, job: _Job, today: date | None, with_pipeline: bool
) -> ProvisionResult:
    today = today or date.today()
    notices: list[Notice] = []
    req, _ = _job_requirement(index, job)
    cols, ess, _ = req.row(0)
    essential_cols = frozenset(int(c) for c in cols[ess])
    essential = [index.item(int(c), True) for c in cols[ess]]
    optional = [index.item(int(c), False) for c in cols[~ess]]
    district = index.district_name.get(job.district_id) if job.district_id else None
    if job.district_id is not None and job.district_id not in index.partition:
        notices.append(
            Notice(
                "district-outside-area",
                f"This {job.kind} is not located in {GREATER_ESSEX}, so only online courses are "
                "considered.",
            )
        )
    elif job.district_id is None:
        notices.append(
            Notice(
                f"{job.kind}-no-district",
                f"This {job.kind} has no location, so only online courses are considered.",
            )
        )
    if not len(cols):
        notices.append(
            Notice(
                "no-skills-in-" + job.kind,
                f"No skills could be found for this {job.kind} ('{job.title}'): it states none, "
                "it is linked to no occupation to borrow them from"
                + (", and none were recognised in its text" if job.kind == "vacancy" else "")
                + ". Add the skills it needs to see which courses supply them.",
            )
        )
        return ProvisionResult(job.kind, job.id, job.title, district, [], [], [], None, notices)
    if job.skills_from == "occupation":
        notices.append(
            Notice(
                "skills-from-occupation",
                f"This {job.kind} states no skills, so those of its occupation are used.",
            )
        )
    elif job.skills_from == "text":
        notices.append(
            Notice(
                "skills-from-text",
                "This vacancy states no skills, so those recognised in its advert text are used.",
            )
        )
    home = job.district_id if job.district_id in index.partition else None
    travel = index.travel_from(home)
    vector = _dimension_zero(index) if not job.text.strip() else index.embed(job.text)
    found = index.scorer.provision(req, vector, travel)
    training = index.courses_training_for(job.title)
    if training is not None:
        # Supplying some of a job's skills is not training for it: keep the courses the title
        # matcher says lead to this job, most relevant first.
        found = sorted(
            (p for p in found if p.course in training), key=lambda p: -training[p.course]
        )
        if not training:
            notices.append(
                Notice(
                    "no-course-trains",
                    f"No course in the catalogue trains for '{job.title}'.",
                )
            )
        elif not found:
            names = sorted({index.courses[c].title for c in training})
            notices.append(
                Notice(
                    "training-out-of-reach",
                    f"Courses that train for '{job.title}' ({', '.join(names[:3])}"
                    + (f" and {len(names) - 3} more" if len(names) > 3 else "")
                    + f") have no offering in reach of {district or 'this location'}.",
                )
            )
    courses = [_provision_view(index, p, essential_cols, today) for p in found]
    if not courses and training is None:
        notices.append(
            Notice(
                "no-provision",
                f"No course in reach of {district or 'this location'} supplies any of the "
                f"{len(cols)} skills this {job.kind} asks for: a gap in provision.",
            )
        )
    pipeline = _pipeline(index, session, job, req, today, named=False) if with_pipeline else None
    return ProvisionResult(
        job.kind, job.id, job.title, district, essential, optional, courses, pipeline, notices
    )


def _dimension_zero(index: PathwayIndex) -> np.ndarray:
    return np.zeros(_dimension(index.encoder), dtype=np.float32)


def _provision_view(
    index: PathwayIndex, p: ProvisionScore, essential: frozenset[int], today: date
) -> ProvisionCourse:
    step = index.course_step(p.course, p.offering, None, p.travel, today)
    covered = index.items(p.covered, essential)
    partly = index.items(p.partly, essential)
    score = _score_view(p.scored)
    ess_pct = round(100 * p.essential_coverage)
    opt_pct = round(100 * p.optional_coverage)
    text = (
        f"{_course_words(step)} supplies {ess_pct}% of the essential skills and {opt_pct}% of "
        f"the optional ones"
        + (f": {_names(covered)}" if covered else "")
        + "."
        + (f" Partly: {_names(partly, 3)}." if partly else "")
        + " "
        + _score_words(score)
    )
    return ProvisionCourse(step, ess_pct, opt_pct, covered, partly, score, text)


def learner_pipeline(
    index: PathwayIndex,
    session: Session,
    target: Vacancy | SkillDemand,
    today: date | None = None,
) -> PipelineResult:
    """Learners ready for a vacancy or demand now or on a pathway to it, with the names of
    those who agreed to be visible to employers (for employers' pages only)."""
    job = (
        _job_from_vacancy(session, target, None)
        if isinstance(target, Vacancy)
        else _job_from_demand(session, target)
    )
    req, _ = _job_requirement(index, job)
    return _pipeline(index, session, job, req, today or date.today(), named=True)


def _pipeline(
    index: PathwayIndex, session: Session, job: _Job, req: SkillSets, today: date, named: bool
) -> PipelineResult:
    """Learners interested in the job's sector (or in none chosen), who can reach its location,
    with confirmed skills: ready now, or a course in their reach gets them there."""
    saved = (
        saved_pathway_counts(session, [job.occupation_id]).get(job.occupation_id, 0)
        if job.occupation_id is not None
        else 0
    )
    if not len(req.row(0)[0]):
        return PipelineResult(0, 0, 0, saved=saved)
    learners = list(
        session.scalars(
            sa.select(Learner)
            .options(
                selectinload(Learner.skills),
                selectinload(Learner.sectors),
                selectinload(Learner.user),
            )
            .where(Learner.skills.any(LearnerSkill.confirmed.is_(True)))
            .order_by(Learner.id)
        )
    )
    job_home = job.district_id if job.district_id in index.partition else None
    chosen = []
    for learner in learners:
        sectors = {s.id for s in learner.sectors}
        if sectors and job.sector_id is not None and job.sector_id not in sectors:
            continue
        # The learner must be able to get to the job: the same rule as for courses.
        if index.reach.travel(learner.district_id, job_home) is None:
            continue
        chosen.append(learner)
    if not chosen:
        return PipelineResult(0, 0, 0, saved=saved)
    sets = SkillSets.from_lists(
        [
            [
                index.skill_col[s.skill_id]
                for s in lr.skills
                if s.confirmed and s.skill_id in index.skill_col
            ]
            for lr in chosen
        ]
    )
    counts = index.scorer.pipeline(
        req,
        sets,
        np.array([index.home_partition(lr.district_id) for lr in chosen], dtype=np.int64),
        np.array([lr.level if lr.level is not None else -1 for lr in chosen], dtype=np.int64),
        index.travel_table(),
        today.toordinal(),
    )
    people: list[LearnerRef] = []
    if named:
        for i, lr in enumerate(chosen):
            if not lr.visible_to_employers or not (counts.ready[i] or counts.via_course[i]):
                continue
            course = (
                index.courses[int(counts.best_course[i])].title
                if counts.best_course[i] >= 0
                else None
            )
            people.append(
                LearnerRef(
                    lr.id,
                    lr.public_id,
                    (lr.user.display_name if lr.user else "") or "A learner",
                    index.district_name.get(lr.district_id) if lr.district_id else None,
                    "ready now" if counts.ready[i] else "on a pathway",
                    course,
                )
            )
    return PipelineResult(
        ready_now=int(counts.ready.sum()),
        on_pathway=int((counts.via_course & ~counts.ready).sum()),
        considered=len(chosen),
        named=people,
        saved=saved,
    )


def saved_pathway_counts(
    session: Session, occupation_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Occupation id -> how many learners saved a pathway towards it (counts only)."""
    query = sa.select(
        SavedPathway.occupation_id, sa.func.count(sa.distinct(SavedPathway.learner_id))
    ).group_by(SavedPathway.occupation_id)
    if occupation_ids is not None:
        ids = list(set(occupation_ids))
        if not ids:
            return {}
        query = query.where(SavedPathway.occupation_id.in_(ids))
    return {oid: int(n) for oid, n in session.execute(query)}
