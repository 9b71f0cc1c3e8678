"""Does a sentence ask for a skill at all? A classifier that keeps requirements and drops blurb.

Adverts wrap their requirements in company blurb, benefits and application instructions, and
the closest ESCO skill to "generous pension scheme" is still some skill. A logistic regression
on the sentence vector, trained on SkillSpan (job-advert sentences annotated with skill and
knowledge spans: a sentence with any span is a requirement), says how likely a sentence is to
name a skill. Its threshold is set on held-out adverts to keep a fixed share of the sentences
that do, so the filter costs little recall by construction.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SentenceFilter:
    """A fitted skill-sentence classifier over unit-length sentence vectors of ``model``."""

    coef: np.ndarray
    intercept: float
    threshold: float
    model: str

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """Chance that each sentence names a skill, shape (n,)."""
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-(vectors @ self.coef + self.intercept)))

    def keeps(self, vectors: np.ndarray) -> np.ndarray:
        """True for the sentences worth linking."""
        return self.probability(vectors) >= self.threshold

    def save(self, path: str | os.PathLike[str]) -> None:
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float32),
            intercept=np.float32(self.intercept),
            threshold=np.float32(self.threshold),
            model=np.array(self.model),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], model: str) -> SentenceFilter:
        """Read a saved filter, refusing one trained for another encoder."""
        with np.load(path) as saved:
            if str(saved["model"]) != model:
                raise ValueError(f"{path} was trained for {saved['model']}, not {model}")
            return cls(
                saved["coef"].astype(np.float32),
                float(saved["intercept"]),
                float(saved["threshold"]),
                model,
            )


def train_sentence_filter(
    vectors: np.ndarray,
    names_skill: np.ndarray,
    groups: Sequence[str],
    model: str,
    keep_share: float = 0.97,
    held_out_share: float = 0.2,
    regularisation: float = 3.0,
    seed: int = 0,
) -> tuple[SentenceFilter, dict[str, float]]:
    """Fit the classifier and choose its threshold on held-out adverts.

    Parameters
    ----------
    vectors : ndarray of shape (n, d)
        Unit-length sentence vectors.
    names_skill : ndarray of bool, shape (n,)
        Whether each sentence names a skill or knowledge.
    groups : sequence of str
        The advert each sentence comes from; an advert is held out whole, so that the threshold
        is set on adverts the classifier has not seen.
    model : str
        Name of the encoder that made ``vectors``.
    keep_share : float, default=0.97
        Share of held-out skill sentences the threshold keeps.
    held_out_share : float, default=0.2
        Share of adverts held out for the threshold and the reported figures.
    regularisation : float, default=3.0
        Inverse regularisation strength ``C`` of the logistic regression.
    seed : int, default=0
        Seed of the advert split.

    Returns
    -------
    sentence_filter : SentenceFilter
        Refitted on every sentence, with the held-out threshold.
    figures : dict of str to float
        Held-out ROC AUC, share of skill sentences kept and of other sentences dropped.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(names_skill, dtype=bool)
    group = np.asarray(groups)
    names = np.unique(group)
    rng = np.random.default_rng(seed)
    held = np.isin(group, rng.choice(names, int(len(names) * held_out_share), replace=False))

    def fitted(rows: np.ndarray) -> LogisticRegression:
        classifier = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000)
        return classifier.fit(vectors[rows], labels[rows])

    probability = fitted(~held).predict_proba(vectors[held])[:, 1]
    threshold = float(np.quantile(probability[labels[held]], 1.0 - keep_share))
    figures = {
        "held_out_sentences": float(held.sum()),
        "roc_auc": float(roc_auc_score(labels[held], probability)),
        "skill_sentences_kept": float((probability[labels[held]] >= threshold).mean()),
        "other_sentences_dropped": float((probability[~labels[held]] < threshold).mean()),
    }
    final = fitted(np.ones(len(labels), dtype=bool))
    return (
        SentenceFilter(
            final.coef_[0].astype(np.float32), float(final.intercept_[0]), threshold, model
        ),
        figures,
    )
