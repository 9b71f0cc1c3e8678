"""Low-rank tuning of the query encoder: the saved update, its merge, and what training does."""

from __future__ import annotations

import numpy as np
import pytest

from ml.encoder import MODEL_NAME, MiniLMEncoder, get_encoder
from ml.encoder_tuning import LowRankUpdate, target_names, tune_query_encoder
from ml.linking import SkillLinker

pytestmark = pytest.mark.slow

QUERIES = [
    "You will keep the books",
    "Experience of Python is essential",
    "Looking after residents",
]
CONCEPTS = ["maintain financial records", "Python (computer programming)", "provide personal care"]


def _zero_update() -> LowRankUpdate:
    shapes = get_encoder().weights
    factors = {
        name: (
            np.ones((2, shapes[name].shape[1]), dtype=np.float16),
            np.zeros((shapes[name].shape[0], 2), dtype=np.float16),
        )
        for name in target_names(6)
    }
    return LowRankUpdate(MODEL_NAME, 8.0, factors)


def test_zero_update_changes_the_name_not_the_vectors(tmp_path) -> None:
    path = tmp_path / "zero.npz"
    _zero_update().save(path)
    tuned = MiniLMEncoder(low_rank_update=path)
    assert tuned.name.startswith(MODEL_NAME + "+lora-") and tuned.name != get_encoder().name
    np.testing.assert_allclose(tuned.encode(QUERIES), get_encoder().encode(QUERIES), atol=1e-6)


def test_merge_adds_scaled_product_and_round_trips(tmp_path) -> None:
    rng = np.random.default_rng(0)
    name = "encoder.layer.0.attention.self.query.weight"
    a = rng.normal(size=(2, 384)).astype(np.float16)
    b = rng.normal(size=(384, 2)).astype(np.float16)
    update = LowRankUpdate(MODEL_NAME, 0.5, {name: (a, b)})
    update.save(tmp_path / "u.npz")
    loaded = LowRankUpdate.load(tmp_path / "u.npz")
    assert loaded.tag == update.tag and loaded.scale == 0.5
    base = get_encoder().weights
    merged = loaded.merged(base)
    expected = base[name].numpy() + 0.5 * (b.astype(np.float32) @ a.astype(np.float32))
    np.testing.assert_allclose(merged[name].numpy(), expected, rtol=1e-5, atol=1e-5)
    other = "encoder.layer.1.attention.self.query.weight"
    assert merged[other] is base[other]


def test_one_encoder_per_model_whatever_the_spelling(tmp_path) -> None:
    assert get_encoder() is get_encoder(None)
    path = tmp_path / "zero.npz"
    _zero_update().save(path)
    assert get_encoder(path) is get_encoder(str(path))
    assert get_encoder(path) is not get_encoder()


def test_bad_updates_are_refused(tmp_path) -> None:
    weights = get_encoder().weights
    wrong_shape = {target_names(1)[0]: (np.ones((2, 10)), np.ones((384, 2)))}
    with pytest.raises(ValueError, match="update"):
        LowRankUpdate(MODEL_NAME, 1.0, wrong_shape).merged(weights)
    with pytest.raises(ValueError, match="no weight"):
        LowRankUpdate(MODEL_NAME, 1.0, {"nope": (np.ones((1, 1)), np.ones((1, 1)))}).merged(weights)
    LowRankUpdate("another-model", 1.0, {}).save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="another-model"):
        MiniLMEncoder(low_rank_update=tmp_path / "other.npz")


def test_training_moves_queries_to_their_concepts(tmp_path) -> None:
    encoder = get_encoder()
    concepts = encoder.encode([*CONCEPTS, "drive heavy goods vehicles", "manage budgets"])
    before = encoder.encode(QUERIES) @ concepts.T
    snapshot = {n: encoder.weights[n].clone() for n in target_names(1)}
    update = tune_query_encoder(
        encoder,
        QUERIES * 4,
        [[0], [1], [2]] * 4,
        concepts,
        epochs=3,
        batch_size=4,
        learning_rate=5e-3,
    )
    for name, weight in snapshot.items():  # the base model is left as it was
        assert encoder.weights[name].equal(weight)
    update.save(tmp_path / "tuned.npz")
    loaded = MiniLMEncoder(low_rank_update=tmp_path / "tuned.npz")
    copied = encoder.with_update(tmp_path / "tuned.npz")
    assert copied.name == loaded.name != encoder.name
    emb = "embeddings.word_embeddings.weight"
    assert copied.weights[emb] is encoder.weights[emb]
    scores = loaded.encode(QUERIES) @ concepts.T
    np.testing.assert_allclose(copied.encode(QUERIES) @ concepts.T, scores, atol=1e-6)
    assert (scores.argmax(axis=1) == [0, 1, 2]).all()
    gain = np.diag(scores) - np.diag(before)
    assert (gain > 0.05).all(), gain


def test_linker_reads_sentences_with_the_update_and_labels_without(tmp_path, tiny_skills) -> None:
    path = tmp_path / "zero.npz"
    _zero_update().save(path)
    linker = SkillLinker(query_update=path).fit(tiny_skills)
    assert linker.encoder_ is get_encoder()
    assert linker.query_encoder_.name != linker.encoder_.name
    np.testing.assert_allclose(
        linker.index_.vectors[:1], get_encoder().encode([tiny_skills["label"][0]]), atol=1e-6
    )
    with pytest.raises(ValueError, match="no encoder"):
        SkillLinker(encoder=get_encoder(), query_update=path).fit(tiny_skills)
