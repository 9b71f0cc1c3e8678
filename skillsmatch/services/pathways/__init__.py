"""Learner -> pathways (course -> occupation and its vacancies), and vacancy/demand -> provision.

``PathwayIndex.build`` (``index``) reads courses, offerings, priority-sector occupations and live
vacancies once (``readers``), embeds them (cached on disk), and fits
``ml.pathway_scoring.PathwayScorer`` on them. The web app keeps one index in
``app.extensions["pathway_index"]`` (``get_pathway_index``) and rebuilds it when the catalogue
changes (``rebuild_pathway_index``). Queries then read only the learner (``recommendations``),
vacancy or demand (``provision``, ``pipeline``) at hand.

Travel comes from ``skillsmatch.services.reach``: the scorer is told, per query, how each district
is reached from home. Every result (``views``) carries plain-English explanations
(``explanations``), and input that cannot give a useful answer (no confirmed skills, a district
outside Greater Essex, a vacancy with no skills) gives a result with a ``Notice`` saying why and
what to do, never an exception or a bare empty list.
"""

from skillsmatch.services.pathways.explanations import PART_LABELS
from skillsmatch.services.pathways.index import (
    EXTENSION_KEY,
    PathwayIndex,
    get_pathway_index,
    rebuild_pathway_index,
)
from skillsmatch.services.pathways.pipeline import learner_pipeline, saved_pathway_counts
from skillsmatch.services.pathways.provision import provision_for_demand, provision_for_vacancy
from skillsmatch.services.pathways.recommendations import (
    LearnerProfile,
    profile_of,
    recommend_pathways,
)
from skillsmatch.services.pathways.views import (
    CourseStep,
    LearnerPathways,
    LearnerRef,
    Notice,
    Pathway,
    PipelineResult,
    ProvisionCourse,
    ProvisionResult,
    ScoreView,
    SkillItem,
    VacancyMatchView,
)

__all__ = [
    "EXTENSION_KEY",
    "PART_LABELS",
    "CourseStep",
    "LearnerPathways",
    "LearnerProfile",
    "LearnerRef",
    "Notice",
    "Pathway",
    "PathwayIndex",
    "PipelineResult",
    "ProvisionCourse",
    "ProvisionResult",
    "ScoreView",
    "SkillItem",
    "VacancyMatchView",
    "get_pathway_index",
    "learner_pipeline",
    "profile_of",
    "provision_for_demand",
    "provision_for_vacancy",
    "rebuild_pathway_index",
    "recommend_pathways",
    "saved_pathway_counts",
]
