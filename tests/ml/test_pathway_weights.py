"""The pathway weights: the shipped file, the search that chose them and the held-out split."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sqlalchemy as sa
from flask import Flask

from bench.bench_course_matching import SEED, _key, split_titles
from bench.bench_pathway_weights import (
    hold_out,
    index_links,
    indexed_titles,
    learner_parts,
    learner_ranking,
    learner_skills,
    provision_parts,
    provision_ranking,
    search_weights,
)
from ml.pathway_scoring import (
    DIRECT_WEIGHTS,
    PATHWAY_WEIGHTS,
    PROVISION_WEIGHTS,
    Catalogue,
    LearnerQuery,
    PathwayScorer,
    SkillSets,
)
from ml.pathway_scoring.defaults import (
    DIRECT_PARTS,
    PATHWAY_PARTS,
    PROVISION_PARTS,
    WEIGHTS_FILE,
    load_weights,
)

TODAY = 740_000
TRAVEL = ["same district", "neighbouring district", None, "online"]


# ---------------------------------------------------------------------------- the shipped file


def test_weights_file_names_every_part_and_each_group_sums_to_one() -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    for group, parts in (
        ("pathway", PATHWAY_PARTS),
        ("direct", DIRECT_PARTS),
        ("provision", PROVISION_PARTS),
    ):
        assert set(data[group]) == set(parts)
        assert math.fsum(data[group].values()) == pytest.approx(1.0, abs=1e-9)
        assert all(v >= 0 for v in data[group].values())
    # The scorer's defaults are the file's.
    assert dict(PATHWAY_WEIGHTS) == data["pathway"]
    assert dict(DIRECT_WEIGHTS) == data["direct"]
    assert dict(PROVISION_WEIGHTS) == data["provision"]
    scorer = PathwayScorer().fit(tiny_catalogue())
    assert scorer.weights_ == data["pathway"]
    assert scorer.provision_weights_ == data["provision"]


def test_weights_file_records_how_they_were_chosen() -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    fitted = data["_fitted"]
    assert fitted["split_seed"] == SEED
    assert {"date", "evaluated_on", "metrics"} <= set(fitted)
    for kind in ("pathway", "provision"):
        by_system = fitted["metrics"][kind]
        tuned, hand = by_system["(b) tuned on dev"], by_system["(a) hand-set"]
        assert {"dev", "test"} <= set(tuned)
        # The search starts from the hand-set weights, so it cannot end worse on dev.
        assert tuned["dev"]["MRR"] >= hand["dev"]["MRR"]
    # What is set by hand says so, and why.
    assert set(data["_hand_set"]) == {"direct", "pathway.jobs", "pathway.practical"}
    for part in ("jobs", "practical"):
        assert data["pathway"][part] == data["_before_fitting"]["pathway"][part]
    # The product rule the search keeps: skill parts weigh at least 30% of each score.
    assert data["pathway"]["skills"] + data["pathway"]["gain"] >= 0.3 - 1e-9
    assert data["provision"]["essential"] + data["provision"]["optional"] >= 0.3 - 1e-9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["pathway"].pop("jobs"), "pathway must have the parts"),
        (lambda d: d["provision"].update(travel=0.5), "provision weights must"),
        (lambda d: d["direct"].update(sector=-0.1, skills=0.75), "direct weights must"),
    ],
)
def test_a_bad_weights_file_is_refused(tmp_path: Path, change: object, message: str) -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    change(data)  # type: ignore[operator]
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        load_weights(path)


# ---------------------------------------------------------------------------- the search


def test_search_follows_its_objective_to_the_best_point() -> None:
    target = {"a": 0.6, "b": 0.3, "c": 0.1}

    def closeness(w: Mapping[str, float]) -> float:
        return -sum(abs(w[k] - target[k]) for k in target)

    best, value, n = search_weights(
        closeness, ["a", "b", "c"], start=[{"a": 0.2, "b": 0.3, "c": 0.5}], n_random=0
    )
    assert best == pytest.approx(target) and value == pytest.approx(0.0)
    assert n <= 300
    # Parts held fixed keep their weight; the others share the rest, in whole hundredths.
    best, _, _ = search_weights(closeness, ["a", "b", "c"], fixed={"c": 0.1}, n_random=30, seed=3)
    assert best["c"] == 0.1 and math.fsum(best.values()) == pytest.approx(1.0)
    assert all(round(100 * v) == pytest.approx(100 * v) for v in best.values())
    # A floor on a group of parts holds even where the objective would rather go below it.
    best, _, _ = search_weights(
        closeness,
        ["a", "b", "c"],
        at_least={("b", "c"): 0.6},
        start=[{"a": 0.2, "b": 0.3, "c": 0.5}],
        n_random=30,
        seed=3,
    )
    assert best["b"] + best["c"] >= 0.6 - 1e-9 and best["a"] <= 0.4 + 1e-9


def tiny_catalogue(course_skills: list[list[int]] | None = None) -> Catalogue:
    """Skills 0-3 are the target's (all essential). Course 0 is listed as leading to the target
    and its text agrees with it; course 1, the decoy, teaches more of the skills but is neither
    listed nor alike in text. Both are offered at home."""
    course_skills = course_skills or [[0], [0, 1, 2, 3]]
    eye = np.eye(8, dtype=np.float32)
    return Catalogue(
        n_skills=4,
        n_partitions=3,
        broader=np.empty((0, 2), dtype=np.int64),
        course_vectors=eye[[0, 1]],
        course_skills=SkillSets.from_lists(course_skills),
        course_level=np.array([2, 2]),
        course_targets=sp.csr_matrix(([1.0], ([0], [0])), shape=(2, 1), dtype=np.float32),
        offering_course=np.array([0, 1]),
        offering_partition=np.array([0, 0]),
        offering_places=np.array([10, 10]),
        offering_starts=np.array([[TODAY + 30], [TODAY + 30]]),
        target_vectors=eye[[0]],
        target_skills=SkillSets.from_lists([[0, 1, 2, 3]]),
        target_sector=np.array([0]),
        vacancy_vectors=np.zeros((0, 8), dtype=np.float32),
        vacancy_skills=SkillSets.from_lists([]),
        vacancy_partition=np.zeros(0, dtype=np.int64),
        vacancy_target=np.zeros(0, dtype=np.int64),
        vacancy_sector=np.zeros(0, dtype=np.int64),
        vacancy_closing=np.zeros(0, dtype=np.int64),
    )


def learner(skills: list[int], vector: np.ndarray | None = None) -> LearnerQuery:
    return LearnerQuery(
        vector=np.zeros(8, dtype=np.float32) if vector is None else vector,
        skills=np.array(skills, dtype=np.int64),
        strength=np.ones(len(skills), dtype=np.float32),
        level=2,
        sectors=frozenset(),
        travel=TRAVEL,
        today=TODAY,
    )


def test_search_prefers_the_weights_that_rank_the_gold_course_first() -> None:
    catalogue = tiny_catalogue()
    scorer = PathwayScorer().fit(catalogue)
    queries = [learner([]), learner([1]), learner([2, 3])]
    parts = [learner_parts(scorer, q) for q in queries]

    def mrr(weights: Mapping[str, float]) -> float:
        ranks = [learner_ranking(scorer, p, weights) for p in parts]
        return float(np.mean([1 / (r.index(0) + 1) if 0 in r else 0.0 for r in ranks]))

    skills_first = {
        **dict.fromkeys(PATHWAY_PARTS, 0.0),
        "skills": 0.45,
        "gain": 0.45,
        "jobs": 0.1,
    }
    assert mrr(skills_first) == 0.5  # the decoy comes first where skills count most
    search = {"fixed": {"jobs": 0.1}, "start": [skills_first], "n_random": 20, "seed": 1}
    best, value, _ = search_weights(mrr, PATHWAY_PARTS, **search)  # type: ignore[arg-type]
    assert value == 1.0 and mrr(best) == 1.0
    assert best["jobs"] == 0.1 and math.fsum(best.values()) == pytest.approx(1.0)
    assert best["relevance"] > 0
    # The same search told to do its worst finds weights that put the decoy first.
    worst, value, _ = search_weights(lambda w: -mrr(w), PATHWAY_PARTS, **search)  # type: ignore[arg-type]
    assert value == -0.5 and mrr(worst) == 0.5
    # And the scorer itself, given the chosen weights, ranks the gold course first.
    fitted = PathwayScorer(weights=best).fit(catalogue)
    assert all(fitted.recommend(q).pathways[0].course == 0 for q in queries)


def test_fast_rescoring_ranks_as_the_scorer_does() -> None:
    rng = np.random.default_rng(0)
    n_courses, n_targets, n_skills = 12, 5, 10
    unit = lambda a: (a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    catalogue = Catalogue(
        n_skills=n_skills,
        n_partitions=3,
        broader=np.array([[8, 1], [9, 8]]),
        course_vectors=unit(rng.normal(size=(n_courses, 8))),
        course_skills=SkillSets.from_lists(
            [sorted(rng.choice(n_skills, 3, replace=False).tolist()) for _ in range(n_courses)]
        ),
        course_level=rng.integers(1, 5, n_courses),
        course_targets=sp.csr_matrix(
            ([0.9, 0.7], ([0, 3], [1, 2])), shape=(n_courses, n_targets), dtype=np.float32
        ),
        offering_course=np.arange(n_courses),
        offering_partition=rng.integers(0, 4, n_courses),
        offering_places=rng.integers(0, 3, n_courses),
        offering_starts=TODAY + rng.integers(-10, 400, (n_courses, 2)),
        target_vectors=unit(rng.normal(size=(n_targets, 8))),
        target_skills=SkillSets.from_lists(
            [sorted(rng.choice(8, 4, replace=False).tolist()) for _ in range(n_targets)],
            essential=[[True, True, False, False]] * n_targets,
        ),
        target_sector=np.array([0, 0, 1, 1, 0]),
        vacancy_vectors=unit(rng.normal(size=(3, 8))),
        vacancy_skills=SkillSets.from_lists([[0, 1], [2], [3, 4]]),
        vacancy_partition=np.array([0, 1, 3]),
        vacancy_target=np.array([0, 1, 1]),
        vacancy_sector=np.array([0, 0, 0]),
        vacancy_closing=np.full(3, TODAY + 5),
    )
    scorer = PathwayScorer(max_per_course=2, top_k=6).fit(catalogue)
    for trial in range(5):
        weights = dict(zip(PATHWAY_PARTS, rng.dirichlet(np.ones(6)), strict=True))
        scorer.set_params(weights=weights).fit(catalogue)
        q = replace(
            learner(
                rng.choice(n_skills, 2, replace=False).tolist(), unit(rng.normal(size=(1, 8)))[0]
            ),
            level=int(rng.integers(1, 4)),
        )
        expected = [p.course for p in scorer.recommend(q).pathways]
        assert expected, trial
        assert learner_ranking(scorer, learner_parts(scorer, q), scorer.weights_) == expected
        provision = dict(zip(PROVISION_PARTS, rng.dirichlet(np.ones(4)), strict=True))
        scorer.set_params(provision_weights=provision).fit(catalogue)
        req = SkillSets.from_lists([[1, 2, 5]], essential=[[True, False, True]])
        vector = unit(rng.normal(size=(1, 8)))[0]
        expected = [p.course for p in scorer.provision(req, vector, TRAVEL, top_k_courses=10)]
        parts = provision_parts(scorer, req, vector, TRAVEL)
        assert provision_ranking(parts, scorer.provision_weights_) == expected


# ---------------------------------------------------------------------------- the split and queries


def standards() -> pd.DataFrame:
    titles = [f"Job title {i}" for i in range(40)]
    return pd.DataFrame(
        {
            "ref": [f"ST{i:04d}" for i in range(10)],
            "title": [f"Standard {i}" for i in range(10)],
            "job_titles": [
                [*titles[4 * i : 4 * i + 4], titles[(4 * i + 5) % 40].upper()] for i in range(10)
            ],
        }
    )


def test_split_never_puts_a_query_title_into_the_index() -> None:
    courses = standards()
    part = split_titles(courses, SEED)
    assert {"indexed", "dev", "test"} <= set(part.values())
    # Each distinct title (whatever its case) its own occupation, so a link names its title.
    occupation_of = {
        t: (f"occ:{_key(t)}", 0.9)
        for t in [*courses["title"], *(t for ts in courses["job_titles"] for t in ts)]
    }
    links = index_links(courses, part, occupation_of)
    queries = {k for k, side in part.items() if side in ("dev", "test")}
    assert queries
    for ref, name, titles in zip(
        courses["ref"], courses["title"], courses["job_titles"], strict=True
    ):
        kept = indexed_titles(titles, part)
        assert not {_key(t) for t in kept} & queries
        assert {_key(t) for t in titles} - queries <= {_key(t) for t in kept}
        assert not {f"occ:{k}" for k in queries} & set(links[ref])
        assert f"occ:{_key(name)}" in links[ref]


def test_hold_out_strips_query_titles_and_what_came_from_them(sqlite_app: Flask) -> None:
    from skillsmatch.extensions import db
    from skillsmatch.models import (
        Course,
        CourseOccupation,
        CourseSkill,
        Occupation,
        OccupationSkill,
        Skill,
    )

    titles = ["Dental nurse", "Q", "I", "J"]
    courses = pd.DataFrame({"ref": ["ST0001"], "title": ["Dental nurse"], "job_titles": [titles]})
    part = {"dental nurse": "indexed", "i": "indexed", "j": "indexed", "q": "dev"}
    with sqlite_app.app_context():
        skills = [
            Skill(uri=f"http://example.org/s/{i}", label=f"s{i}", skill_type="skill")
            for i in range(4)
        ]
        occs = {n: Occupation(uri=f"occ:{n}", label=n, isco08="3251") for n in "IQS"}
        for occ, skill in zip(occs.values(), skills, strict=False):
            occ.skills.append(OccupationSkill(skill=skill, relation="essential"))
        course = Course(
            reference="ST0001", kind="apprenticeship", title="Dental nurse", job_titles=titles
        )
        # As the loader records them: each link with the first title that led to it.
        course.occupations = [
            CourseOccupation(occupation=occs["I"], score=0.7, job_title="I"),
            CourseOccupation(occupation=occs["Q"], score=0.9, job_title="Q"),
            CourseOccupation(occupation=occs["S"], score=0.6, job_title="Q"),
        ]
        course.skills = [
            CourseSkill(skill=skills[i], provenance="esco-occupation", score=0.7) for i in range(3)
        ] + [CourseSkill(skill=skills[3], provenance="overview", score=0.6)]
        db.session.add_all([*skills, *occs.values(), course])
        db.session.flush()
        # The held-out title Q leads to Q and S; the indexed title J leads to S as well.
        occupation_of = {
            "Dental nurse": ("occ:I", 0.8),
            "I": ("occ:I", 0.7),
            "Q": ("occ:Q", 0.9),
            "J": ("occ:S", 0.6),
        }
        counts = hold_out(db.session, courses, part, index_links(courses, part, occupation_of))
        db.session.expire_all()
        course = db.session.scalars(sa.select(Course)).one()
        assert course.job_titles == ["Dental nurse", "I", "J"]
        assert {o.occupation.label for o in course.occupations} == {"I", "S"}
        # The skill borrowed from the query title's own occupation goes; the others stay.
        assert {s.skill.label for s in course.skills} == {"s0", "s2", "s3"}
        assert counts == {
            "titles dropped": 1,
            "links dropped": 1,
            "links kept": 2,
            "skills dropped": 1,
        }
        db.session.rollback()


@pytest.mark.parametrize("seed", range(20))
def test_learners_hold_part_of_a_profile_never_all_of_the_target(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_ess, n_opt = int(rng.integers(1, 12)), int(rng.integers(0, 12))
    target = [(i, True) for i in range(n_ess)] + [(100 + i, False) for i in range(n_opt)]
    held = set(learner_skills(target, target, rng))
    essential = {s for s, e in target if e}
    assert len(held & essential) <= n_ess // 4
    assert len(held - essential) <= math.ceil(0.5 * n_opt)
    assert not {s for s, _ in target} <= held or not target
    # Skills of a neighbouring occupation are drawn from that occupation only.
    sibling = [(200 + i, i % 2 == 0) for i in range(10)]
    assert set(learner_skills(target, sibling, rng)) <= {s for s, _ in sibling}
