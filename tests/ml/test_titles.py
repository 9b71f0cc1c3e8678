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
