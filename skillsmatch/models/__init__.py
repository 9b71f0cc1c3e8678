"""SQLAlchemy models; importing this package registers every table on ``Base.metadata``."""

from skillsmatch.models.base import Base
from skillsmatch.models.courses import (
    Course,
    CourseOccupation,
    CourseOffering,
    CourseSkill,
    Provider,
)
from skillsmatch.models.employers import (
    Employer,
    SkillDemand,
    SkillDemandSkill,
    Vacancy,
    VacancySkill,
)
from skillsmatch.models.gaps import GapSnapshot, GapSnapshotRow, GapSnapshotSource
from skillsmatch.models.geography import District, Sector, SectorCode, district_neighbour
from skillsmatch.models.pathways import SavedPathway
from skillsmatch.models.people import AuditEvent, Learner, LearnerSkill, User, learner_sector
from skillsmatch.models.revisions import CatalogueRevision, current_revision
from skillsmatch.models.taxonomy import (
    Occupation,
    OccupationSkill,
    SicActivity,
    Skill,
    SkillGroup,
    SocUnitGroup,
    skill_broader,
)

__all__ = [
    "AuditEvent",
    "Base",
    "CatalogueRevision",
    "Course",
    "CourseOccupation",
    "CourseOffering",
    "CourseSkill",
    "District",
    "Employer",
    "GapSnapshot",
    "GapSnapshotRow",
    "GapSnapshotSource",
    "Learner",
    "LearnerSkill",
    "Occupation",
    "OccupationSkill",
    "Provider",
    "SavedPathway",
    "Sector",
    "SectorCode",
    "SicActivity",
    "Skill",
    "SkillDemand",
    "SkillDemandSkill",
    "SkillGroup",
    "SocUnitGroup",
    "User",
    "Vacancy",
    "VacancySkill",
    "current_revision",
    "district_neighbour",
    "learner_sector",
    "skill_broader",
]
