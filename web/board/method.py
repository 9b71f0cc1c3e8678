"""The gap report's rules in plain English, with the figures taken from ``GapParameters``.

The methodology page and each snapshot's "rules used" list read these sentences, so what a
councillor reads always matches the weights the report was built with.
"""

from __future__ import annotations

from dataclasses import dataclass

from skillsmatch.services.gaps import GapParameters
from skillsmatch.services.gaps.reasons import join_words, number
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT

# Where a course's skills come from (CourseSkill.provenance), in words.
PROVENANCE_WORDS = {
    "ksb": "the knowledge, skills and behaviours its apprenticeship standard publishes",
    "overview": "the standard's one-line overview",
    "esco-occupation": "the essential skills of the job the standard trains for",
    "confirmed": "skills the course provider has confirmed",
}


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    text: str


def months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def share(value: float) -> str:
    return f"{round(value * 100)}%"


def people(value: float) -> str:
    return f"{value:g} {'person' if value == 1 else 'people'}"


def rules(p: GapParameters) -> list[Rule]:
    """Each rule of the analysis, worded for a reader who has not seen the code."""
    example_need, example_over = 10, p.horizon_months * 2
    counted = example_need * min(1.0, p.horizon_months / example_over)
    grace = (
        "until its closing date"
        if p.vacancy_grace_days == 0
        else f"until {p.vacancy_grace_days} days after its closing date"
    )
    ratio = p.optional_weight / p.essential_weight
    undated = (
        "Courses that have not published start dates count as well, because many providers "
        "publish them late."
        if p.count_undated_offerings
        else "Courses that have not published start dates do not count."
    )
    score = (
        ""
        if p.min_course_skill_score <= 0
        else f" Skills found in a course's text count only with a match score of at least "
        f"{p.min_course_skill_score:g}."
    )
    pathway = (
        "at least one of its essential skills"
        if p.pathway_min_share <= 0
        else f"at least {share(p.pathway_min_share)} of its essential skills"
    )
    return [
        Rule(
            "horizon",
            "Timeframe",
            f"Demand is counted over the next {months(p.horizon_months)}. An employer that needs "
            f"{example_need} people over {months(example_over)} counts as needing "
            f"{number(counted)} within that time; needs due sooner count in full.",
        ),
        Rule(
            "vacancies",
            "Vacancies",
            f"Each live vacancy counts as {people(p.vacancy_headcount)}. A vacancy is live from "
            f"the day it is posted {grace}.",
        ),
        Rule(
            "weights",
            "Essential and optional skills",
            f"Each person needing an essential skill counts as {p.essential_weight:g}; an "
            f"optional skill counts {p.optional_weight:g} (so an optional skill weighs "
            f"{share(ratio)} of an essential one).",
        ),
        Rule(
            "deduplication",
            "Counting a need once",
            "A vacancy and an employer's stated skill need are counted once when they are the "
            "same need: the same employer, in the same district, for the same job (the same ESCO "
            f"occupation, or job titles sharing at least {share(p.title_overlap)} of their "
            "words). The need keeps its headcount, at least one person per vacancy folded into "
            "it, and gains any extra skills the vacancy asks for.",
        ),
        Rule(
            "reach",
            "Reach",
            f"A course supplies a district when it runs in the {SAME_DISTRICT}, in a "
            f"{NEIGHBOURING} (one that borders it), or {ONLINE}. A course two districts away "
            "does not count.",
        ),
        Rule(
            "intake",
            "Courses starting soon",
            f"A course counts when it has an intake in the next {months(p.intake_window_months)}. "
            f"{undated} Its places count once, however many intakes it has.",
        ),
        Rule(
            "skills",
            "What a course teaches",
            "A course teaches a skill when it is among "
            + join_words([PROVENANCE_WORDS.get(s, s) for s in p.supply_provenances])
            + f".{score}",
        ),
        Rule(
            "levels",
            "Levels",
            f"A course counts for demand at its own level, at a higher level, or up to "
            f"{p.max_levels_above} level{'' if p.max_levels_above == 1 else 's'} below it: a "
            f"level {2 + p.max_levels_above} course counts for demand at level 2, a level "
            f"{3 + p.max_levels_above} course does not. Places are shared out so that each "
            "level of demand gets only places that fit it.",
        ),
        Rule(
            "shared",
            "Shared places",
            "The same course places are open to every sector: each sector's figures count all "
            "the places in reach, rather than dividing them up. Where several sectors want the "
            "same places, the reason says so, because together they may want more than there is.",
        ),
        Rule(
            "pathways",
            "Pathway gaps",
            f"A demand or vacancy has a course pathway when a course in reach teaches {pathway}. "
            "Those without one are listed as pathway gaps, with the essential skills that no "
            "course in reach teaches.",
        ),
    ]
