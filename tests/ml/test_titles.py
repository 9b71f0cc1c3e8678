"""TitleNormaliser and the ISCO-08 -> SOC 2020 crosswalk, on a tiny taxonomy."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from ml.titles import NormalisedTitle, TitleNormaliser, isco_to_soc


@pytest.fixture
def occupations() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uri": ["http://example.org/occ/nurse", "http://example.org/occ/driver"],
            "label": ["nurse responsible for general care", "lorry driver"],
            "alt_labels": [["staff nurse"], ["truck driver"]],
            "isco08": ["2221", "8332"],
        }
    )


@pytest.fixture
def soc_index() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Staff nurse", "Ward sister", "HGV driver", "Tipper driver", "Driver"],
            "soc2020": ["2231", "2231", "8211", "8211", "8214"],
            "isco08": ["2221", "2221", "8332", "8332", "8332"],
        }
    )


def test_crosswalk_takes_the_most_frequent_soc(soc_index) -> None:
    assert isco_to_soc(soc_index) == {"2221": "2231", "8332": "8211"}


def test_crosswalk_ties_go_to_the_lower_code() -> None:
    index = pd.DataFrame(
        {"title": ["a", "b"], "soc2020": ["9000", "1000"], "isco08": ["1111", "1111"]}
    )
    assert isco_to_soc(index) == {"1111": "1000"}


def test_fit_and_normalise(encoder, occupations, soc_index) -> None:
    normaliser = TitleNormaliser(encoder=encoder)
    with pytest.raises(NotFittedError):
        normaliser.normalise(["nurse"])
    assert normaliser.fit(occupations, soc_index) is normaliser
    [found, empty] = normaliser.normalise(["HGV driver (nights)", "  "], top_k=2)
    assert isinstance(found[0], NormalisedTitle)
    assert found[0].uri == "http://example.org/occ/driver"
    assert found[0].soc2020 == "8211"
    assert found[0].score >= found[1].score
    assert empty == []


def test_min_score(encoder, occupations, soc_index) -> None:
    normaliser = TitleNormaliser(encoder=encoder).fit(occupations, soc_index)
    [found] = normaliser.normalise(["staff nurse"], top_k=2, min_score=0.99)
    assert [o.label for o in found] == ["nurse responsible for general care"]


@pytest.fixture
def rangers() -> pd.DataFrame:
    """Two occupations a bare "Ranger" names equally; only their descriptions tell them apart."""
    return pd.DataFrame(
        {
            "uri": ["http://example.org/occ/forest", "http://example.org/occ/outdoor"],
            "label": ["forest warden", "outdoor activities leader"],
            "alt_labels": [["ranger"], ["ranger"]],
            "isco08": ["6210", "3423"],
            "description": [
                "Protects woodland, plants trees and fells timber.",
                "Leads groups climbing, canoeing and hill walking.",
            ],
        }
    )


def test_context_decides_between_occupations_the_title_names_alike(encoder, rangers) -> None:
    normaliser = TitleNormaliser(encoder=encoder).fit(rangers)
    [alone] = normaliser.normalise(["Ranger"], top_k=2)
    assert alone[0].score == pytest.approx(alone[1].score)
    [outdoors, woods] = normaliser.normalise(
        ["Ranger", "Ranger"],
        top_k=2,
        context=[
            "Outdoor activity instructor: leads groups canoeing and climbing",
            "Forestry worker: plants trees and fells timber in woodland",
        ],
    )
    assert outdoors[0].uri == "http://example.org/occ/outdoor"
    assert woods[0].uri == "http://example.org/occ/forest"
    # The score is the re-ranked one: best first, still in [0, 1].
    assert 1.0 >= outdoors[0].score > outdoors[1].score >= 0.0


def test_blank_context_leaves_a_title_as_it_is(encoder, occupations, soc_index) -> None:
    normaliser = TitleNormaliser(encoder=encoder).fit(occupations, soc_index)
    plain = normaliser.normalise(["HGV driver", "staff nurse"], top_k=2)
    assert normaliser.normalise(["HGV driver", "staff nurse"], top_k=2, context=["", None]) == plain


def test_context_needs_descriptions_and_one_context_per_title(encoder, rangers) -> None:
    without = TitleNormaliser(encoder=encoder).fit(rangers.drop(columns="description"))
    assert without.profile_vectors_ is None
    [found] = without.normalise(["Ranger"], top_k=2, context=["canoeing and climbing"])
    assert found[0].score == pytest.approx(found[1].score)
    switched_off = TitleNormaliser(encoder=encoder, context_weight=0.0).fit(rangers)
    assert switched_off.profile_vectors_ is None
    with pytest.raises(ValueError, match="2 contexts for 1 titles"):
        switched_off.normalise(["Ranger"], context=["a", "b"])
