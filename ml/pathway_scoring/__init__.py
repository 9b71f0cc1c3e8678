"""Hybrid pathway scoring: learner -> course -> occupation (and its vacancies), vacancy -> courses.

``PathwayScorer`` (``scorer``) is fitted on a ``Catalogue`` (``inputs``) and answers learner
queries, provision for vacancies and demands, and learner pipelines with the results of
``results``; ``skill_sets`` holds skill sets and hierarchy credit, ``defaults`` the weights
(read from ``ml/pathway_weights.json``) and the travel and level factors. How a score is built is
explained in ``ml.pathway_scoring.scorer``.
"""

from ml.pathway_scoring.defaults import (
    DIRECT_WEIGHTS,
    LEVEL_FACTORS,
    PATHWAY_WEIGHTS,
    PROVISION_WEIGHTS,
    TRAVEL_FACTORS,
)
from ml.pathway_scoring.inputs import Catalogue, LearnerQuery
from ml.pathway_scoring.results import (
    PathwayScore,
    PipelineCounts,
    ProvisionScore,
    Recommendation,
    Scored,
    SkillBreakdown,
    VacancyMatch,
)
from ml.pathway_scoring.scorer import PathwayScorer
from ml.pathway_scoring.skill_sets import SkillSets, expand_credit, hierarchy_credit

__all__ = [
    "DIRECT_WEIGHTS",
    "LEVEL_FACTORS",
    "PATHWAY_WEIGHTS",
    "PROVISION_WEIGHTS",
    "TRAVEL_FACTORS",
    "Catalogue",
    "LearnerQuery",
    "PathwayScore",
    "PathwayScorer",
    "PipelineCounts",
    "ProvisionScore",
    "Recommendation",
    "Scored",
    "SkillBreakdown",
    "SkillSets",
    "VacancyMatch",
    "expand_credit",
    "hierarchy_credit",
]
