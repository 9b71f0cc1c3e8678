"""The choices a gap report makes, in one object that is stored with every snapshot.

What counts as demand
    Each employer skill demand (``SkillDemand``) and each live vacancy is one *demand item*.
    An item needs ``headcount`` people within the report horizon: a demand of N people over T
    months contributes ``N * min(1, horizon_months / T)``; a vacancy contributes
    ``vacancy_headcount`` (one post). A vacancy is live when it has been posted by ``as_of`` and
    has not closed more than ``vacancy_grace_days`` before it. Each skill of an item adds the
    item's headcount times ``essential_weight`` or ``optional_weight`` to the demand for that
    (sector, district, skill).

De-duplication
    A vacancy and a skill demand are the same need, and count once, when they come from the same
    employer (the vacancy's employer, or an employer of exactly the same name) in the same
    district, and either name the same ESCO occupation or have overlapping titles (the share of
    title words in common, Jaccard, at least ``title_overlap``). The demand keeps its headcount
    (at least one per merged vacancy) and gains the vacancy's skills; an essential skill in
    either stays essential.

What counts as supply
    A course offering supplies a skill to a district when it is in reach
    (``skillsmatch.services.reach``: same or neighbouring district, or online), its course
    teaches the skill with a provenance in ``supply_provenances`` and a score of at least
    ``min_course_skill_score``, and it has an intake between ``as_of`` and ``intake_window_months``
    later (offerings without published dates count when ``count_undated_offerings``). Its places
    count once, whatever the number of intakes. All four provenances count by default: ``ksb``
    and ``overview`` skills were linked above the linker's precision threshold, ``confirmed``
    ones by a person, and ``esco-occupation`` ones are the essential skills of the occupation an
    apprenticeship standard trains for, which its end-point assessment checks.

Level
    An offering fits a demand when its course level is at most ``max_levels_above`` above the
    demand's level (or either level is unknown). Places that fit no demand in a cell do not count
    as supply for it; places are shared out so that each demand level gets only places that fit it.

Pathways
    A demand item has a course pathway when some course in reach (with an intake, at a level
    that fits) teaches at least one of its essential skills, and at least
    ``pathway_min_share`` of them. Items without one are *pathway gaps*, listed with the
    essential skills that no course in reach teaches.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from skillsmatch.models.courses import COURSE_SKILL_PROVENANCE


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class GapParameters:
    """Every weight and rule of the gap analysis (see the module docstring for what each means)."""

    as_of: date = field(default_factory=date.today)
    horizon_months: int = 12
    essential_weight: float = 1.0
    optional_weight: float = 0.5
    vacancy_headcount: float = 1.0
    vacancy_grace_days: int = 0
    title_overlap: float = 0.5
    supply_provenances: tuple[str, ...] = COURSE_SKILL_PROVENANCE
    min_course_skill_score: float = 0.0
    intake_window_months: int = 12
    count_undated_offerings: bool = True
    max_levels_above: int = 1
    pathway_min_share: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if self.horizon_months < 1 or self.intake_window_months < 1:
            problems.append("horizon_months and intake_window_months must be at least 1")
        if self.optional_weight < 0 or self.essential_weight <= 0:
            problems.append("essential_weight must be positive and optional_weight not negative")
        elif self.optional_weight > self.essential_weight:
            problems.append("optional_weight must not exceed essential_weight")
        if self.vacancy_headcount <= 0:
            problems.append("vacancy_headcount must be positive")
        if self.vacancy_grace_days < 0 or self.max_levels_above < 0:
            problems.append("vacancy_grace_days and max_levels_above must not be negative")
        if not 0 <= self.title_overlap <= 1 or not 0 <= self.pathway_min_share <= 1:
            problems.append("title_overlap and pathway_min_share must be between 0 and 1")
        unknown = set(self.supply_provenances) - set(COURSE_SKILL_PROVENANCE)
        if unknown:
            problems.append(
                f"unknown supply provenance {sorted(unknown)}; "
                f"choose from {list(COURSE_SKILL_PROVENANCE)}"
            )
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def intake_window_end(self) -> date:
        return add_months(self.as_of, self.intake_window_months)

    def weight(self, importance: str) -> float:
        return self.essential_weight if importance == "essential" else self.optional_weight

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["supply_provenances"] = list(self.supply_provenances)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GapParameters:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "as_of" in values:
            values["as_of"] = date.fromisoformat(values["as_of"])
        if "supply_provenances" in values:
            values["supply_provenances"] = tuple(values["supply_provenances"])
        return cls(**values)
