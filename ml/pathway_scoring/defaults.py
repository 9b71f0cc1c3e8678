"""Default weights of the named score parts, read from ``ml/pathway_weights.json``, and the
travel and level factors.

The pathway and provision weights were chosen on a dev split of held-out apprenticeship job
titles (``python -m bench.bench_pathway_weights --fit``, which also records there the split seed,
the date and the dev and test figures). The learner -> vacancy weights, and the pathway weight of
live vacancies, have no labels to be chosen on and are set by hand; the file says why.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "DIRECT_PARTS",
    "DIRECT_WEIGHTS",
    "LEVEL_FACTORS",
    "PATHWAY_PARTS",
    "PATHWAY_WEIGHTS",
    "PROVISION_PARTS",
    "PROVISION_WEIGHTS",
    "TRAVEL_FACTORS",
    "WEIGHTS_FILE",
    "load_weights",
]

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "pathway_weights.json"
# The parts each score is built from (see ``ml.pathway_scoring.scorer``).
PATHWAY_PARTS = ("skills", "gain", "relevance", "interest", "practical", "jobs")
DIRECT_PARTS = ("skills", "interest", "sector", "travel")
PROVISION_PARTS = ("essential", "optional", "relevance", "travel")
_GROUPS = {"pathway": PATHWAY_PARTS, "direct": DIRECT_PARTS, "provision": PROVISION_PARTS}


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, Mapping[str, float]]:
    """The ``pathway``, ``direct`` and ``provision`` weights of a weights file, checked.

    Keys starting with "_" are notes. Each group must name exactly its parts, with non-negative
    weights summing to 1.
    """
    data = json.loads(path.read_text())
    out: dict[str, Mapping[str, float]] = {}
    for group, parts in _GROUPS.items():
        weights = {str(k): float(v) for k, v in data[group].items()}
        if set(weights) != set(parts):
            raise ValueError(f"{path}: {group} must have the parts {sorted(parts)}")
        if any(v < 0 for v in weights.values()) or not math.isclose(
            sum(weights.values()), 1.0, abs_tol=1e-6
        ):
            raise ValueError(f"{path}: {group} weights must be non-negative and sum to 1")
        out[group] = MappingProxyType({p: weights[p] for p in parts})
    return out


_WEIGHTS = load_weights()
# Course -> target pathways.
PATHWAY_WEIGHTS: Mapping[str, float] = _WEIGHTS["pathway"]
# Learner -> vacancy now.
DIRECT_WEIGHTS: Mapping[str, float] = _WEIGHTS["direct"]
# Vacancy or skill demand -> courses.
PROVISION_WEIGHTS: Mapping[str, float] = _WEIGHTS["provision"]

# Hand-set factors of the practical constraints, not weights of a sum.
# A neighbouring district is a longer journey; online suits many but not all.
TRAVEL_FACTORS: Mapping[str, float] = {
    "same district": 1.0,
    "neighbouring district": 0.8,
    "online": 0.9,
}
# Course level minus the learner's level. Steps above the largest listed are out of bounds:
# jumping three levels at once is not a realistic next step.
LEVEL_FACTORS: Mapping[str, float] = {
    "below": 0.7,
    "0": 1.0,
    "1": 1.0,
    "2": 0.5,
    "unknown": 0.9,
}
