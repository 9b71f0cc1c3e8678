"""Job title normalisation: a vacancy or course job title to ESCO occupations and UK SOC 2020.

A title is compared with every ESCO occupation label (preferred and alternative) and with the
32,000 UK job titles of the ONS SOC 2020 coding index. The index titles reach ESCO through
ISCO-08: each index title names an ISCO-08 unit group, each ESCO occupation belongs to one.
The score of an occupation mixes its best own label with the best index title of its ISCO
group, which brings in the UK wording ("care assistant", "HGV driver") ESCO lacks.

A title alone is often ambiguous: "Mobile officer", "Ranger", "Operations officer". Where the
caller knows what surrounds it (the course that lists it, the advert it heads), that context
re-ranks the title's best occupations by how well it agrees with each one's description.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ml.encoder import Encoder, get_encoder
from ml.taxonomy import build_label_index, embed_cached
from ml.text import content_words, strip_html

_CHUNK = 256
_CANDIDATES = 30  # occupations per title re-ranked with the lexical bonus
_CONTEXT_CANDIDATES = 20  # occupations per title re-ranked with its context


@dataclass(frozen=True)
class NormalisedTitle:
    """One ESCO occupation for a title, its UK SOC 2020 unit group (or "") and a score in [0, 1]."""

    uri: str
    label: str
    score: float
    soc2020: str


def isco_to_soc(soc_index: pd.DataFrame) -> dict[str, str]:
    """ISCO-08 unit group -> the SOC 2020 unit group most index titles of that group fall in.

    Ties go to the lower SOC code, so the crosswalk is the same on every run.
    """
    counts = (
        soc_index[soc_index["isco08"].str.fullmatch(r"\d{4}") & soc_index["soc2020"].ne("")]
        .groupby(["isco08", "soc2020"])
        .size()
        .reset_index(name="n")
        .sort_values(["isco08", "n", "soc2020"], ascending=[True, False, True])
    )
    return dict(counts.drop_duplicates("isco08")[["isco08", "soc2020"]].itertuples(index=False))


class TitleNormaliser(BaseEstimator):
    """Rank ESCO occupations for job titles, each with its UK SOC 2020 unit group.

    Parameters
    ----------
    encoder : Encoder or None, default=None
        Sentence encoder; None uses the process-wide all-MiniLM-L6-v2.
    cache_dir : str or path-like or None, default=None
        Where label embeddings are cached.
    taxonomy_version : str, default="esco"
        Part of the cache key.
    soc_weight : float, default=0.3
        Weight of the best SOC index title of the occupation's ISCO group.
    lexical_weight : float, default=0.0
        Bonus for the share of the best label's words that occur in the title.
    context_weight : float, default=0.5
        Weight, against the title's own score, of the cosine between a title's context and an
        occupation's label and description (see ``normalise``). Chosen on hand-judged links of
        apprenticeship job titles (``ml/README.md``).

    Attributes
    ----------
    uris_, labels_, soc2020_ : ndarray of str
        The occupations and their SOC 2020 unit groups ("" when the crosswalk has none).
    profile_vectors_ : ndarray of shape (n_occupations, dim) or None
        Each occupation's label and description embedded; None without descriptions.
    crosswalk_ : dict of str to str
        ISCO-08 -> SOC 2020, from ``isco_to_soc``.
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        taxonomy_version: str = "esco",
        soc_weight: float = 0.3,
        lexical_weight: float = 0.0,
        context_weight: float = 0.5,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.taxonomy_version = taxonomy_version
        self.soc_weight = soc_weight
        self.lexical_weight = lexical_weight
        self.context_weight = context_weight

    def fit(
        self,
        occupations: pd.DataFrame,
        soc_index: pd.DataFrame | None = None,
        progress: bool = False,
    ) -> TitleNormaliser:
        """Embed (or read from the cache) occupation labels and SOC index titles.

        Parameters
        ----------
        occupations : DataFrame
            Columns ``uri``, ``label``, ``isco08``; optional ``alt_labels`` (lists) and
            ``description`` (needed to read a title in its context).
        soc_index : DataFrame or None
            Columns ``title``, ``soc2020``, ``isco08``; None uses ESCO labels alone.
        progress : bool, default=False
            Show embedding progress on stderr.

        Returns
        -------
        self : TitleNormaliser
        """
        missing = {"uri", "label", "isco08"} - set(occupations.columns)
        if missing:
            raise ValueError(f"occupations lacks columns {sorted(missing)}")
        self.encoder_ = self.encoder if self.encoder is not None else get_encoder()
        self.uris_ = occupations["uri"].to_numpy(dtype=str)
        self.labels_ = occupations["label"].to_numpy(dtype=str)
        isco = occupations["isco08"].to_numpy(dtype=str)
        alt = occupations["alt_labels"] if "alt_labels" in occupations else [[]] * len(occupations)
        self.index_ = build_label_index(
            [[label, *alts] for label, alts in zip(self.labels_, alt, strict=True)],
            self.encoder_,
            self.cache_dir,
            f"{self.taxonomy_version}-occupation-labels",
            progress,
        )
        self.profile_vectors_ = None
        if "description" in occupations and self.context_weight:
            descriptions = occupations["description"].fillna("").astype(str)
            profiles = [
                f"{label}. {' '.join(d.split())}".strip()
                for label, d in zip(self.labels_, descriptions, strict=True)
            ]
            self.profile_vectors_ = embed_cached(
                profiles,
                self.encoder_,
                self.cache_dir,
                f"{self.taxonomy_version}-occupation-profiles",
                progress,
            )
        self.crosswalk_ = isco_to_soc(soc_index) if soc_index is not None else {}
        self.soc2020_ = np.array([self.crosswalk_.get(g, "") for g in isco], dtype=str)
        # Index titles grouped by ISCO group; occupations point at their group's row block.
        self.soc_vectors_ = None
        if soc_index is not None and self.soc_weight:
            pairs = soc_index.loc[soc_index["isco08"].isin(set(isco)), ["isco08", "title"]]
            pairs = pairs.drop_duplicates().sort_values(["isco08", "title"])
            titles = sorted(set(pairs["title"]))
            vectors = embed_cached(
                titles, self.encoder_, self.cache_dir, "soc2020-index-titles", progress
            )
            row = {t: i for i, t in enumerate(titles)}
            self.soc_vectors_ = vectors[[row[t] for t in pairs["title"]]]
            groups = pairs["isco08"].to_numpy(dtype=str)
            self.soc_groups_, self.soc_starts_ = np.unique(groups, return_index=True)
            group_of = {g: i for i, g in enumerate(self.soc_groups_)}
            self.occupation_group_ = np.array([group_of.get(g, -1) for g in isco])
        return self

    def scores(self, titles: Sequence[str]) -> np.ndarray:
        """Score of every occupation for every title, in [0, 1], shape (n_titles, n_occupations)."""
        check_is_fitted(self, "index_")
        clean = [" ".join(strip_html(str(t)).split()) for t in titles]
        vectors = self.encoder_.encode([t or "-" for t in clean])
        out = np.empty((len(clean), self.index_.n_concepts), dtype=np.float32)
        for start in range(0, len(clean), _CHUNK):
            v = vectors[start : start + _CHUNK]
            own, rows = self.index_.best_per_concept(v @ self.index_.vectors.T)
            if self.soc_vectors_ is not None:
                group = np.maximum.reduceat(v @ self.soc_vectors_.T, self.soc_starts_, axis=1)
                uk = np.where(self.occupation_group_ >= 0, group[:, self.occupation_group_], own)
                own = (1 - self.soc_weight) * own + self.soc_weight * uk
            if self.lexical_weight:
                self._lexical_bonus(clean[start : start + _CHUNK], own, rows)
            out[start : start + _CHUNK] = own
        out[[not t for t in clean]] = 0.0
        return np.clip(out, 0.0, 1.0)

    def _read_in_context(self, scores: np.ndarray, context: Sequence[str | None]) -> None:
        """Re-score each title's best occupations by agreement with its context, in place."""
        check_is_fitted(self, "profile_vectors_")
        if self.profile_vectors_ is None:
            return
        rows = [i for i, c in enumerate(context) if c and c.strip() and scores[i].any()]
        if not rows:
            return
        texts = [" ".join(strip_html(str(context[i])).split()) for i in rows]
        vectors = self.encoder_.encode(texts)
        n = min(_CONTEXT_CANDIDATES, scores.shape[1])
        w = float(self.context_weight)
        for row, v in zip(rows, vectors, strict=True):
            top = np.argpartition(-scores[row], n - 1)[:n]
            agreement = np.clip(self.profile_vectors_[top] @ v, 0.0, 1.0)
            scores[row] /= 1.0 + w
            scores[row, top] += w * agreement / (1.0 + w)

    def _lexical_bonus(self, titles: Sequence[str], scores: np.ndarray, rows: np.ndarray) -> None:
        """Add ``lexical_weight`` x the share of the best label's words found in the title."""
        top = np.argpartition(-scores, _CANDIDATES - 1, axis=1)[:, :_CANDIDATES]
        for i, title in enumerate(titles):
            words = content_words(title)
            for c in top[i]:
                label = content_words(self.index_.texts[rows[i, c]])
                if label:
                    scores[i, c] += self.lexical_weight * len(label & words) / len(label)

    def normalise(
        self,
        titles: Sequence[str],
        top_k: int = 10,
        min_score: float | None = None,
        context: Sequence[str | None] | None = None,
    ) -> list[list[NormalisedTitle]]:
        """Rank ESCO occupations for each title.

        Parameters
        ----------
        titles : sequence of str
            Job titles as advertised ("Senior Care Assistant - Nights").
        top_k : int, default=10
            Most occupations per title.
        min_score : float or None, default=None
            Keep only occupations scoring at least this.
        context : sequence of str or None, optional
            Per title, the text it was found in: a course's name and overview, an advert's
            sentences that say what the job asks for. A title with context has its occupations
            re-scored as (score + w x agreement) / (1 + w), w being ``context_weight`` and
            agreement the cosine between the context and the occupation's label and description
            (clipped at 0), worked out for its ``_CONTEXT_CANDIDATES`` best occupations and 0
            for the rest. Blank or None leaves a title as it is; so does a normaliser fitted
            without descriptions or with ``context_weight`` 0.

        Returns
        -------
        occupations : list of list of NormalisedTitle
            One list per title, best first; empty for an empty title.
        """
        if isinstance(titles, str):
            raise TypeError("titles must be a sequence of strings, not one string")
        scores = self.scores(titles)
        if context is not None:
            if len(context) != len(titles):
                raise ValueError(f"{len(context)} contexts for {len(titles)} titles")
            self._read_in_context(scores, context)
        k = min(max(int(top_k), 0), scores.shape[1])
        results = []
        for row in scores:
            if k == 0 or not row.any():
                results.append([])
                continue
            top = np.argpartition(-row, k - 1)[:k]
            top = top[np.argsort(-row[top], kind="stable")]
            results.append(
                [
                    NormalisedTitle(
                        str(self.uris_[c]),
                        str(self.labels_[c]),
                        float(row[c]),
                        str(self.soc2020_[c]),
                    )
                    for c in top
                    if min_score is None or row[c] >= min_score
                ]
            )
        return results
