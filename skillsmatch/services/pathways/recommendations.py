"""Learner -> pathways (one course or two, to an occupation) and vacancies they could apply for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from ml.pathway_scoring import LearnerQuery, PathwayScore, SkillBreakdown, VacancyMatch
from skillsmatch.models import Learner
from skillsmatch.services.pathways.explanations import (
    DIRECT_PART_LABELS,
    GREATER_ESSEX,
    _explain_pathway,
    _names,
    _score_view,
    _score_words,
)
from skillsmatch.services.pathways.index import PathwayIndex, _dimension
from skillsmatch.services.pathways.views import (
    LearnerPathways,
    Notice,
    Pathway,
    SkillItem,
    VacancyMatchView,
)

__all__ = ["LearnerProfile", "profile_of", "recommend_pathways"]


@dataclass(frozen=True)
class LearnerProfile:
    """What matching reads about a learner; built from a ``Learner`` or from a form."""

    skill_ids: tuple[int, ...]  # confirmed skills
    pending_skill_ids: tuple[int, ...] = ()  # suggested, not yet confirmed
    sector_ids: tuple[int, ...] = ()
    district_id: int | None = None
    district_code: str | None = None  # as typed, when it is not a known district id
    level: int | None = None
    about: str = ""


def profile_of(learner: Learner) -> LearnerProfile:
    """The matching profile of a stored learner: only skills they confirmed count."""
    confirmed = tuple(sorted(s.skill_id for s in learner.skills if s.confirmed))
    pending = tuple(sorted(s.skill_id for s in learner.skills if not s.confirmed))
    return LearnerProfile(
        skill_ids=confirmed,
        pending_skill_ids=pending,
        sector_ids=tuple(sorted(s.id for s in learner.sectors)),
        district_id=learner.district_id,
        level=learner.level,
        about=learner.about or "",
    )


def recommend_pathways(
    index: PathwayIndex,
    learner: Learner | LearnerProfile,
    today: date | None = None,
) -> LearnerPathways:
    """Rank pathways, two-step pathways and ready-now vacancies for a learner.

    Parameters
    ----------
    index : PathwayIndex
    learner : Learner or LearnerProfile
        A stored learner (only their confirmed skills count) or a profile built from a form.
    today : date or None
        For start dates and closing dates; None is today.
    """
    profile = learner if isinstance(learner, LearnerProfile) else profile_of(learner)
    today = today or date.today()
    notices: list[Notice] = []

    home = profile.district_id
    if home is None and profile.district_code:
        home = index.district_by_code.get(profile.district_code.strip().upper())
        if home is None:
            notices.append(
                Notice(
                    "district-outside-area",
                    f"'{profile.district_code}' is not one of the 14 districts of {GREATER_ESSEX} "
                    "that SkillsMatch covers, so only online courses and vacancies without a "
                    "location are shown. Choose a district in Greater Essex to see courses nearby.",
                )
            )
    elif home is not None and home not in index.partition:
        notices.append(
            Notice(
                "district-outside-area",
                f"Your district is not one of the 14 districts of {GREATER_ESSEX}, so only online "
                "courses are shown.",
            )
        )
        home = None
    elif home is None:
        notices.append(
            Notice(
                "no-district",
                "Your district is not set, so only online courses and vacancies without a location "
                "are shown. Add your district to see courses and jobs near you.",
            )
        )

    cols, unknown = index.skill_cols(profile.skill_ids)
    if not len(cols):
        pending = len(profile.pending_skill_ids)
        notices.append(
            Notice(
                "no-skills",
                "You have no confirmed skills yet, so these suggestions rest only on your sectors, "
                "location and profile text, and every skill a job needs counts as still to learn. "
                + (
                    f"Confirm the {pending} skill{'s' if pending != 1 else ''} suggested from your "
                    "profile, or add skills, to see what you already have."
                    if pending
                    else "Add the skills you have, or describe your experience, to see what you "
                    "already have."
                ),
            )
        )
    if not profile.sector_ids:
        notices.append(
            Notice(
                "no-sectors",
                "You have not chosen sectors of interest, so pathways into all seven priority "
                "sectors are shown.",
            )
        )

    query = LearnerQuery(
        vector=_learner_vector(index, profile),
        skills=cols,
        strength=np.ones(len(cols), dtype=np.float32),
        level=profile.level,
        sectors=frozenset(profile.sector_ids),
        travel=index.travel_from(home),
        today=today.toordinal(),
    )
    rec = index.scorer.recommend(query)

    if len(cols) and len(rec.unmatched_skills):
        unmatched = [index.skill_label[int(index.col_skill[c])] for c in rec.unmatched_skills]
        everything = len(rec.unmatched_skills) == len(cols)
        notices.append(
            Notice(
                "skills-unmatched",
                ("None of your confirmed skills" if everything else "Some of your skills")
                + f" ({_names([SkillItem(0, u, False) for u in unmatched])}) "
                + ("is" if len(unmatched) == 1 else "are")
                + " taught by a course or asked for by an occupation or vacancy in SkillsMatch, so "
                + (
                    "no pathway can build on them yet. The pathways below start from scratch."
                    if everything
                    else "they do not count towards these pathways."
                ),
            )
        )
    if rec.n_courses_in_reach == 0:
        notices.append(
            Notice(
                "no-courses-in-reach",
                "No course with free places is in your reach"
                + ("" if home is None else f" from {index.district_name.get(home)}")
                + " at a level you can start, so there are no course pathways to show.",
            )
        )
    elif not rec.pathways:
        notices.append(
            Notice(
                "no-pathways",
                "No course in your reach teaches a skill that the occupations in your sectors ask "
                "for and you do not already have.",
            )
        )

    by_sector = rec.vacancies_by_sector
    pathways = [_pathway_view(index, p, profile, by_sector, today) for p in rec.pathways]
    two_step = [_pathway_view(index, p, profile, by_sector, today) for p in rec.two_step]
    ready = [_vacancy_view(index, m) for m in rec.ready_now]
    close = [_vacancy_view(index, m) for m in rec.close]
    if not ready and len(cols):
        threshold = round(100 * index.scorer.ready_threshold)
        notices.append(
            Notice(
                "none-ready-now",
                "There are no live vacancies in your reach at the moment."
                if not rec.n_vacancies_in_reach
                else f"You are not yet ready for any of the {rec.n_vacancies_in_reach} live "
                f"vacancies in your reach: SkillsMatch counts you ready when you have at least "
                f"{threshold}% of a job's essential skills.",
            )
        )
    return LearnerPathways(pathways, two_step, ready, close, notices)


def _learner_vector(index: PathwayIndex, profile: LearnerProfile) -> np.ndarray:
    labels = [index.skill_label[s] for s in profile.skill_ids if s in index.skill_label]
    sectors = [index.sectors[s] for s in profile.sector_ids if s in index.sectors]
    text = " ".join(
        part
        for part in (
            profile.about.strip(),
            f"Skills: {'; '.join(labels)}." if labels else "",
            f"Interested in {', '.join(sectors)}." if sectors else "",
        )
        if part
    )
    if not text:
        return np.zeros(_dimension(index.encoder), dtype=np.float32)
    return index.embed(text)


def _pathway_view(
    index: PathwayIndex,
    p: PathwayScore,
    profile: LearnerProfile,
    by_sector: dict[int, int],
    today: date,
) -> Pathway:
    first = index.course_step(p.course, p.offering, profile.level, p.travel, today)
    steps = [first]
    if p.second_course >= 0:
        # The second course's level step counts from where the first leaves the learner.
        base = profile.level
        if first.level is not None and (base is None or first.level > base):
            base = first.level
        steps.append(
            index.course_step(
                p.second_course, p.second_offering, base, p.second_travel or "", today
            )
        )
    target = index.targets[p.target]
    b: SkillBreakdown = p.skills
    durations = [s.duration_months for s in steps]
    funding = [s.max_funding for s in steps]
    view = Pathway(
        courses=steps,
        occupation_id=target.id,
        occupation=target.label,
        sector=index.sectors.get(target.sector_id) if target.sector_id else None,
        have=index.items(b.have, b.essential),
        adds=index.items(b.adds, b.essential),
        adds_second=index.items(b.adds_second, b.essential),
        partly=[
            index.item(int(c), b.essential, int(v))
            for c, v in zip(b.partly, b.partly_from, strict=True)
        ],
        missing=index.items(b.missing, b.essential),
        coverage_now=round(100 * p.coverage_now),
        coverage_after=round(100 * p.coverage_after),
        duration_months=sum(d for d in durations if d) if all(durations) else None,
        funding=sum(f for f in funding if f) if all(funding) else None,
        vacancies=[index.vacancy_ref(int(v)) for v in p.vacancies],
        n_vacancies=p.n_vacancies,
        n_sector_vacancies=by_sector.get(target.sector_id or -1, 0),
        score=_score_view(p.scored),
        explanation="",
    )
    return replace(view, explanation=_explain_pathway(view))


def _vacancy_view(index: PathwayIndex, m: VacancyMatch) -> VacancyMatchView:
    b = m.skills
    ref = index.vacancy_ref(m.vacancy)
    have = index.items(b.have, b.essential)
    partly = [
        index.item(int(c), b.essential, int(v))
        for c, v in zip(b.partly, b.partly_from, strict=True)
    ]
    missing = index.items(b.missing, b.essential)
    score = _score_view(m.scored, DIRECT_PART_LABELS)
    where = ref.district or "no location given"
    job = f"{ref.title} at {ref.employer or 'an employer'} ({where}, {m.travel})"
    lead = f"You could apply now for {job}" if m.ready else f"{job} is close"
    ess_missing = [s for s in missing if s.essential]
    text = (
        f"{lead}: you have {round(100 * m.essential_coverage)}% of its essential skills"
        + (f" ({_names(have)})" if have else "")
        + "."
        + (f" Still to show: {_names(ess_missing)} (essential)." if ess_missing else "")
        + (
            f" Optional skills you could add: {_names([s for s in missing if not s.essential], 3)}."
            if any(not s.essential for s in missing)
            else ""
        )
        + " "
        + _score_words(score)
    )
    return VacancyMatchView(
        vacancy=ref,
        ready=m.ready,
        travel=m.travel,
        have=have,
        partly=partly,
        missing=missing,
        coverage=round(100 * m.coverage),
        essential_coverage=round(100 * m.essential_coverage),
        score=score,
        explanation=text,
    )
