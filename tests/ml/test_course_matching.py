"""CourseMatcher on a handful of courses with a word-hashing encoder: ranking, abstention, input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ml.course_matching import (
    FEATURES,
    CourseMatch,
    CourseMatcher,
    clean_course_name,
    expand_abbreviations,
    head_word,
    query_variants,
    tuned_params,
)


@pytest.fixture
def courses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref": ["ST0005", "ST0257", "ST0152", "ST0608", "ST0300"],
            "title": [
                "Adult care worker",
                "Large goods vehicle (LGV) driver C + E",
                "Installation and maintenance electrician",
                "Accounts or finance assistant",
                "Pharmacy technician (integrated)",
            ],
            "overview": [
                "Care workers help adults with personal care and daily living.",
                "Drivers deliver goods in heavy goods vehicles across the country.",
                "Electricians install and maintain electrical systems in buildings.",
                "Finance assistants keep the accounts and process invoices.",
                "Pharmacy technicians prepare and supply medicines.",
            ],
            "job_titles": [
                ["care assistant", "care worker", "carer"],
                ["HGV driver", "lorry driver", "LGV driver"],
                ["electrician", "electrical installer"],
                "Accounts assistant;Finance assistant;Purchase ledger clerk",
                ["Pharmacy technician"],
            ],
            "level": [2, 2, 3, 2, "5"],
        }
    )


@pytest.fixture
def occupations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Pharmacist", "Pharmacy technician", "Care assistant", "Hgv driver"],
            "group": ["2251", "3212", "6135", "8211"],
        }
    )


def _open(**params: object) -> dict[str, object]:
    """Thresholds at zero: every course is listed, so ranking can be checked alone."""
    return {"abstain_threshold": 0.0, "list_threshold": 0.0, **params}


def test_fit_returns_self_and_sets_fitted_state(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder)
    assert matcher.fit(courses) is matcher
    assert list(matcher.refs_) == list(courses["ref"])
    assert matcher.coef_.shape == (len(FEATURES),)
    # Names lose their "(integrated)" qualifier and labels their parentheses.
    assert "Pharmacy technician" in matcher.label_texts_
    assert "Large goods vehicle driver C + E" in matcher.label_texts_
    assert "Purchase ledger clerk" in matcher.label_texts_  # ";"-separated titles read too
    assert matcher.levels_.tolist() == pytest.approx([0.0, 0.0, 0.2, 0.0, 0.6])
    assert clone(matcher).get_params()["segment_penalty"] == matcher.segment_penalty


def test_unfitted_raises(encoder) -> None:
    with pytest.raises(NotFittedError):
        CourseMatcher(encoder=encoder).match(["electrician"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="title"), "lacks columns"),
        (lambda f: f.iloc[:0], "empty"),
        (lambda f: f.assign(ref=["A", "A", "B", "C", "D"]), "duplicate course refs"),
        (lambda f: f.assign(title=["", *f["title"][1:]]), "without a title"),
    ],
)
def test_bad_course_tables_are_refused(encoder, courses, change, message) -> None:
    with pytest.raises(ValueError, match=message):
        CourseMatcher(encoder=encoder).fit(change(courses))


def test_weights_must_match_the_features(encoder, courses) -> None:
    with pytest.raises(ValueError, match="weights must have"):
        CourseMatcher(encoder=encoder, weights=(1.0, 2.0)).fit(courses)


def test_ranks_the_fitting_course_first(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder, **_open()).fit(courses)
    found = matcher.match(["HGV driver - Nights - £14/hr", "Electrician", "care assistant"])
    assert [f[0].ref for f in found] == ["ST0257", "ST0152", "ST0005"]
    for courses_found in found:
        assert isinstance(courses_found[0], CourseMatch)
        scores = [c.score for c in courses_found]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
    assert found[0][0].title == "Large goods vehicle (LGV) driver C + E"  # the name as given


def test_abstains_when_no_course_fits(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder, abstain_threshold=0.2).fit(courses)
    [fits, nothing] = matcher.match(["care assistant", "astronaut on the space station"])
    assert fits and fits[0].ref == "ST0005"
    assert nothing == []
    # An explicit floor replaces the thresholds: every course at or above it is listed.
    [everything] = matcher.match(["astronaut on the space station"], min_score=0.0)
    assert len(everything) == len(courses)


def test_abstains_when_the_occupation_rules_out_the_best_course(
    encoder, courses, occupations
) -> None:
    # "Pharmacist" is surely SOC 2251; its nearest course trains pharmacy technicians (3212).
    matcher = CourseMatcher(encoder=encoder, **_open()).fit(courses, occupations=occupations)
    [pharmacist, technician] = matcher.match(["Pharmacist", "Pharmacy technician"])
    assert pharmacist == []
    assert technician[0].ref == "ST0300"
    # The rule belongs to the default thresholds: an explicit floor still ranks every course.
    [ranked] = matcher.match(["Pharmacist"], min_score=0.0)
    assert ranked[0].ref == "ST0300"
    loose = (
        clone(matcher).set_params(mismatch_confidence=1.01).fit(courses, occupations=occupations)
    )
    assert loose.match(["Pharmacist"])[0][0].ref == "ST0300"


def test_list_threshold_trims_weak_courses(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder, abstain_threshold=0.2, list_threshold=0.2)
    [found] = matcher.fit(courses).match(["care assistant"])
    assert found and all(c.score >= 0.2 for c in found)
    assert len(found) < len(courses)


def test_top_k_caps_the_list(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder, **_open()).fit(courses)
    assert len(matcher.match(["care assistant"], top_k=2)[0]) == 2
    assert matcher.match(["care assistant"], top_k=0) == [[]]


def test_ties_keep_the_fitted_order(encoder) -> None:
    twins = pd.DataFrame({"ref": ["B2", "A1", "C3"], "title": ["Baker", "Baker", "Welder"]})
    matcher = CourseMatcher(encoder=encoder, **_open()).fit(twins)
    for _ in range(3):
        [found] = matcher.match(["baker"])
        assert [c.ref for c in found[:2]] == ["B2", "A1"]
        assert found[0].score == found[1].score


def test_empty_and_wordless_input(encoder, courses) -> None:
    matcher = CourseMatcher(encoder=encoder, **_open()).fit(courses)
    assert matcher.match([]) == []
    assert matcher.match(["", "   ", "*** 123 ***"], min_score=0.0) == [[], [], []]
    assert matcher.scores([]).shape == (0, len(courses))
    with pytest.raises(TypeError, match="not one string"):
        matcher.match("electrician")


def test_occupation_agreement_tells_pharmacist_from_technician(
    encoder, courses, occupations
) -> None:
    matcher = CourseMatcher(encoder=encoder).fit(courses, occupations=occupations)
    assert list(matcher.groups_) == ["2251", "3212", "6135", "8211"]
    technician = list(matcher.refs_).index("ST0300")
    column = FEATURES.index("occupation")
    own, other = matcher.variant_features(["Pharmacy technician", "Pharmacist"])[:, technician]
    assert own[column] > 0.9
    assert other[column] < 0.1
    with pytest.raises(ValueError, match="occupations lacks"):
        CourseMatcher(encoder=encoder).fit(courses, occupations=occupations[["title"]])


def test_course_embeddings_are_cached(encoder, courses, tmp_path) -> None:
    CourseMatcher(encoder=encoder, cache_dir=tmp_path).fit(courses)
    first = list(encoder.calls)
    assert len(list(tmp_path.glob("courses-labels--*.npy"))) == 1
    CourseMatcher(encoder=encoder, cache_dir=tmp_path).fit(courses)
    assert encoder.calls == first  # nothing embedded the second time


def test_query_variants() -> None:
    assert query_variants("Senior Care Assistant - Nights") == [("Senior Care Assistant", True)]
    assert query_variants("HGV Class 1 Driver - £14/hr")[0] == (
        "heavy goods vehicle Class 1 Driver",
        True,
    )
    variants = query_variants("Care Assistant  Deeside")
    assert variants[:2] == [("Care Assistant Deeside", True), ("Care Assistant", True)]
    assert ("Deeside", False) in variants
    assert ("Clinical Nurse Specialist", False) in query_variants(
        "Clinical Nurse Specialist in Pain Medicine"
    )
    advert = "Staff Nurse\nWe are looking for a nurse to join our ward team. Apply today."
    assert query_variants(advert)[0] == ("Staff Nurse", True)
    assert query_variants(advert)[1][1] is False
    assert query_variants("") == [] and query_variants("***") == []


def test_query_variants_cut_places_and_languages_after_the_job() -> None:
    heads = frozenset({"worker", "manager", "assistant", "accountant", "agent", "nurse"})
    variants = query_variants("Care Workers Wool", job_heads=heads)
    assert ("Care Workers", False) in variants
    assert ("Home Manager", False) in query_variants(
        "Home Manager Rotherham ****K", job_heads=heads
    )
    assert ("Reservations Agent", False) in query_variants(
        "German Speaking Reservations Agent", job_heads=heads
    )
    # A title already ending on a job noun is not cut. A job is cut down to one word only when
    # that word names a job alone: "Nurse" does, "Assistant" or "Manager" does not.
    assert [v for v, _ in query_variants("Assistant accountant", job_heads=heads)] == [
        "Assistant accountant"
    ]
    assert ("Nurse", False) in query_variants("Nurse Essex", job_heads=heads)
    assert [v for v, _ in query_variants("Assistant Essex", job_heads=heads)] == ["Assistant Essex"]
    assert [v for v, _ in query_variants("Manager Essex", job_heads=heads)] == ["Manager Essex"]
    # Without job nouns nothing is cut.
    assert ("Care Workers", False) not in query_variants("Care Workers Wool")


def test_fitted_job_nouns_come_from_labels_and_the_occupation_index(encoder, courses) -> None:
    occupations = pd.DataFrame({"title": ["Hgv driver", "Barista"], "group": ["8211", "9265"]})
    matcher = CourseMatcher(encoder=encoder).fit(courses, occupations=occupations)
    assert {"driver", "barista"} <= matcher.job_heads_
    assert "" not in matcher.job_heads_


def test_title_helpers() -> None:
    assert clean_course_name("Dental nurse (GDC 2023)") == "Dental nurse"
    assert clean_course_name("Doctor (Degree)") == "Doctor"
    assert head_word("Senior care assistant") == "assistant"
    assert head_word("Electrician apprentice") == "electrician"
    assert head_word("Team lead") == "team"
    assert expand_abbreviations("RGN Nurse") == "registered general nurse Nurse"


def test_tuned_params_fit_the_features() -> None:
    params = tuned_params()
    assert len(params["weights"]) == len(FEATURES)
    assert 0.0 < params["list_threshold"] <= params["abstain_threshold"] < 1.0
    assert np.isfinite(params["intercept"])
