"""Default weights of the named score parts, and the travel and level factors.

Chosen by hand, not tuned: there is no labelled set of good and bad learner pathways to tune them
on (see ``ml.pathway_scoring.scorer``).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DIRECT_WEIGHTS",
    "LEVEL_FACTORS",
    "PATHWAY_WEIGHTS",
    "PROVISION_WEIGHTS",
    "TRAVEL_FACTORS",
]

# Course -> target pathways. Skills first: a pathway is worth most when it leaves the person
# able to show the skills the job asks for. The learner's own profile (interest) weighs enough to
# choose among the many occupations a broad course covers almost equally.
PATHWAY_WEIGHTS: Mapping[str, float] = {
    "skills": 0.30,
    "gain": 0.10,
    "relevance": 0.15,
    "interest": 0.20,
    "practical": 0.15,
    "jobs": 0.10,
}
# Learner -> vacancy now: readiness dominates, a job in the person's sectors is preferred.
DIRECT_WEIGHTS: Mapping[str, float] = {
    "skills": 0.55,
    "interest": 0.20,
    "sector": 0.10,
    "travel": 0.15,
}
# Vacancy or skill demand -> courses: essential skills supplied dominate.
PROVISION_WEIGHTS: Mapping[str, float] = {
    "essential": 0.50,
    "optional": 0.15,
    "relevance": 0.20,
    "travel": 0.15,
}
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
