"""Pathway and provision weights: a labelled evaluation from real data, and the search on it.

    .venv/bin/python -m bench.bench_pathway_weights [--fit] [--today YYYY-MM-DD]

Gold comes from the approved apprenticeship standards, each listing typical job titles. Their
distinct titles are split as in ``bench.bench_course_matching`` (same function, same seed): half
*indexed*, a quarter *dev*, a quarter *test*. The catalogue is the loaded database
(``skillsmatch load-all``), copied into memory and stripped of every held-out title: a standard
keeps only its indexed titles (which its text embeds); a link to an ESCO occupation stays when
the loader recorded it from the name or an indexed title, or when the site's title normaliser
leads the name or an indexed title there too; ``esco-occupation`` skills stay only where they
are essential skills of a link that stays. (A kept link keeps its stored score, the best over
all of the standard's titles.) The pathway index is then built from that copy as the site
builds it.

Each held-out title T whose standards have an offering somewhere gives one query per task:

* learner: "I would like a job as T." as the profile text; skills drawn (seeded per title) from
  the ESCO occupation the title normaliser gives T or, half the time, from another occupation
  of the same ISCO-08 unit group: a random 25-50% of its optional skills and at most a quarter
  of its essential ones (rounded down), never the target's whole profile; a home district from
  which an offering of a gold standard is in reach (same or neighbouring district, or online);
  the level of that standard or one below; no sectors chosen. Gold: pathways whose course lists
  T.
* vacancy: a vacancy titled T with no advert text in the learner's district; its skills are
  those of the occupation T normalises to (as for any vacancy stating none). Gold: courses
  listing T among the scorer's provision.

Metrics: MRR, R@1, R@5 and R@10 of the first gold course in the top 10 (pathways in the order
a learner sees them). ``--fit`` searches the weights on dev queries only (random points on the
simplex, then moves of 0.05 between parts while dev MRR improves), re-scoring part values
computed once per query, and writes ``ml/pathway_weights.json``. The table ranks with
``PathwayScorer.recommend`` and ``PathwayScorer.provision`` themselves (queries built as the
site's services build them) and checks that the fast re-scoring agrees with them.

The jobs part (live vacancies for the target in reach) is not tuned: the only vacancies loaded
are NHS adverts that closed in 2021, so it is 0 for every pathway and the data cannot tell its
weight; it keeps its hand-set share.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session, selectinload  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from bench.bench_course_matching import SEED, _key, metrics, split_titles  # noqa: E402
from bench.console import say  # noqa: E402
from ml.pathway_scoring import Catalogue, LearnerQuery, PathwayScorer, SkillSets  # noqa: E402
from ml.pathway_scoring.defaults import WEIGHTS_FILE  # noqa: E402
from ml.vector_index import top_k  # noqa: E402
from skillsmatch.config import DATA_DIR, PROJECT_ROOT  # noqa: E402
from skillsmatch.services.course_matching import standards_table  # noqa: E402
from skillsmatch.services.pathways.index import PathwayIndex  # noqa: E402

DATABASE = PROJECT_ROOT / "instance" / "skillsmatch.sqlite3"
QUERY_SEED = 7
DEPTH = 10
N_RANDOM = 200  # random points on the simplex
MAX_CANDIDATES = 300  # random points and coordinate moves together
STEP = 0.05
# A product rule, not tuned: the skill parts, what a person can show and act on, carry at least
# this share of every score. The evaluation's learners name the very job they want, which rewards
# profile similarity; left free, the search drives the skill parts to almost nothing (skills
# 0.02, gain 0.01), and a pathway's ranking would then ignore what the person can do.
SKILL_FLOOR = 0.30
SKILL_PARTS = {"pathway": ("skills", "gain"), "provision": ("essential", "optional")}
TEMPLATE = "I would like a job as {title}."
OPTIONAL_SHARE = (0.25, 0.5)
ESSENTIAL_SHARE = (0.0, 0.25)


# ------------------------------------------------------------------------------- the held-out index


def index_links(
    courses: pd.DataFrame,
    part: Mapping[str, str],
    occupation_of: Mapping[str, tuple[str, float]],
) -> dict[str, dict[str, float]]:
    """Standard ref -> {occupation uri: score} from its name and indexed job titles only.

    ``occupation_of`` maps a title, as written, to the occupation it normalises to and the
    score; a title missing there links to nothing. The best score of the titles wins.
    """
    out: dict[str, dict[str, float]] = {}
    for ref, name, titles in zip(
        courses["ref"], courses["title"], courses["job_titles"], strict=True
    ):
        links: dict[str, float] = {}
        for title in [name, *(t for t in titles if part.get(_key(t)) == "indexed")]:
            if title in occupation_of:
                uri, score = occupation_of[title]
                links[uri] = max(links.get(uri, 0.0), score)
        out[ref] = links
    return out


def indexed_titles(titles: Sequence[str], part: Mapping[str, str]) -> list[str]:
    """The job titles a standard keeps in the index."""
    return [t for t in titles if part.get(_key(t)) == "indexed"]


def memory_copy(path: Path) -> Session:
    """A session on an in-memory copy of the database: the file is only read."""
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `skillsmatch load-all` first")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    source.backup(memory)
    source.close()
    engine = sa.create_engine("sqlite://", creator=lambda: memory, poolclass=StaticPool)
    return Session(engine)


def keeps_link(
    recorded: str,
    name: str,
    uri: str,
    part: Mapping[str, str],
    links: Mapping[str, float],
) -> bool:
    """Whether a stored course -> occupation link rests on what the index keeps.

    The loader records the first of the name and job titles that led to the occupation: when
    that is the name or an indexed title the link stays; when it is a held-out title the link
    stays only if the name or an indexed title leads there too (``links``, from the normaliser).
    """
    return recorded == name or part.get(_key(recorded)) == "indexed" or uri in links


def hold_out(
    session: Session,
    courses: pd.DataFrame,
    part: Mapping[str, str],
    links: Mapping[str, Mapping[str, float]],
) -> dict[str, int]:
    """Remove held-out titles, and what was derived from them, from the copy; counts changes.

    ``links`` holds each standard's links from its name and indexed titles (``index_links``).
    """
    from skillsmatch.models import Course, Occupation, OccupationSkill

    uri_of = dict(session.execute(sa.select(Occupation.id, Occupation.uri)).all())
    essential: dict[int, set[int]] = {}
    for occ, skill in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id).where(
            OccupationSkill.relation == "essential"
        )
    ):
        essential.setdefault(occ, set()).add(skill)
    known = set(courses["ref"])
    counts = dict.fromkeys(("titles dropped", "links dropped", "links kept", "skills dropped"), 0)
    for course in session.scalars(
        sa.select(Course).options(selectinload(Course.occupations), selectinload(Course.skills))
    ):
        if course.reference not in known:
            continue  # a provider's own course lists no standard's titles
        kept = indexed_titles(course.job_titles or [], part)
        counts["titles dropped"] += len(course.job_titles or []) - len(kept)
        course.job_titles = kept
        for link in list(course.occupations):
            uri = uri_of[link.occupation_id]
            if keeps_link(link.job_title, course.title, uri, part, links[course.reference]):
                counts["links kept"] += 1
            else:
                course.occupations.remove(link)
                counts["links dropped"] += 1
        taught = set().union(*(essential.get(o.occupation_id, set()) for o in course.occupations))
        for skill in list(course.skills):
            if skill.provenance == "esco-occupation" and skill.skill_id not in taught:
                course.skills.remove(skill)
                counts["skills dropped"] += 1
    session.flush()
    return counts


class MemoEncoder:
    """The real encoder behind an in-memory memo, filled in batches from the embedding cache."""

    def __init__(self, cache_dir: str) -> None:
        from ml.encoder import get_encoder

        self.inner = get_encoder()
        self.name = self.inner.name
        self.max_tokens = self.inner.max_tokens
        self.dimension = self.inner.dimension
        self.cache_dir = cache_dir
        self.memo: dict[str, np.ndarray] = {}

    def prefill(self, texts: Sequence[str], namespace: str) -> None:
        from ml.taxonomy import embed_cached

        unique = sorted(set(texts) - set(self.memo))
        if unique:
            vectors = np.asarray(embed_cached(unique, self.inner, self.cache_dir, namespace))
            self.memo.update(zip(unique, vectors, strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.memo})
        if missing:
            self.memo.update(zip(missing, self.inner.encode(missing), strict=True))
        if not len(texts):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])


def normalise_titles(encoder: MemoEncoder, titles: Sequence[str]) -> dict[str, tuple[str, float]]:
    """Title as written -> (ESCO occupation uri, score): its best occupation, by the site's
    title normaliser (with its settings, on the memoised encoder)."""
    from sklearn.base import clone

    from skillsmatch import reference_data
    from skillsmatch.services.linking import get_title_normaliser

    unique = sorted(set(titles))
    encoder.prefill(unique, "bench-pathway-weights-titles")
    normaliser = clone(get_title_normaliser(encoder.cache_dir)).set_params(encoder=encoder)
    normaliser.fit(reference_data.read_esco_occupations(), reference_data.read_soc_index())
    found = normaliser.normalise(unique, top_k=1)
    return {t: (m[0].uri, m[0].score) for t, m in zip(unique, found, strict=True) if m}


# ------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Case:
    """One held-out title as a synthetic learner and a synthetic vacancy."""

    title: str
    side: str
    gold: frozenset[str]  # standard refs listing the title
    district_id: int
    level: int | None
    skill_ids: tuple[int, ...]
    about: str
    occupation_id: int  # what the title normalises to: the vacancy's occupation
    source_id: int  # whose skills the learner holds


def title_rng(seed: int, title: str) -> np.random.Generator:
    """A generator per title, so that adding or dropping a query leaves the others as they were."""
    return np.random.default_rng([seed, zlib.crc32(_key(title).encode())])


def learner_skills(
    target: Sequence[tuple[int, bool]],
    source: Sequence[tuple[int, bool]],
    rng: np.random.Generator,
) -> tuple[int, ...]:
    """A plausible partial profile: a share of ``source``'s optional skills and at most a quarter
    of its essential ones, never all of ``target``'s skills."""
    optional = sorted(s for s, e in source if not e)
    essential = sorted(s for s, e in source if e)
    n_opt = round(rng.uniform(*OPTIONAL_SHARE) * len(optional))
    n_ess = math.floor(rng.uniform(*ESSENTIAL_SHARE) * len(essential))
    held = set(rng.choice(optional, n_opt, replace=False).tolist() if n_opt else [])
    held |= set(rng.choice(essential, n_ess, replace=False).tolist() if n_ess else [])
    whole = {s for s, _ in target}
    if whole and whole <= held:
        held.discard(int(rng.choice(sorted(whole))))
    return tuple(sorted(int(s) for s in held))


def make_cases(
    session: Session,
    index: PathwayIndex,
    courses: pd.DataFrame,
    part: Mapping[str, str],
    occupation_of: Mapping[str, tuple[str, float]],
    seed: int,
) -> tuple[list[Case], dict[str, int]]:
    """Dev and test cases; held-out titles no offered standard lists are counted, not asked."""
    from skillsmatch.models import Occupation, OccupationSkill

    occ = {
        uri: (i, isco)
        for i, uri, isco in session.execute(
            sa.select(Occupation.id, Occupation.uri, Occupation.isco08)
        )
    }
    by_isco: dict[str, list[int]] = {}
    for i, isco in occ.values():
        by_isco.setdefault(isco, []).append(i)
    profile: dict[int, list[tuple[int, bool]]] = {}
    for o, s, rel in session.execute(
        sa.select(
            OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation
        ).order_by(OccupationSkill.occupation_id, OccupationSkill.skill_id)
    ):
        profile.setdefault(o, []).append((s, rel == "essential"))
    row_of = {c.reference: i for i, c in enumerate(index.courses)}
    offerings: dict[int, list[int | None]] = {}
    for o in index.offerings:
        if o.places > 0:
            offerings.setdefault(o.course_row, []).append(o.district_id)
    districts = [d for d, _, _ in index.districts]
    reach = index.reach

    spelling: dict[str, str] = {}
    gold: dict[str, set[str]] = {}
    for ref, titles in zip(courses["ref"], courses["job_titles"], strict=True):
        for t in titles:
            k = _key(t)
            if part.get(k) in ("dev", "test"):
                spelling.setdefault(k, t)
                gold.setdefault(k, set()).add(ref)
    cases: list[Case] = []
    skipped = {"no offered standard": 0, "no occupation": 0}
    for k in sorted(spelling):
        title = spelling[k]
        offered = sorted(row_of[r] for r in gold[k] if r in row_of and offerings.get(row_of[r]))
        if not offered:
            skipped["no offered standard"] += 1
            continue
        if title not in occupation_of or occupation_of[title][0] not in occ:
            skipped["no occupation"] += 1
            continue
        rng = title_rng(seed, title)
        target, isco = occ[occupation_of[title][0]]
        siblings = [o for o in by_isco.get(isco, []) if o != target and profile.get(o)]
        source = int(rng.choice(siblings)) if siblings and rng.random() < 0.5 else target
        skills = learner_skills(profile.get(target, []), profile.get(source, []), rng)
        homes = [
            d
            for d in districts
            if any(reach.travel(d, where) is not None for c in offered for where in offerings[c])
        ]
        home = int(rng.choice(homes))
        reachable = [
            c
            for c in offered
            if any(reach.travel(home, where) is not None for where in offerings[c])
        ]
        level = index.courses[int(rng.choice(reachable))].level
        if level is not None:
            level = max(level - int(rng.integers(0, 2)), 1)
        cases.append(
            Case(
                title=title,
                side=part[k],
                gold=frozenset(gold[k]),
                district_id=home,
                level=level,
                skill_ids=skills,
                about=TEMPLATE.format(title=title),
                occupation_id=target,
                source_id=source,
            )
        )
    return cases, skipped


def learner_query(index: PathwayIndex, case: Case, today: date) -> LearnerQuery:
    """The scorer's query for a case, built as ``recommend_pathways`` builds it."""
    from skillsmatch.services.pathways.recommendations import LearnerProfile, _learner_vector

    profile = LearnerProfile(
        skill_ids=case.skill_ids, district_id=case.district_id, level=case.level, about=case.about
    )
    cols, _ = index.skill_cols(profile.skill_ids)
    return LearnerQuery(
        vector=_learner_vector(index, profile),
        skills=cols,
        strength=np.ones(len(cols), dtype=np.float32),
        level=profile.level,
        sectors=frozenset(profile.sector_ids),
        travel=index.travel_from(case.district_id),
        today=today.toordinal(),
    )


def vacancy_job(
    session: Session, index: PathwayIndex, case: Case
) -> tuple[SkillSets, np.ndarray, list[str | None]]:
    """Requirement, vector and travel of a vacancy titled as the case, with no advert text."""
    from skillsmatch.services.pathways.jobs import _Job, _job_requirement
    from skillsmatch.services.pathways.readers import INFERRED_FROM_OCCUPATION, _occupation_skills

    skills = _occupation_skills(session, [case.occupation_id]).get(case.occupation_id, [])
    job = _Job(
        "vacancy",
        0,
        case.title,
        case.district_id,
        None,
        case.occupation_id,
        [(s, e, INFERRED_FROM_OCCUPATION) for s, e in skills],
        f"{case.title}.",
        "occupation",
    )
    req, _ = _job_requirement(index, job)
    vector = index.embed(job.text)
    return req, vector, index.travel_from(case.district_id)


# ------------------------------------------------------------------------------- fast re-scoring


@dataclass(frozen=True)
class LearnerParts:
    """One learner's candidate (course, target) pairs with the values of each part, from
    ``PathwayScorer.pathway_pairs``; per-course and per-target parts are kept once and gathered
    when scored, so that thousands of learners fit in memory."""

    course: np.ndarray
    target: np.ndarray
    skills: np.ndarray
    gain: np.ndarray
    relevance: np.ndarray
    interest: np.ndarray  # per target
    practical: np.ndarray  # per course
    jobs: np.ndarray  # per target

    def values(self) -> dict[str, np.ndarray]:
        return {
            "skills": self.skills,
            "gain": self.gain,
            "relevance": self.relevance,
            "interest": self.interest[self.target],
            "practical": self.practical[self.course],
            "jobs": self.jobs[self.target],
        }


def learner_parts(scorer: PathwayScorer, query: LearnerQuery) -> LearnerParts:
    """Part values of every pair ``recommend`` would rank for ``query``."""
    pairs = scorer.pathway_pairs(query)
    empty = np.empty(0, dtype=np.float32)
    values = pairs.values
    return LearnerParts(
        course=pairs.course.astype(np.int32),
        target=pairs.target.astype(np.int32),
        skills=values.get("skills", empty),
        gain=values.get("gain", empty),
        relevance=values.get("relevance", empty),
        interest=pairs.interest,
        practical=pairs.practical,
        jobs=pairs.jobs,
    )


def learner_ranking(
    scorer: PathwayScorer, parts: LearnerParts, weights: Mapping[str, float]
) -> list[int]:
    """Course rows of the pathways ``recommend`` returns with ``weights``, best first."""
    values = parts.values()
    # The same sum, in the same order, as the scorer's: equal scores break ties alike.
    score = sum(weights[k] * values[k] for k in weights)
    if not isinstance(score, np.ndarray):
        return []
    return [int(parts.course[i]) for i in scorer._diverse(score, parts.course, parts.target)]


@dataclass(frozen=True)
class ProvisionParts:
    """The courses ``PathwayScorer.provision`` would rank for a job, with each part's values."""

    course: np.ndarray
    values: dict[str, np.ndarray]


def provision_parts(
    scorer: PathwayScorer, requirement: SkillSets, vector: np.ndarray, travel: Sequence[str | None]
) -> ProvisionParts:
    pairs = scorer.provision_pairs(requirement, vector, travel)
    useful = pairs.useful
    return ProvisionParts(pairs.courses[useful], {k: v[useful] for k, v in pairs.values.items()})


def provision_ranking(parts: ProvisionParts, weights: Mapping[str, float]) -> list[int]:
    """Course rows of ``provision`` with ``weights``, best first."""
    if not len(parts.course):
        return []
    score = sum(weights[k] * parts.values[k] for k in weights)
    return [int(parts.course[i]) for i in top_k(score, DEPTH)]


# ------------------------------------------------------------------------------- the search


def simplex_points(
    parts: Sequence[str], total: int, n: int, rng: np.random.Generator
) -> list[tuple[int, ...]]:
    """``n`` random points of the simplex as whole hundredths of ``parts`` summing to ``total``."""
    out = []
    for _ in range(n):
        raw = rng.dirichlet(np.ones(len(parts))) * total
        units = np.floor(raw).astype(int)
        # Largest remainders take the hundredths left over, so the sum is exact.
        for i in np.argsort(-(raw - units), kind="stable")[: total - int(units.sum())]:
            units[i] += 1
        out.append(tuple(int(u) for u in units))
    return out


def search_weights(
    objective: Callable[[Mapping[str, float]], float],
    parts: Sequence[str],
    fixed: Mapping[str, float] | None = None,
    at_least: Mapping[tuple[str, ...], float] | None = None,
    start: Sequence[Mapping[str, float]] = (),
    n_random: int = N_RANDOM,
    max_candidates: int = MAX_CANDIDATES,
    step: float = STEP,
    seed: int = SEED,
) -> tuple[dict[str, float], float, int]:
    """The weights of ``parts`` with the highest ``objective``, in whole hundredths.

    Parts in ``fixed`` keep their weight and the others share the rest; a point where a group of
    parts in ``at_least`` weighs less than its floor is never evaluated. The ``start`` points and
    ``n_random`` random points of the simplex are tried, then moves of ``step`` from one part to
    another from the best point while one improves (each round takes the best move), up to
    ``max_candidates`` evaluations in all. Returns the weights (in the order of ``parts``), their
    objective and the number of candidates evaluated.
    """
    fixed = dict(fixed or {})
    free = [p for p in parts if p not in fixed]
    total = 100 - round(100 * sum(fixed.values()))
    seen: dict[tuple[int, ...], float] = {}

    def weights(units: tuple[int, ...]) -> dict[str, float]:
        chosen = dict(zip(free, units, strict=True))
        return {p: fixed[p] if p in fixed else chosen[p] / 100 for p in parts}

    def allowed(units: tuple[int, ...]) -> bool:
        w = weights(units)
        return all(
            sum(w[p] for p in group) >= floor - 1e-9 for group, floor in (at_least or {}).items()
        )

    def value(units: tuple[int, ...]) -> float:
        if not allowed(units):
            return -math.inf
        if units not in seen and len(seen) < max_candidates:
            seen[units] = float(objective(weights(units)))
        return seen.get(units, -math.inf)

    points = [tuple(round(100 * w[p]) for p in free) for w in start]
    points = [u for u in points if sum(u) == total and allowed(u)]
    points += [
        u for u in simplex_points(free, total, n_random, np.random.default_rng(seed)) if allowed(u)
    ]
    best = max(points, key=lambda u: (value(u), -points.index(u)))
    move = round(100 * step)
    improved = True
    while improved and len(seen) < max_candidates:
        improved = False
        moves = []
        for i in range(len(free)):
            for j in range(len(free)):
                if i != j and best[i] >= move:
                    u = list(best)
                    u[i] -= move
                    u[j] += move
                    moves.append(tuple(u))
        for u in moves:
            if value(u) > value(best) + 1e-12:
                best, improved = u, True
    return weights(best), seen[best], len(seen)


# ------------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    """Everything fixed for a run: the index, the cases, their queries and part values."""

    index: PathwayIndex
    catalogue: Catalogue
    cases: list[Case]
    queries: list[LearnerQuery]
    learner: list[LearnerParts]
    provision: list[ProvisionParts]
    jobs: list[tuple[SkillSets, np.ndarray, list[str | None]]]

    def side(self, name: str) -> list[int]:
        return [i for i, c in enumerate(self.cases) if c.side == name]

    def refs(self, rows: Sequence[int]) -> list[str]:
        return [self.index.courses[r].reference for r in rows]

    def learner_metrics(
        self, weights: Mapping[str, float], rows: Sequence[int]
    ) -> dict[str, float]:
        scorer = self.index.scorer
        ranked = [self.refs(learner_ranking(scorer, self.learner[i], weights)) for i in rows]
        return metrics(ranked, [set(self.cases[i].gold) for i in rows])

    def provision_metrics(
        self, weights: Mapping[str, float], rows: Sequence[int]
    ) -> dict[str, float]:
        ranked = [self.refs(provision_ranking(self.provision[i], weights)) for i in rows]
        return metrics(ranked, [set(self.cases[i].gold) for i in rows])


class _KeepsCatalogue(PathwayScorer):
    """The scorer, keeping what it was fitted on so that other weights can be fitted on it."""

    def fit(self, catalogue: Catalogue, y: None = None) -> _KeepsCatalogue:
        self.catalogue_ = catalogue
        super().fit(catalogue, y)
        return self


def prepare(args: argparse.Namespace, today: date) -> Evaluation:
    t0 = time.perf_counter()
    # The gold is the standards' own job titles; titles only the supplement gives are not indexed.
    courses = standards_table(DATA_DIR, supplement=False)
    part = split_titles(courses, args.seed)
    encoder = MemoEncoder(args.cache_dir)
    titles = [*courses["title"], *(t for ts in courses["job_titles"] for t in ts)]
    occupation_of = normalise_titles(encoder, titles)
    session = memory_copy(args.database)
    counts = hold_out(session, courses, part, index_links(courses, part, occupation_of))
    say(
        "held out of the index: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f" ({time.perf_counter() - t0:.0f} s)",
        sys.stderr,
    )
    index = PathwayIndex.build(
        session, encoder=encoder, cache_dir=args.cache_dir, today=today, scorer=_KeepsCatalogue()
    )
    cases, skipped = make_cases(session, index, courses, part, occupation_of, args.query_seed)
    say(
        f"{len(cases)} cases ({sum(c.side == 'dev' for c in cases)} dev); left out: "
        + ", ".join(f"{k} {v}" for k, v in skipped.items()),
        sys.stderr,
    )
    encoder.prefill([f"{c.title}." for c in cases], "bench-pathway-weights-vacancies")
    queries = [learner_query(index, c, today) for c in cases]
    learner = [learner_parts(index.scorer, q) for q in queries]
    jobs = [vacancy_job(session, index, c) for c in cases]
    provision = [provision_parts(index.scorer, *job) for job in jobs]
    pairs = [len(p.course) for p in learner]
    say(
        f"part values cached: {sum(pairs):,} (course, target) pairs, median "
        f"{int(np.median(pairs)):,} per learner ({time.perf_counter() - t0:.0f} s)",
        sys.stderr,
    )
    return Evaluation(index, index.scorer.catalogue_, cases, queries, learner, provision, jobs)


def checked(
    evaluation: Evaluation, name: str, weights: Mapping[str, float], kind: str
) -> dict[str, dict[str, float]]:
    """Dev and test metrics of ``weights`` through the scorer itself, checked against the fast
    re-scoring the search used."""
    ev = evaluation
    rows = {side: ev.side(side) for side in ("dev", "test")}
    if kind == "pathway":
        scorer = PathwayScorer(weights=dict(weights)).fit(ev.catalogue)
        ranked = [[p.course for p in scorer.recommend(q).pathways] for q in ev.queries]
        fast = [learner_ranking(scorer, p, scorer.weights_) for p in ev.learner]
    else:
        scorer = PathwayScorer(provision_weights=dict(weights)).fit(ev.catalogue)
        ranked = [
            [p.course for p in scorer.provision(*job, top_k_courses=DEPTH)] for job in ev.jobs
        ]
        fast = [provision_ranking(p, scorer.provision_weights_) for p in ev.provision]
    differ = sum(a != b for a, b in zip(ranked, fast, strict=True))
    if differ:
        raise SystemExit(f"{name}: the fast re-scoring differs from the scorer on {differ} queries")
    return {
        side: metrics([ev.refs(ranked[i]) for i in r], [set(ev.cases[i].gold) for i in r])
        for side, r in rows.items()
    }


def fit(
    ev: Evaluation, before: Mapping[str, Mapping[str, float]]
) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    """Pathway and provision weights with the best dev MRR, and the candidates each search took."""
    dev = ev.side("dev")
    chosen: dict[str, dict[str, float]] = {}
    candidates: dict[str, int] = {}
    searches: dict[str, tuple[Callable[[Mapping[str, float]], float], dict[str, float]]] = {
        "pathway": (
            lambda w: ev.learner_metrics(w, dev)["MRR"],
            # Parts the evaluation cannot inform keep their hand-set weight: no vacancy loaded
            # is live, and every learner lives where a gold course is in reach.
            {p: before["pathway"][p] for p in ("jobs", "practical")},
        ),
        "provision": (lambda w: ev.provision_metrics(w, dev)["MRR"], {}),
    }
    for kind, (objective, fixed) in searches.items():
        t = time.perf_counter()
        chosen[kind], best, candidates[kind] = search_weights(
            objective,
            list(before[kind]),
            fixed=fixed,
            at_least={SKILL_PARTS[kind]: SKILL_FLOOR},
            start=[before[kind]],
        )
        say(
            f"{kind} weights: dev MRR {best:.3f} after {candidates[kind]} candidates "
            f"({time.perf_counter() - t:.0f} s)",
            sys.stderr,
        )
    return chosen, candidates


def systems(
    before: Mapping[str, Mapping[str, float]],
    pathway: Mapping[str, float],
    provision: Mapping[str, float],
) -> dict[str, dict[str, Mapping[str, float]]]:
    """What the table compares: hand-set, tuned, and single-part baselines."""
    zero_p = dict.fromkeys(before["pathway"], 0.0)
    zero_v = dict.fromkeys(before["provision"], 0.0)
    return {
        "pathway": {
            "(a) hand-set": before["pathway"],
            "(b) tuned on dev": pathway,
            "(c) skills only": {**zero_p, "skills": 1.0},
            # Ties every course leading to the same occupation: they keep catalogue order.
            "(c) embedding only (interest)": {**zero_p, "interest": 1.0},
            "(c) similarity parts (interest + relevance)": {
                **zero_p,
                "interest": 0.5,
                "relevance": 0.5,
            },
        },
        "provision": {
            "(a) hand-set": before["provision"],
            "(b) tuned on dev": provision,
            "(c) essential skills only": {**zero_v, "essential": 1.0},
            "(c) embedding only (relevance)": {**zero_v, "relevance": 1.0},
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", type=Path, default=DATABASE, help="read only, copied into memory"
    )
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    parser.add_argument("--seed", type=int, default=SEED, help="the title split's seed")
    parser.add_argument("--query-seed", type=int, default=QUERY_SEED)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="day of the evaluation (start dates, live vacancies); default: the day the file "
        "was fitted on, or today with --fit",
    )
    parser.add_argument(
        "--fit", action="store_true", help="search the weights on dev and write them to the file"
    )
    args = parser.parse_args(argv)
    saved = json.loads(WEIGHTS_FILE.read_text())
    recorded = saved.get("_fitted", {}).get("evaluated_on")
    today = args.today or (
        date.fromisoformat(recorded) if recorded and not args.fit else date.today()
    )
    t0 = time.perf_counter()
    ev = prepare(args, today)
    before = saved["_before_fitting"]
    chosen, candidates = fit(ev, before) if args.fit else ({}, {})
    pathway = chosen.get("pathway", saved["pathway"])
    provision = chosen.get("provision", saved["provision"])

    results: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    rows = []
    for kind, named in systems(before, pathway, provision).items():
        for name, weights in named.items():
            res = checked(ev, name, weights, kind)
            results.setdefault(kind, {})[name] = res
            for side in ("dev", "test"):
                split = f"{side} (n={len(ev.side(side))})"
                rows.append({"task": kind, "system": name, "split": split, **res[side]})
    table = pd.DataFrame(rows).set_index(["task", "system", "split"])
    say(
        f"Held-out apprenticeship job titles (split seed {args.seed}, query seed "
        f"{args.query_seed}), evaluated on {today.isoformat()}; learner -> pathways and vacancy "
        f"-> provision, first gold standard in the top {DEPTH}. Every ranking below comes from "
        "the scorer itself and equals the fast re-scoring the search used."
    )
    say(table.to_string(float_format=lambda x: f"{x:.3f}"))
    say("")
    say("pathway weights: " + json.dumps(pathway))
    say("provision weights: " + json.dumps(provision))
    if args.fit:
        write(saved, pathway, provision, results, candidates, args, today)
        say(f"written to {WEIGHTS_FILE}")
    say(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


def write(
    saved: Mapping[str, object],
    pathway: Mapping[str, float],
    provision: Mapping[str, float],
    results: Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]],
    candidates: Mapping[str, int],
    args: argparse.Namespace,
    today: date,
) -> None:
    """The chosen weights into the weights file, with how and on what they were chosen."""
    out = dict(saved)
    out["pathway"] = dict(pathway)
    out["provision"] = dict(provision)
    out["_fitted"] = {
        "date": date.today().isoformat(),
        "evaluated_on": today.isoformat(),
        "split_seed": args.seed,
        "query_seed": args.query_seed,
        "candidates": dict(candidates),
        "metrics": {
            kind: {
                name: {
                    side: {k: round(v, 4) for k, v in values.items()}
                    for side, values in by_side.items()
                }
                for name, by_side in by_name.items()
            }
            for kind, by_name in results.items()
        },
    }
    out["_how"] = (
        "python -m bench.bench_pathway_weights --fit: weights with the best MRR on the dev "
        "queries (held-out apprenticeship job titles, learners and vacancies built from them), "
        f"from the hand-set weights and {N_RANDOM} random points of the simplex, then moves of "
        f"{STEP} between parts, at most {MAX_CANDIDATES} candidates per group, keeping the skill "
        f"parts ({' + '.join(SKILL_PARTS['pathway'])}; {' + '.join(SKILL_PARTS['provision'])}) "
        f"at {SKILL_FLOOR} or more of the score, a product rule; metrics of the first gold "
        "standard in the top 10 on dev and test"
    )
    text = json.dumps(out, indent=2)
    # Innermost objects (weights, one split's metrics) on one line each.
    text = re.sub(r"\{[^{}]*\}", lambda m: json.dumps(json.loads(m.group())), text)
    WEIGHTS_FILE.write_text(text + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
