"""The in-taxonomy softmax loss and the linear adapter trained with it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ml.adapter import multi_positive_loss, train_adapter


def test_loss_is_minus_the_log_of_the_mass_on_the_correct_concepts() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]))
    target = torch.tensor([[True, True, False], [False, False, True]])
    expected = (-math.log(0.8) - math.log(0.8)) / 2
    assert multi_positive_loss(logits, target).item() == pytest.approx(expected, rel=1e-6)


def test_adapter_moves_noisy_sentences_onto_their_concepts() -> None:
    rng = np.random.default_rng(0)
    concepts = rng.normal(size=(50, 16)).astype(np.float32)
    concepts /= np.linalg.norm(concepts, axis=1, keepdims=True)
    noisy = concepts[:20] + 0.6 * rng.normal(size=(20, 16)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    truth = np.arange(20)
    before = ((noisy @ concepts.T).argmax(axis=1) == truth).mean()
    weight = train_adapter(
        noisy, [[i] for i in truth], concepts, epochs=100, batch_size=8, identity_penalty=0.01
    )
    after = (((noisy @ weight) @ concepts.T).argmax(axis=1) == truth).mean()
    assert weight.shape == (16, 16)
    assert before < 0.5
    assert after == 1.0
