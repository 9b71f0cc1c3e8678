"""The plain-torch MiniLM encoder gives sentence-transformers' embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from ml.encoder import get_encoder, model_path

pytestmark = pytest.mark.slow

TEXTS = ["Experience of Python and SQL is essential.", "care", "word " * 400, "Ünïcode café"]


def test_matches_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    got = get_encoder().encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_empty_batch() -> None:
    assert get_encoder().encode([]).shape == (0, get_encoder().dimension)
