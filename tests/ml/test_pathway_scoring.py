"""The pathway scorer on hand-made arrays: coverage, hierarchy, constraints, confidence, search."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ml.pathway_scoring import (
    PATHWAY_WEIGHTS,
    Catalogue,
    LearnerQuery,
    PathwayScorer,
    SkillSets,
    expand_credit,
    hierarchy_credit,
)
from ml.vector_index import PartitionedVectorIndex, top_k

TODAY = 740_000  # a day number
SAME, NEAR, ONLINE = "same district", "neighbouring district", "online"
# Partitions 0 (home), 1 (neighbour), 2 (far), 3 (online / no district).
HOME_TRAVEL = [SAME, NEAR, None, ONLINE]

# Skills: 0..5 the target's (0-3 essential, 4-5 optional); 6 is narrower than 3, 7 narrower
# than 6; 8 belongs to nothing.
N_SKILLS = 9


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def catalogue(
    courses: list[list[int]] | None = None,
    offerings: list[tuple[int, int, int, int]] | None = None,
    course_level: list[int] | None = None,
    course_strength: list[list[float]] | None = None,
    vacancies: list[tuple[list[int], list[bool], int]] | None = None,
) -> Catalogue:
    """A small catalogue. ``offerings``: (course, partition, places, days from today)."""
    courses = courses if courses is not None else [[1, 2], [3], [1, 2, 3]]
    offerings = (
        offerings if offerings is not None else [(0, 0, 10, 30), (1, 3, 10, 30), (2, 2, 10, 30)]
    )
    n_courses = len(courses)
    rng = np.random.default_rng(0)
    vacancies = (
        vacancies
        if vacancies is not None
        else [
            ([0, 4], [True, True], 0),
            ([0, 1, 2, 3], [True] * 4, 1),
            ([0, 4], [True, True], 2),
        ]
    )
    return Catalogue(
        n_skills=N_SKILLS,
        n_partitions=3,
        broader=np.array([[6, 3], [7, 6]]),
        course_vectors=unit(rng.normal(size=(n_courses, 8))),
        course_skills=SkillSets.from_lists(courses, strength=course_strength),
        course_level=np.array(course_level if course_level is not None else [2] * n_courses),
        course_targets=sp.csr_matrix((n_courses, 2), dtype=np.float32),
        offering_course=np.array([o[0] for o in offerings]),
        offering_partition=np.array([o[1] for o in offerings]),
        offering_places=np.array([o[2] for o in offerings]),
        offering_starts=np.array([[TODAY + o[3]] for o in offerings]),
        target_vectors=unit(rng.normal(size=(2, 8))),
        target_skills=SkillSets.from_lists(
            [[0, 1, 2, 3, 4, 5], [8]], essential=[[True] * 4 + [False] * 2, [True]]
        ),
        target_sector=np.array([0, 1]),
        vacancy_vectors=unit(rng.normal(size=(len(vacancies), 8))),
        vacancy_skills=SkillSets.from_lists([v[0] for v in vacancies], [v[1] for v in vacancies]),
        vacancy_partition=np.array([v[2] for v in vacancies]),
        vacancy_target=np.zeros(len(vacancies), dtype=np.int64),
        vacancy_sector=np.zeros(len(vacancies), dtype=np.int64),
        vacancy_closing=np.full(len(vacancies), TODAY + 100),
    )


def query(
    skills: list[int],
    strength: list[float] | None = None,
    level: int | None = 2,
    travel: list[str | None] | None = None,
) -> LearnerQuery:
    return LearnerQuery(
        vector=np.zeros(8, dtype=np.float32),
        skills=np.array(skills, dtype=np.int64),
        strength=np.array(strength if strength is not None else [1.0] * len(skills)),
        level=level,
        sectors=frozenset({0}),
        travel=travel or HOME_TRAVEL,
        today=TODAY,
    )


def by_course(rec: object) -> dict[int, object]:
    return {p.course: p for p in rec.pathways}  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- estimator behaviour


def test_estimator_conventions() -> None:
    scorer = PathwayScorer(top_k=5, narrower_credit=0.4)
    assert scorer.get_params()["top_k"] == 5
    copy = clone(scorer)
    assert copy.get_params() == scorer.get_params() and copy is not scorer
    with pytest.raises(NotFittedError):
        scorer.recommend(query([0]))
    assert scorer.fit(catalogue()) is scorer
    fitted = [k for k in vars(scorer) if k.endswith("_") and not k.startswith("_")]
    assert {"hierarchy_", "course_credit_", "relevance_", "vacancy_index_"} <= set(fitted)
    assert not hasattr(copy, "hierarchy_")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"weights": {**PATHWAY_WEIGHTS, "skills": 0.9}}, "sum to 1"),
        ({"weights": {"skills": 1.0}}, "must have the parts"),
        ({"travel_factors": {SAME: 1.5}}, "travel factors"),
        ({"similarity_floor": 0.8, "similarity_ceiling": 0.2}, "similarity_ceiling"),
        ({"level_factors": {"0": 1.0}}, "'below' and 'unknown'"),
    ],
)
def test_bad_parameters_are_refused_at_fit(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PathwayScorer(**params).fit(catalogue())


def test_bad_queries_name_the_problem() -> None:
    scorer = PathwayScorer().fit(catalogue())
    with pytest.raises(ValueError, match="one entry per district plus one"):
        scorer.recommend(query([0], travel=[SAME]))
    with pytest.raises(ValueError, match="unknown travel label 'by boat'"):
        scorer.recommend(query([0], travel=[SAME, "by boat", None, ONLINE]))
    with pytest.raises(ValueError, match="skill columns must be in 0..8"):
        scorer.recommend(query([42]))


def test_catalogue_checks_its_shapes() -> None:
    good = catalogue()
    with pytest.raises(ValueError, match="course_level is 1, expected 3"):
        Catalogue(**{**good.__dict__, "course_level": np.array([2])})


# ---------------------------------------------------------------------------- skills and hierarchy


def test_skill_sets_merge_repeats() -> None:
    sets = SkillSets.from_lists(
        [[3, 1, 3], []], essential=[[False, True, True], []], strength=[[0.2, 1.0, 0.6], []]
    )
    cols, ess, strength = sets.row(0)
    assert cols.tolist() == [1, 3]
    assert ess.tolist() == [True, True]  # any essential mention makes it essential
    assert strength.tolist() == pytest.approx([1.0, 0.6])  # the strongest link
    assert sets.row(1)[0].tolist() == []
    with pytest.raises(ValueError, match=r"strengths must be in \(0, 1\]"):
        SkillSets.from_lists([[1]], strength=[[0.0]])


def test_hierarchy_credit_decays_per_level_and_stops_at_depth() -> None:
    credit = hierarchy_credit(4, np.array([1, 2, 3]), np.array([0, 1, 2]), 0.5, max_depth=2)
    dense = credit.toarray()
    assert dense[1, 0] == 0.5  # child -> parent
    assert dense[2, 0] == 0.25  # grandchild -> grandparent
    assert dense[3, 0] == 0.0  # three levels: beyond max_depth
    assert dense[0, 1] == 0.0  # a broader skill does not cover a narrower one
    assert np.all(np.diag(dense) == 1.0)
    # A cycle in the input does not loop for ever.
    hierarchy_credit(2, np.array([0, 1]), np.array([1, 0]), 0.5, max_depth=5)


def test_expand_credit_takes_the_best_source() -> None:
    credit = hierarchy_credit(3, np.array([1, 2]), np.array([0, 0]), 0.5)
    sets = SkillSets.from_lists([[1, 2], [0]], strength=[[0.4, 0.9], [0.3]])
    cov, evid = expand_credit(sets, credit)
    assert cov.toarray()[0].tolist() == pytest.approx([0.5, 1.0, 1.0])
    assert evid.toarray()[0].tolist() == pytest.approx([0.45, 0.4, 0.9])
    assert cov.toarray()[1].tolist() == pytest.approx([1.0, 0.0, 0.0])


def test_essential_skills_weigh_more_than_optional() -> None:
    scorer = PathwayScorer().fit(catalogue())
    with_essential = by_course(scorer.recommend(query([0])))[1]
    with_optional = by_course(scorer.recommend(query([4])))[1]
    # Both hold one of the target's skills; the essential one covers more of it.
    assert with_essential.coverage_now > with_optional.coverage_now
    assert with_essential.coverage_now == pytest.approx(1 / (4 + 2 * 0.35))
    assert with_optional.coverage_now == pytest.approx(0.35 / (4 + 2 * 0.35))
    assert with_essential.scored.score > with_optional.scored.score


def test_narrower_skill_gives_partial_credit() -> None:
    scorer = PathwayScorer().fit(catalogue())
    weight = 4 + 2 * 0.35
    child = by_course(scorer.recommend(query([6])))[0]  # 6 is narrower than required skill 3
    grandchild = by_course(scorer.recommend(query([7])))[0]
    assert child.coverage_now == pytest.approx(0.5 / weight)
    assert grandchild.coverage_now == pytest.approx(0.25 / weight)
    assert child.skills.partly.tolist() == [3] and child.skills.partly_from.tolist() == [6]
    assert 3 not in child.skills.missing
    none = PathwayScorer(narrower_credit=0.0).fit(catalogue())
    assert by_course(none.recommend(query([6])))[0].coverage_now == 0.0


def test_breakdown_have_adds_missing_essential_first() -> None:
    scorer = PathwayScorer().fit(catalogue())
    p = by_course(scorer.recommend(query([0, 4])))[0]  # course 0 teaches 1 and 2
    assert p.skills.have.tolist() == [0, 4]
    assert p.skills.adds.tolist() == [1, 2]
    assert p.skills.missing.tolist() == [3, 5]  # 3 essential before 5 optional
    assert p.skills.missing_essential.tolist() == [3]
    assert p.coverage_after == pytest.approx((3 + 0.35) / (4 + 0.7))
    assert p.scored.values["gain"] == pytest.approx(2 / 4.7)


# ---------------------------------------------------------------------------- constraints


def test_out_of_reach_and_full_courses_are_never_offered() -> None:
    scorer = PathwayScorer().fit(catalogue())
    rec = scorer.recommend(query([0]))
    assert set(by_course(rec)) == {0, 1}  # course 2 runs only in the far district
    full = PathwayScorer().fit(catalogue(offerings=[(0, 0, 0, 30), (1, 3, 10, 30), (2, 2, 10, 30)]))
    assert set(by_course(full.recommend(query([0])))) == {1}
    assert rec.n_courses_in_reach == 2


def test_travel_level_and_start_date_factors() -> None:
    offerings = [(0, 0, 10, 30), (1, 1, 10, 30), (2, 0, 10, 300)]
    scorer = PathwayScorer(max_per_target=3).fit(
        catalogue(courses=[[1], [1], [1]], offerings=offerings, course_level=[2, 2, 2])
    )
    got = by_course(scorer.recommend(query([0])))
    assert got[0].travel == SAME and got[1].travel == NEAR
    assert got[0].scored.values["practical"] == pytest.approx(1.0)
    assert got[1].scored.values["practical"] == pytest.approx(0.8)
    # 300 days away: linearly between 1 (120 days) and 0.6 (365 days).
    assert got[2].scored.values["practical"] == pytest.approx(1 - 0.4 * 180 / 245, rel=1e-5)

    levels = PathwayScorer(max_per_target=3).fit(
        catalogue(
            courses=[[1], [1], [1]],
            offerings=[(k, 0, 10, 30) for k in range(3)],
            course_level=[1, 4, 5],
        )
    )
    got = by_course(levels.recommend(query([0], level=2)))
    assert got[0].scored.values["practical"] == pytest.approx(0.7)  # a level below
    assert got[1].scored.values["practical"] == pytest.approx(0.5)  # two up
    assert got[1].level_step == 2
    assert 2 not in got  # three levels up: out of bounds
    unknown = by_course(levels.recommend(query([0], level=None)))
    assert set(unknown) == {0, 1, 2}
    assert unknown[2].scored.values["practical"] == pytest.approx(0.9)


def test_offering_with_no_upcoming_start_scores_lower() -> None:
    cat = catalogue(courses=[[1], [1]], offerings=[(0, 0, 10, 30), (1, 0, 10, -30)])
    got = by_course(PathwayScorer().fit(cat).recommend(query([0])))
    assert got[1].next_start is None
    assert got[1].scored.values["practical"] == pytest.approx(0.5)
    assert got[0].next_start == TODAY + 30


# ---------------------------------------------------------------------------- scores and confidence


def test_contributions_sum_to_the_score() -> None:
    rec = PathwayScorer().fit(catalogue()).recommend(query([0, 4]))
    for p in rec.pathways + rec.two_step + rec.ready_now + rec.close:
        assert sum(p.scored.contributions.values()) == pytest.approx(p.scored.score)
        assert all(0.0 <= v <= 1.0 for v in p.scored.values.values())


def test_confidence_says_when_a_match_rests_on_weak_links() -> None:
    weak = PathwayScorer().fit(catalogue(course_strength=[[0.3, 0.3], [0.3], [0.3, 0.3, 0.3]]))
    p = by_course(weak.recommend(query([0], strength=[0.3])))[0]
    assert (p.scored.n_evidence, p.scored.n_weak) == (3, 3)
    assert p.scored.confidence_label == "low"
    assert p.scored.confidence == pytest.approx(1 - math.exp(-0.9 / 4.0))

    # However much evidence, a match resting only on weak links stays low, mostly weak medium.
    many_weak = PathwayScorer(confidence_scale=0.1).fit(
        catalogue(course_strength=[[0.3, 0.3], [0.3], [0.3, 0.3, 0.3]])
    )
    p = by_course(many_weak.recommend(query([0], strength=[0.3])))[0]
    assert p.scored.confidence > 0.99 and p.scored.confidence_label == "low"
    mostly_weak = PathwayScorer(confidence_scale=0.1).fit(
        catalogue(course_strength=[[0.3, 0.3], [0.3], [0.3, 0.3, 0.3]])
    )
    p = by_course(mostly_weak.recommend(query([0, 4], strength=[0.3, 1.0])))[0]
    assert p.scored.n_weak * 2 > p.scored.n_evidence > p.scored.n_weak
    assert p.scored.confidence_label == "medium"

    strong = PathwayScorer(confidence_scale=1.0).fit(catalogue())
    p = by_course(strong.recommend(query([0, 4])))[0]
    assert (p.scored.n_evidence, p.scored.n_weak) == (4, 0)
    assert p.scored.confidence_label == "high"


def test_two_step_covers_what_the_first_course_leaves() -> None:
    # Skills-first weights rank course 0 (two of the target's skills) above course 1 (one), so
    # the two-step pathway starts from course 0.
    skills_first = {
        "skills": 0.3,
        "gain": 0.1,
        "relevance": 0.15,
        "interest": 0.2,
        "practical": 0.15,
        "jobs": 0.1,
    }
    rec = PathwayScorer(weights=skills_first).fit(catalogue()).recommend(query([0, 4]))
    two = [p for p in rec.two_step if p.course == 0]
    assert two and two[0].second_course == 1
    assert two[0].skills.adds_second.tolist() == [3]
    assert two[0].skills.missing.tolist() == [5]
    assert two[0].second_travel == ONLINE
    assert two[0].scored.contributions["two courses"] == pytest.approx(-0.05)
    # The same pair of courses is offered once, whichever comes first.
    assert len({frozenset((p.course, p.second_course)) for p in rec.two_step}) == len(rec.two_step)


def test_ready_now_uses_essential_skills_and_reach() -> None:
    scorer = PathwayScorer().fit(catalogue())
    rec = scorer.recommend(query([0, 4]))
    assert [m.vacancy for m in rec.ready_now] == [0]  # vacancy 2 has the same skills but is far
    assert rec.ready_now[0].essential_coverage == 1.0
    assert [m.vacancy for m in rec.close] == [1]
    assert rec.close[0].skills.missing.tolist() == [1, 2, 3]
    strict = PathwayScorer(ready_threshold=1.0).fit(catalogue())
    assert strict.recommend(query([0])).ready_now == []


def test_unmatched_skills_are_reported() -> None:
    rec = PathwayScorer().fit(catalogue()).recommend(query([5, 8, 7]))
    # 8 is asked for by target 1 and 7 partly covers 3 through the hierarchy; 5 is required.
    assert rec.unmatched_skills.tolist() == []
    cat = catalogue()
    cat = Catalogue(
        **{
            **cat.__dict__,
            "target_skills": SkillSets.from_lists(
                [[0, 1, 2, 3, 4, 5], [0]], essential=[[True] * 4 + [False] * 2, [True]]
            ),
        }
    )
    assert PathwayScorer().fit(cat).recommend(query([8, 0])).unmatched_skills.tolist() == [8]


# ---------------------------------------------------------------------------- provision, pipeline


def test_provision_coverage_in_reach_of_the_job() -> None:
    scorer = PathwayScorer().fit(catalogue())
    req = SkillSets.from_lists([[0, 1, 2, 3, 4]], [[True, True, True, True, False]])
    got = {p.course: p for p in scorer.provision(req, np.zeros(8), HOME_TRAVEL)}
    assert set(got) == {0, 1}  # course 2 is far from the job
    assert got[0].essential_coverage == 0.5 and got[0].optional_coverage == 0.0
    assert got[1].essential_coverage == 0.25 and got[1].travel == ONLINE
    assert got[0].covered.tolist() == [1, 2]
    assert scorer.provision(SkillSets.from_lists([[]]), np.zeros(8), HOME_TRAVEL) == []
    assert scorer.provision(SkillSets.from_lists([[8]]), np.zeros(8), HOME_TRAVEL) == []


def test_provision_batch_agrees_with_one_at_a_time() -> None:
    cat = catalogue()
    scorer = PathwayScorer().fit(cat)
    table = [[SAME if p == h else None for p in range(3)] + [ONLINE] for h in range(3)]
    table.append([None, None, None, ONLINE])
    courses, scores, ess = scorer.provision_batch(
        cat.vacancy_skills, cat.vacancy_vectors, cat.vacancy_partition, table, top_k_courses=3
    )
    for v in range(cat.vacancy_skills.n_rows):
        one = scorer.provision(
            cat.vacancy_skills.take(np.array([v])),
            cat.vacancy_vectors[v],
            table[int(cat.vacancy_partition[v])],
            top_k_courses=3,
        )
        assert [p.course for p in one] == [c for c in courses[v].tolist() if c >= 0]
        assert [p.scored.score for p in one] == pytest.approx(scores[v][: len(one)].tolist())
        assert [p.essential_coverage for p in one] == pytest.approx(ess[v][: len(one)].tolist())


def test_pipeline_ready_on_pathway_or_neither() -> None:
    scorer = PathwayScorer().fit(catalogue())
    req = SkillSets.from_lists([[0, 1, 2, 3, 5]])
    learners = SkillSets.from_lists([[0, 1, 2, 3], [0, 3], [8], [0, 3]])
    table = [HOME_TRAVEL, HOME_TRAVEL, [None, None, SAME, ONLINE], [None, None, None, ONLINE]]
    counts = scorer.pipeline(
        req, learners, np.array([0, 0, 0, 2]), np.array([2, 2, 2, -1]), table, TODAY
    )
    assert counts.ready.tolist() == [True, False, False, False]  # 4 of 5 essential: 80%
    # Learner 1 reaches course 0 (adds 1 and 2: 80% after); learner 2 would cover 40% after it;
    # learner 3 lives in the far district, where course 2 supplies 1, 2 and 3.
    assert counts.via_course.tolist() == [False, True, False, True]
    assert counts.best_course.tolist() == [-1, 0, -1, 2]


# ---------------------------------------------------------------------------- vector search


def test_top_k_orders_best_first() -> None:
    assert top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3).tolist() == [1, 3, 2]
    assert top_k(np.array([0.3]), 5).tolist() == [0]
    assert top_k(np.array([]), 2).tolist() == []


def test_partitioned_search_exact_and_ivf() -> None:
    rng = np.random.default_rng(1)
    centres = unit(rng.normal(size=(40, 32)))
    rows = rng.integers(0, 40, 6000)
    vectors = unit(centres[rows] + 0.3 * rng.normal(size=(6000, 32)))
    partition = rng.integers(0, 4, 6000)
    exact = PartitionedVectorIndex(method="exact").fit(vectors, partition)
    ivf = PartitionedVectorIndex(method="ivf", n_probe=16).fit(vectors, partition)
    recall = []
    for q in unit(centres[:20] + 0.3 * rng.normal(size=(20, 32))):
        s, r = exact.search(q, 10, [0, 2])
        assert set(partition[exact.order_[r]].tolist()) <= {0, 2}
        assert np.all(np.diff(s) <= 0)
        brute = np.flatnonzero(np.isin(partition, [0, 2]))
        best = brute[np.argsort(-(vectors[brute] @ q))[:10]]
        assert set(exact.order_[r].tolist()) == set(best.tolist())
        _, r2 = ivf.search(q, 10, [0, 2])
        recall.append(len(set(ivf.order_[r2].tolist()) & set(best.tolist())) / 10)
    assert np.mean(recall) >= 0.9
    assert exact.search(centres[0], 5, [7])[1].tolist() == []  # an empty partition


def test_grouped_input_is_not_copied() -> None:
    vectors = unit(np.random.default_rng(2).normal(size=(100, 8)))
    index = PartitionedVectorIndex().fit(vectors, np.repeat([0, 1], 50))
    assert np.shares_memory(index.vectors_, vectors)
