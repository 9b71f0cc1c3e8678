"""Tuning the query side of the encoder with a low-rank update (LoRA) of its linear layers.

The concept side (skill labels, embedded once by the base model and cached) stays fixed; only the
encoder that reads the query text (an advert sentence) is tuned, so a trained update needs no
re-embedding of the taxonomy. Each of the 36 dense weights of the six layers gets ``W + s B A``
with ``A`` of shape (rank, in) and ``B`` of shape (out, rank), ``B`` starting at zero so that
training starts from the base model. The loss is the same in-taxonomy softmax as the linear
adapter's (``ml.adapter``): every concept competes, several correct per query.

It trains on CPU or GPU; the saved update is small (0.6 MB at rank 8) and is merged into the
weights when the encoder loads (``MiniLMEncoder(low_rank_update=...)``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ml.adapter import multi_positive_loss
from ml.encoder import MiniLMEncoder, bert_embed, pad_batch

if TYPE_CHECKING:
    from torch import Tensor

# The dense layers of each transformer block; embeddings and layer norms stay as they are.
_TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def target_names(n_layers: int) -> list[str]:
    """The weight names a low-rank update touches."""
    return [f"encoder.layer.{i}.{t}.weight" for i in range(n_layers) for t in _TARGETS]


@dataclass(frozen=True)
class LowRankUpdate:
    """``W += scale * B @ A`` for each named weight of a base model."""

    base_model: str
    scale: float
    factors: Mapping[str, tuple[np.ndarray, np.ndarray]]  # name -> (A, B)

    @property
    def tag(self) -> str:
        """A short name that changes whenever any factor does (part of cache keys)."""
        digest = hashlib.sha256()
        for name in sorted(self.factors):
            a, b = self.factors[name]
            digest.update(name.encode() + a.tobytes() + b.tobytes())
        return f"lora-{digest.hexdigest()[:10]}"

    def merged(self, weights: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """A copy of ``weights`` with the update added."""
        import torch

        out = dict(weights)
        for name, (a, b) in self.factors.items():
            if name not in out:
                raise ValueError(f"the model has no weight {name}")
            w = out[name]
            delta = torch.from_numpy(b.astype(np.float32) @ a.astype(np.float32)) * self.scale
            if delta.shape != w.shape:
                raise ValueError(f"{name}: update {tuple(delta.shape)} != weight {tuple(w.shape)}")
            out[name] = w + delta.to(device=w.device, dtype=w.dtype)
        return out

    def save(self, path: str | os.PathLike[str]) -> None:
        arrays = {f"{n}|A": a.astype(np.float16) for n, (a, _) in self.factors.items()}
        arrays |= {f"{n}|B": b.astype(np.float16) for n, (_, b) in self.factors.items()}
        np.savez_compressed(
            path, base_model=np.array(self.base_model), scale=np.array(self.scale), **arrays
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LowRankUpdate:
        with np.load(Path(path)) as saved:
            names = sorted({k.rsplit("|", 1)[0] for k in saved.files if "|" in k})
            factors = {n: (saved[f"{n}|A"], saved[f"{n}|B"]) for n in names}
            return cls(str(saved["base_model"]), float(saved["scale"]), factors)


def tune_query_encoder(
    encoder: MiniLMEncoder,
    texts: Sequence[str],
    positives: Sequence[Sequence[int]],
    concepts: np.ndarray,
    rank: int = 8,
    alpha: float = 16.0,
    epochs: int = 5,
    batch_size: int = 32,
    learning_rate: float = 5e-4,
    temperature: float = 0.05,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = False,
) -> LowRankUpdate:
    """Train a low-rank update so that the tuned encoder ranks each text's concepts first.

    Parameters
    ----------
    encoder : MiniLMEncoder
        The base model (left unchanged).
    texts : sequence of str
        Query texts (advert sentences).
    positives : sequence of sequence of int
        For each text, the rows of ``concepts`` that are correct.
    concepts : ndarray of shape (m, d)
        Unit-length concept vectors from the base model (kept fixed).
    rank, alpha
        LoRA rank and scale numerator: the update is ``(alpha / rank) * B @ A``.
    epochs, batch_size, learning_rate, temperature, seed
        Training settings (AdamW; cosine-decayed learning rate).
    device : str, default="cpu"
        Where to train, e.g. ``"cuda"``.
    progress : bool, default=False
        Show a progress bar on stderr.

    Returns
    -------
    update : LowRankUpdate
    """
    import torch

    if len(texts) != len(positives):
        raise ValueError("texts and positives differ in length")
    torch.manual_seed(seed)
    ids = encoder.token_ids(texts)
    base = {k: v.to(device) for k, v in encoder.weights.items()}
    names = target_names(encoder.shape.layers)
    factors = {}
    for name in names:
        out_dim, in_dim = base[name].shape
        a = torch.randn(rank, in_dim, device=device) / np.sqrt(in_dim)
        factors[name] = (
            a.requires_grad_(),
            torch.zeros(out_dim, rank, device=device).requires_grad_(),
        )
    scale = alpha / rank
    params = [t for pair in factors.values() for t in pair]
    optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.0)
    steps = epochs * -(-len(ids) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(steps, 1))
    c = torch.from_numpy(np.ascontiguousarray(concepts, dtype=np.float32)).to(device)
    generator = torch.Generator().manual_seed(seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="tuning the encoder", unit="batch")
    for _ in range(epochs):
        for batch in torch.randperm(len(ids), generator=generator).split(batch_size):
            weights = dict(base)
            for name, (a, b) in factors.items():
                weights[name] = base[name] + scale * (b @ a)
            tokens, mask = pad_batch([ids[i] for i in batch], device)
            z = bert_embed(weights, tokens, mask, encoder.shape)
            logits = z @ c.T / temperature
            target = torch.zeros(logits.shape, dtype=torch.bool)
            for row, i in enumerate(batch.tolist()):
                target[row, list(positives[i])] = True
            loss = multi_positive_loss(logits, target.to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            if bar is not None:
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.3f}")
    if bar is not None:
        bar.close()
    # Rounded as saved, so that the returned update is the one a reload gives.
    return LowRankUpdate(
        encoder.name,
        scale,
        {
            n: (
                a.detach().cpu().numpy().astype(np.float16),
                b.detach().cpu().numpy().astype(np.float16),
            )
            for n, (a, b) in factors.items()
        },
    )
