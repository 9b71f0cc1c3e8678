"""The fitted pathway index, and the web app's shared copy of it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from ml.course_matching import CourseMatcher
from ml.encoder import Encoder
from ml.pathway_scoring import Catalogue, PathwayScorer
from ml.taxonomy import embed_cached
from skillsmatch.models import (
    District,
    Occupation,
    Sector,
    Skill,
    current_revision,
    skill_broader,
)
from skillsmatch.services.pathways.readers import (
    _CourseInfo,
    _OfferingInfo,
    _read_courses,
    _read_offerings,
    _read_targets,
    _read_vacancies,
    _TargetInfo,
    _VacancyInfo,
)
from skillsmatch.services.pathways.views import CourseStep, SkillItem, VacancyRef
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT, ReachMap

__all__ = ["EXTENSION_KEY", "PathwayIndex", "get_pathway_index", "rebuild_pathway_index"]

EXTENSION_KEY = "pathway_index"
VECTOR_CACHE_SIZE = 4096
# Courses the title matcher may name as training for one job.
COURSES_PER_JOB = 10
FAR_FUTURE = date.max.toordinal()


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
        revision: int = 0,
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
        # The catalogue revision read before the catalogue itself: a change made while the
        # index was being built leaves it stale, never silently missing.
        self.revision = revision
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
        revision = current_revision(session)
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
            revision,
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


# --------------------------------------------------------------------------------------------
# The app's index


_lock = threading.Lock()
REFRESH_KEY = "pathway_index_refresh"


def get_pathway_index(app: Flask | None = None, encoder: Encoder | None = None) -> PathwayIndex:
    """The app's fitted index: built on first use, refreshed once the catalogue or the day moves.

    Any process may change the catalogue, so each call compares the index's catalogue revision
    with the database's (one single-row read). With ``PATHWAY_INDEX_REFRESH = "background"`` (the
    default) a stale index keeps answering while a thread builds its successor, so no request
    waits the seconds a rebuild takes; with ``"now"`` the calling request rebuilds it.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    index: PathwayIndex | None = app.extensions.get(EXTENSION_KEY)
    if index is None:
        with _lock:
            index = app.extensions.get(EXTENSION_KEY)
            if index is None:
                index = rebuild_pathway_index(app, encoder)
        return index
    if index.built_on == date.today() and index.revision == _revision_now(app):
        return index
    if app.config.get("PATHWAY_INDEX_REFRESH", "background") == "background":
        _refresh_in_background(app, encoder)
        return index
    with _lock:
        if app.extensions.get(EXTENSION_KEY) is index:
            return rebuild_pathway_index(app, encoder)
    return app.extensions[EXTENSION_KEY]  # type: ignore[no-any-return]


def _revision_now(app: Flask) -> int:
    from skillsmatch.extensions import db

    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        return current_revision(db.session)
    with app.app_context():
        return current_revision(db.session)


def _refresh_in_background(app: Flask, encoder: Encoder | None) -> None:
    """Start one thread rebuilding the index, unless one is already at it."""
    with _lock:
        running: threading.Thread | None = app.extensions.get(REFRESH_KEY)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_rebuild_or_log, args=(app, encoder), name="pathway-index-refresh", daemon=True
        )
        app.extensions[REFRESH_KEY] = thread
        thread.start()


def _rebuild_or_log(app: Flask, encoder: Encoder | None) -> None:
    try:
        rebuild_pathway_index(app, encoder)
    except Exception:  # the old index keeps serving; the next request tries again
        app.logger.exception("pathway index refresh failed")


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
