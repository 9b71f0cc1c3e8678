"""The skill-sentence filter: trained on labelled sentences, it drops blurb, keeps requirements."""

from __future__ import annotations

import numpy as np
import pytest

from ml.linking import SkillLinker
from ml.sentence_filter import SentenceFilter, train_sentence_filter

REQUIREMENTS = [
    "experience with python programming is essential",
    "you will manage budgets and control finances",
    "provide personal care to residents",
    "drive heavy goods vehicles safely",
    "deliver excellent customer service",
]
BLURB = [
    "we offer a generous pension and holiday allowance",
    "our company was founded many years ago",
    "please send your application before the closing date",
    "we are an equal opportunities employer",
    "free parking and a staff discount",
]


@pytest.fixture
def trained(encoder):  # type: ignore[no-untyped-def]
    sentences = REQUIREMENTS * 8 + BLURB * 8
    labels = np.array([True] * 40 + [False] * 40)
    groups = [f"advert-{i % 10}" for i in range(80)]
    return train_sentence_filter(
        encoder.encode(sentences), labels, groups, encoder.name, keep_share=1.0
    )


def test_filter_keeps_requirements_and_drops_blurb(encoder, trained) -> None:
    sentence_filter, figures = trained
    assert sentence_filter.keeps(encoder.encode(REQUIREMENTS)).all()
    assert not sentence_filter.keeps(encoder.encode(BLURB)).any()
    assert figures["skill_sentences_kept"] == 1.0
    assert figures["roc_auc"] == 1.0 and figures["held_out_sentences"] == 16


def test_saved_filter_loads_only_for_its_encoder(encoder, trained, tmp_path) -> None:
    sentence_filter, _ = trained
    path = tmp_path / "filter.npz"
    sentence_filter.save(path)
    loaded = SentenceFilter.load(path, encoder.name)
    vectors = encoder.encode(REQUIREMENTS + BLURB)
    assert np.allclose(loaded.probability(vectors), sentence_filter.probability(vectors), atol=1e-5)
    with pytest.raises(ValueError, match="trained for"):
        SentenceFilter.load(path, "another-model")


def test_linker_leaves_out_sentences_the_filter_drops(encoder, tiny_skills, trained, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "filter.npz"
    trained[0].save(path)
    linker = SkillLinker(encoder=encoder, sentence_filter=path).fit(tiny_skills)
    [blurb, mixed] = linker.link_statements(
        [
            "We are an equal opportunities employer.",
            "We offer a generous pension. You will manage budgets and control finances.",
        ]
    )
    assert blurb.skills == [] and blurb.reason == "no requirements: no sentence names a skill"
    assert mixed.skills[0].label == "manage budgets"
    assert "pension" not in mixed.skills[0].evidence
    assert all("pension" not in s.evidence for s in mixed.skills)
    # What the text asks for, in its order, without the blurb.
    assert blurb.requirements == ()
    assert mixed.requirements == ("You will manage budgets and control finances.",)
