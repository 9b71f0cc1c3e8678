"""A linear adapter: a 384 x 384 map on sentence vectors, trained to move sentences to their skills.

The encoder was trained on general sentence pairs; job-advert sentences and ESCO labels are
worded differently ("you will keep the books" vs "maintain financial records"). The adapter is
trained with an in-taxonomy softmax over every skill's preferred-label vector, several correct
skills per sentence, and a penalty pulling it towards the identity so that it bends the space
rather than replacing it. On two cores it trains in well under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from torch import Tensor


def multi_positive_loss(logits: Tensor, target: Tensor) -> Tensor:
    """Mean softmax loss over all concepts with several correct ones per row: minus the log of
    the probability mass the row puts on its correct concepts (``target``, boolean)."""
    positive = logits.masked_fill(~target, float("-inf")).logsumexp(-1)
    return (logits.logsumexp(-1) - positive).mean()


def train_adapter(
    sentences: np.ndarray,
    positives: Sequence[Sequence[int]],
    concepts: np.ndarray,
    epochs: int = 20,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    temperature: float = 0.05,
    identity_penalty: float = 1.0,
    seed: int = 0,
) -> np.ndarray:
    """Fit ``W`` so that ``normalise(s @ W)`` ranks the concepts in ``positives`` first.

    Parameters
    ----------
    sentences : ndarray of shape (n, d)
        Unit-length sentence vectors.
    positives : sequence of sequence of int
        For each sentence, the rows of ``concepts`` that are correct.
    concepts : ndarray of shape (m, d)
        Unit-length concept vectors (kept fixed).
    epochs, batch_size, learning_rate, temperature, identity_penalty, seed
        Training settings; the penalty is on ``||W - I||^2`` (Frobenius).

    Returns
    -------
    weight : ndarray of shape (d, d), float32
    """
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    n, d = sentences.shape
    x = torch.from_numpy(np.ascontiguousarray(sentences, dtype=np.float32))
    c = torch.from_numpy(np.ascontiguousarray(concepts, dtype=np.float32))
    target = torch.zeros((n, len(concepts)), dtype=torch.bool)
    for i, rows in enumerate(positives):
        target[i, list(rows)] = True
    eye = torch.eye(d)
    weight = torch.nn.Parameter(eye.clone())
    optimiser = torch.optim.Adam([weight], lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(n, generator=generator).split(batch_size):
            z = torch.nn.functional.normalize(x[batch] @ weight, dim=-1)
            logits = z @ c.T / temperature
            loss = multi_positive_loss(logits, target[batch])
            loss = loss + identity_penalty * ((weight - eye) ** 2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return weight.detach().numpy().astype(np.float32)
