"""Linking free text to ESCO skills: sentences in, ranked skills with calibrated scores out.

Every sentence is embedded once with the shared encoder, optionally moved by a trained linear
adapter, and compared with the label vectors of every skill; a skill scores as its best label.
The best candidates get a bonus for the share of their label's words found in the sentence, and
a logistic calibration maps the result into [0, 1], so that a score reads as the chance that the
skill is really asked for. A text scores each skill by its best sentence, kept as the evidence.
Alternative labels, descriptions, a skill-type prior and a filter dropping sentences that name no
skill (``ml.sentence_filter``) are options; the settings in use are those the benchmark supported
(``ml/README.md``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ml.encoder import Encoder, get_encoder
from ml.sentence_filter import SentenceFilter
from ml.taxonomy import LabelIndex, build_label_index, embed_cached
from ml.text import MAX_CHARS, MAX_WORDS, content_words, prepare

PARAMS_FILE = Path(__file__).with_name("skill_linker.json")
_CHUNK = 128  # sentences scored at once: 128 x 100k labels x 4 bytes = 50 MB


@dataclass(frozen=True)
class LinkedSkill:
    """An ESCO skill in a text: ``score`` in [0, 1]; ``evidence``, the sentence it came from."""

    uri: str
    label: str
    score: float
    evidence: str


@dataclass(frozen=True)
class LinkResult:
    """The skills of one text, best first, and when there are none because of the input, why.

    ``requirements`` are the text's sentences read as naming skills (those the sentence filter
    keeps; all of them without one), in the order of the text: what the text asks for, without
    its blurb.
    """

    skills: list[LinkedSkill]
    reason: str | None = None
    n_sentences: int = 0
    requirements: tuple[str, ...] = ()


def tuned_params(path: Path = PARAMS_FILE) -> dict[str, object]:
    """The parameters chosen on the dev sets (``ml/skill_linker.json``), for ``SkillLinker(**...)``.

    Written by ``python -m bench.bench_linking --calibrate``; keys starting with "_" are notes.
    """
    if not path.exists():
        return {}
    params = {k: v for k, v in json.loads(path.read_text()).items() if not k.startswith("_")}
    if params.get("calibration") is not None:
        params["calibration"] = tuple(params["calibration"])
    for key in ("adapter", "sentence_filter", "query_update"):
        if params.get(key):
            params[key] = str(path.parent / str(params[key]))
    return params


class SkillLinker(BaseEstimator):
    """Rank ESCO skills for free text (adverts, course pages, CVs) by semantic similarity.

    Parameters
    ----------
    encoder : Encoder or None, default=None
        Sentence encoder; None uses the process-wide all-MiniLM-L6-v2.
    cache_dir : str or path-like or None, default=None
        Where label embeddings are cached; None embeds on every ``fit``.
    taxonomy_version : str, default="esco"
        Part of the cache key, e.g. ``"esco-v1.1.1"``.
    use_alt_labels : bool, default=True
        Score a skill by its best label, alternative labels included.
    alt_label_penalty : float, default=0.0
        Subtracted from the similarity of alternative labels, which are noisier than the
        preferred one.
    description_weight : float, default=0.0
        Weight of the sentence-description similarity mixed into the label similarity.
    lexical_weight : float, default=0.0
        Bonus for the share of the best label's words that occur in the sentence.
    knowledge_prior : float, default=0.0
        Added to the raw score of ESCO "knowledge" concepts (negative to prefer skills).
    sentence_filter : path-like or None, default=None
        A saved ``SentenceFilter``: sentences it judges to name no skill (company blurb,
        benefits, how to apply) are left out; None reads every sentence.
    query_update : path-like or None, default=None
        A saved low-rank update of the encoder (``ml.encoder_tuning``) used to read sentences;
        skill labels are always read by the base encoder, so their cached vectors serve both.
        None reads sentences with the base encoder. Needs the default encoder.
    adapter : path-like or None, default=None
        A ``.npz`` holding a linear map applied to sentence vectors before matching
        (see ``ml.adapter``); None matches raw sentence vectors.
    calibration : tuple of float or None, default=None
        Slope and intercept of the logistic map from raw score to [0, 1]; None clips the raw
        score to [0, 1].
    precision_threshold, suggestion_threshold : float or None, default=None
        Scores for storing a skill unseen (high precision) and for suggesting it to a person
        (high recall); None gives 0.5 and 0.3. ``tuned_params()`` holds calibrated values.
    n_candidates : int, default=50
        Skills per sentence re-ranked with the lexical bonus.
    max_chars : int, default=100000
        Longer texts are refused with a reason rather than cut.
    max_words : int, default=48
        Longer sentences are read in overlapping windows of this many words.

    Attributes
    ----------
    uris_, labels_ : ndarray of str
        The skills, in the order of ``skills`` given to ``fit``.
    index_ : LabelIndex
        Label vectors of every skill.
    precision_threshold_, suggestion_threshold_ : float
        The thresholds in use.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        taxonomy_version: str = "esco",
        use_alt_labels: bool = True,
        alt_label_penalty: float = 0.0,
        description_weight: float = 0.0,
        lexical_weight: float = 0.0,
        knowledge_prior: float = 0.0,
        sentence_filter: str | os.PathLike[str] | None = None,
        query_update: str | os.PathLike[str] | None = None,
        adapter: str | os.PathLike[str] | None = None,
        calibration: tuple[float, float] | None = None,
        precision_threshold: float | None = None,
        suggestion_threshold: float | None = None,
        n_candidates: int = 50,
        max_chars: int = MAX_CHARS,
        max_words: int = MAX_WORDS,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.taxonomy_version = taxonomy_version
        self.use_alt_labels = use_alt_labels
        self.alt_label_penalty = alt_label_penalty
        self.description_weight = description_weight
        self.lexical_weight = lexical_weight
        self.knowledge_prior = knowledge_prior
        self.sentence_filter = sentence_filter
        self.query_update = query_update
        self.adapter = adapter
        self.calibration = calibration
        self.precision_threshold = precision_threshold
        self.suggestion_threshold = suggestion_threshold
        self.n_candidates = n_candidates
        self.max_chars = max_chars
        self.max_words = max_words

    def fit(self, skills: pd.DataFrame, y: None = None, progress: bool = False) -> SkillLinker:
        """Embed (or read from the cache) the labels of ``skills``.

        Parameters
        ----------
        skills : DataFrame
            Columns ``uri`` and ``label``; optional ``alt_labels`` (lists), ``description``
            and ``skill_type`` (``"skill"`` or ``"knowledge"``).
        y : None
            Ignored.
        progress : bool, default=False
            Show embedding progress on stderr.

        Returns
        -------
        self : SkillLinker
        """
        missing = {"uri", "label"} - set(skills.columns)
        if missing:
            raise ValueError(f"skills lacks columns {sorted(missing)}")
        if skills.empty:
            raise ValueError("skills is empty")
        if self.query_update is not None and self.encoder is not None:
            raise ValueError("query_update tunes the default encoder; pass no encoder with it")
        self.encoder_ = self.encoder if self.encoder is not None else get_encoder()
        self.query_encoder_ = (
            self.encoder_ if self.query_update is None else get_encoder(self.query_update)
        )
        self.uris_ = skills["uri"].to_numpy(dtype=str)
        self.labels_ = skills["label"].to_numpy(dtype=str)
        alt = skills["alt_labels"] if "alt_labels" in skills else [[]] * len(skills)
        if not self.use_alt_labels:
            # Only what is scored is embedded: ESCO has seven alternative labels per skill.
            alt = [[]] * len(skills)
        self.index_ = build_label_index(
            [[label, *alts] for label, alts in zip(self.labels_, alt, strict=True)],
            self.encoder_,
            self.cache_dir,
            f"{self.taxonomy_version}-skill-labels",
            progress,
        )
        self.description_vectors_ = None
        if self.description_weight and "description" in skills:
            texts = [
                d or label for d, label in zip(skills["description"], self.labels_, strict=True)
            ]
            self.description_vectors_ = embed_cached(
                texts,
                self.encoder_,
                self.cache_dir,
                f"{self.taxonomy_version}-skill-descriptions",
                progress,
            )
        self.prior_ = np.zeros(len(skills), dtype=np.float32)
        if "skill_type" in skills:
            self.prior_[(skills["skill_type"] == "knowledge").to_numpy()] += self.knowledge_prior
        self.sentence_filter_ = (
            SentenceFilter.load(self.sentence_filter, self.query_encoder_.name)
            if self.sentence_filter is not None
            else None
        )
        self.adapter_ = None
        if self.adapter is not None:
            with np.load(self.adapter) as saved:
                if str(saved["model"]) != self.query_encoder_.name:
                    raise ValueError(f"{self.adapter} was trained for {saved['model']}")
                self.adapter_ = saved["weight"].astype(np.float32)
        self.calibration_ = tuple(map(float, self.calibration)) if self.calibration else None
        self.precision_threshold_ = float(
            0.5 if self.precision_threshold is None else self.precision_threshold
        )
        self.suggestion_threshold_ = float(
            0.3 if self.suggestion_threshold is None else self.suggestion_threshold
        )
        self.label_words_ = (
            [content_words(text) for text in self.index_.texts] if self.lexical_weight else []
        )
        return self

    # -- scoring -----------------------------------------------------------------------------

    def raw_scores(self, sentences: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Uncalibrated score of every skill for every sentence, shape (n_sentences, n_skills).

        Sentences the sentence filter drops score ``-inf`` throughout.
        """
        check_is_fitted(self, "index_")
        if vectors is None:
            vectors = self.query_encoder_.encode(sentences)
        out = np.empty((len(sentences), self.index_.n_concepts), dtype=np.float32)
        for start in range(0, len(sentences), _CHUNK):
            stop = start + _CHUNK
            out[start:stop] = self._score_chunk(sentences[start:stop], vectors[start:stop])
        return out

    def _score_chunk(self, sentences: Sequence[str], raw_vectors: np.ndarray) -> np.ndarray:
        index: LabelIndex = self.index_
        vectors = raw_vectors
        if self.adapter_ is not None:
            vectors = raw_vectors @ self.adapter_
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        similarities = vectors @ index.vectors.T
        if self.alt_label_penalty and not index.is_preferred.all():
            similarities[:, ~index.is_preferred] -= self.alt_label_penalty
        scores, rows = index.best_per_concept(similarities)
        if self.description_vectors_ is not None:
            w = self.description_weight
            scores = (1 - w) * scores + w * (vectors @ self.description_vectors_.T)
        scores += self.prior_
        n_cand = min(self.n_candidates, scores.shape[1])
        if self.lexical_weight and n_cand:
            top = np.argpartition(-scores, n_cand - 1, axis=1)[:, :n_cand]
            for i, sentence in enumerate(sentences):
                words = content_words(sentence)
                for c in top[i]:
                    label = self.label_words_[rows[i, c]]
                    if label:
                        scores[i, c] += self.lexical_weight * len(label & words) / len(label)
        if self.sentence_filter_ is not None:
            scores[~self.sentence_filter_.keeps(raw_vectors)] = -np.inf
        return scores

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        """Map raw scores into [0, 1] with the fitted logistic calibration."""
        if self.calibration_ is None:
            return np.clip(raw, 0.0, 1.0)
        slope, intercept = self.calibration_
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-(slope * raw + intercept)))

    # -- linking -----------------------------------------------------------------------------

    def link_statements(
        self,
        texts: Sequence[str],
        top_k: int = 10,
        min_score: float | None = None,
        progress: bool = False,
    ) -> list[LinkResult]:
        """Like ``link``, but each result also says why a text gave no skills.

        Parameters
        ----------
        texts : sequence of str
            Any text; HTML is read as its text. Bad input gives a reason, never an exception.
        top_k : int, default=10
            Most skills per text.
        min_score : float or None, default=None
            Keep only skills scoring at least this.
        progress : bool, default=False
            Show a progress bar on stderr.

        Returns
        -------
        results : list of LinkResult
            One per text, in order.
        """
        check_is_fitted(self, "index_")
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        prepared = [prepare(t, self.max_chars, self.max_words) for t in texts]
        sentences = [s for p in prepared for s in p.sentences]
        counts = [len(p.sentences) for p in prepared]
        owner = np.repeat(np.arange(len(prepared)), counts)
        first = np.r_[0, np.cumsum(counts)]  # the sentences of text t: first[t]:first[t + 1]
        best = np.full((len(prepared), self.index_.n_concepts), -np.inf, dtype=np.float32)
        best_sentence = np.zeros(best.shape, dtype=np.int64)
        kept = np.zeros(len(sentences), dtype=bool)
        starts = range(0, len(sentences), _CHUNK * 4)
        if progress and len(sentences) > _CHUNK * 4:
            from tqdm import tqdm

            starts = tqdm(starts, desc="linking", unit="x512 sentences")
        for start in starts:
            batch = sentences[start : start + _CHUNK * 4]
            raw = self.raw_scores(batch, self.query_encoder_.encode(batch))
            kept[start : start + len(batch)] = np.isfinite(raw).any(axis=1)
            for j, row in enumerate(raw):
                t = owner[start + j]
                better = row > best[t]
                best[t, better] = row[better]
                best_sentence[t, better] = start + j
        results = []
        for t, prep in enumerate(prepared):
            if prep.reason:
                results.append(LinkResult([], prep.reason, 0))
                continue
            scores = self.calibrate(best[t])
            k = min(max(int(top_k), 0), len(scores))
            top = np.argpartition(-scores, k - 1)[:k] if k else np.array([], dtype=int)
            top = top[np.argsort(-scores[top], kind="stable")]
            skills = [
                LinkedSkill(
                    str(self.uris_[c]),
                    str(self.labels_[c]),
                    float(scores[c]),
                    sentences[best_sentence[t, c]],
                )
                for c in top
                if np.isfinite(best[t, c]) and (min_score is None or scores[c] >= min_score)
            ]
            reason = None
            if not skills and not np.isfinite(best[t]).any():
                reason = "no requirements: no sentence names a skill"
            lo, hi = first[t], first[t + 1]
            requirements = tuple(sentences[lo + i] for i in np.flatnonzero(kept[lo:hi]))
            results.append(LinkResult(skills, reason, len(prep.sentences), requirements))
        return results

    def link(
        self, texts: Sequence[str], top_k: int = 10, min_score: float | None = None
    ) -> list[list[LinkedSkill]]:
        """Rank the ESCO skills each text asks for.

        Parameters
        ----------
        texts : sequence of str
            Adverts, course descriptions, CV paragraphs or single sentences.
        top_k : int, default=10
            Most skills per text.
        min_score : float or None, default=None
            Keep only skills scoring at least this: ``precision_threshold_`` for skills stored
            without review, ``suggestion_threshold_`` for suggestions a person confirms.

        Returns
        -------
        skills : list of list of LinkedSkill
            One list per text, best first; empty for a text that cannot be read.
        """
        return [r.skills for r in self.link_statements(texts, top_k, min_score)]
