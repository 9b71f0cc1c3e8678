"""SkillLinker on a five-skill taxonomy with a word-hashing encoder: ranking logic, no model."""

from __future__ import annotations

import time

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ml.linking import LinkedSkill, SkillLinker


def test_fit_returns_self_and_sets_fitted_attributes(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder)
    assert linker.fit(tiny_skills) is linker
    assert list(linker.uris_) == list(tiny_skills["uri"])
    assert 0 <= linker.suggestion_threshold_ <= linker.precision_threshold_ <= 1
    assert clone(linker).get_params()["lexical_weight"] == linker.lexical_weight


def test_unfitted_raises(encoder) -> None:
    with pytest.raises(NotFittedError):
        SkillLinker(encoder=encoder).link(["Python"])


def test_ranks_by_best_label_with_evidence(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder, calibration=(1.0, 0.0)).fit(tiny_skills)
    [skills] = linker.link(["Our office is in Leeds. You must hold HGV driving licence."], top_k=2)
    assert isinstance(skills[0], LinkedSkill)
    assert type(skills[0].uri) is str and type(skills[0].label) is str
    assert skills[0].label == "drive heavy goods vehicles"  # found through its alternative label
    assert skills[0].evidence == "You must hold HGV driving licence."
    assert skills[0].score >= skills[1].score
    assert all(0.0 <= s.score <= 1.0 for s in skills)


def test_alt_labels_can_be_switched_off(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder, use_alt_labels=False, calibration=(1.0, 0.0))
    [skills] = linker.fit(tiny_skills).link(["HGV driving"], top_k=5)
    assert skills[0].label != "drive heavy goods vehicles" or skills[0].score == 0.5


def test_top_k_and_min_score(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder).fit(tiny_skills)
    [three] = linker.link(["manage budgets and customer service"], top_k=3)
    assert len(three) == 3
    [kept] = linker.link(["manage budgets and customer service"], top_k=5, min_score=three[1].score)
    assert [s.uri for s in kept] == [s.uri for s in three[:2]] or len(kept) >= 2
    assert all(s.score >= three[1].score for s in kept)


def test_lexical_bonus_and_knowledge_prior_move_scores(encoder, tiny_skills) -> None:
    text = ["python scripting for budgets"]
    plain = SkillLinker(encoder=encoder, calibration=(1.0, 0.0)).fit(tiny_skills)
    tuned = SkillLinker(
        encoder=encoder, calibration=(1.0, 0.0), lexical_weight=0.2, knowledge_prior=-0.5
    ).fit(tiny_skills)
    assert plain.link(text)[0][0].label.startswith("Python")
    assert tuned.link(text)[0][0].label == "manage budgets"


def test_one_list_per_text_and_reasons(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder).fit(tiny_skills)
    texts = ["", "<p>manage budgets</p>", "\x00\x01binary\x02", "x" * 1_000_000]
    results = linker.link_statements(texts, top_k=2)
    assert [bool(r.skills) for r in results] == [False, True, False, False]
    assert [r.reason is None for r in results] == [False, True, False, False]
    assert len(linker.link(texts)) == 4


def test_without_a_sentence_filter_every_sentence_is_a_requirement(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder).fit(tiny_skills)
    empty, two = linker.link_statements(["", "Drive HGVs.\nManage budgets."])
    assert empty.requirements == ()
    assert two.requirements == ("Drive HGVs.", "Manage budgets.")


def test_a_megabyte_does_not_hang(encoder, tiny_skills) -> None:
    linker = SkillLinker(encoder=encoder).fit(tiny_skills)
    start = time.perf_counter()
    [result] = linker.link_statements(["manage budgets. " * 70_000])
    assert result.skills == [] and "too long" in result.reason
    assert time.perf_counter() - start < 5


def test_a_string_is_not_a_list_of_texts(encoder, tiny_skills) -> None:
    with pytest.raises(TypeError):
        SkillLinker(encoder=encoder).fit(tiny_skills).link("manage budgets")


def test_label_embeddings_are_cached(encoder, tiny_skills, tmp_path) -> None:
    SkillLinker(encoder=encoder, cache_dir=tmp_path).fit(tiny_skills)
    assert sum(encoder.calls) > 0
    encoder.calls.clear()
    SkillLinker(encoder=encoder, cache_dir=tmp_path).fit(tiny_skills)
    assert encoder.calls == []  # nothing embedded the second time
    changed = tiny_skills.assign(label=tiny_skills["label"].str.upper())
    SkillLinker(encoder=encoder, cache_dir=tmp_path).fit(changed)
    assert len(list(tmp_path.glob("*skill-labels*.npy"))) == 2
