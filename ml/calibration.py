"""Score calibration and thresholds for the skill linker, fitted on labelled sentence-skill pairs.

The data is the linker's own top candidates for sentences whose skills are known (SkillSkape
train, synthetic but of the right kind): each pair is correct or not. A logistic regression on
the raw score makes the score read as a chance of being correct, and the thresholds are chosen
on that scale for a target precision (stored skills) and a target recall (suggestions).
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression


def fit_calibration(raw: np.ndarray, correct: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of ``P(correct) = sigmoid(slope * raw + intercept)``."""
    model = LogisticRegression(C=100.0).fit(raw.reshape(-1, 1), correct.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def precision_threshold(scores: np.ndarray, correct: np.ndarray, precision: float) -> float:
    """The lowest score above which at least ``precision`` of the pairs are correct."""
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(hits >= precision)
    # The last rank where the running precision still meets the target.
    return float(scores[order][ok[-1]]) if len(ok) else 1.0


def recall_threshold(scores: np.ndarray, correct: np.ndarray, recall: float) -> float:
    """The highest score that keeps ``recall`` of the correct pairs."""
    right = np.sort(scores[correct.astype(bool)])[::-1]
    if not len(right):
        return 0.0
    return float(right[min(int(np.ceil(recall * len(right))) - 1, len(right) - 1)])
