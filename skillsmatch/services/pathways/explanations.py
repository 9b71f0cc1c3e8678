"""Plain-English explanations of scores, courses and pathways."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ml.pathway_scoring import Scored
from skillsmatch.services.pathways.views import CourseStep, Pathway, ScoreView, SkillItem
from skillsmatch.services.reach import ONLINE

GREATER_ESSEX = "Greater Essex (Essex, Southend-on-Sea and Thurrock)"

PART_LABELS = {
    "skills": "skills covered after the course",
    "gain": "what the course adds",
    "relevance": "how directly the course leads there",
    "interest": "fit with your profile",
    "practical": "travel, level and start date",
    "jobs": "live jobs in reach",
    "two courses": "needs two courses",
    "sector": "in your sectors of interest",
    "travel": "travel",
    "essential": "essential skills supplied",
    "optional": "optional skills supplied",
}
DIRECT_PART_LABELS = {"skills": "skills you already have"}


def _score_view(scored: Scored, labels: dict[str, str] | None = None) -> ScoreView:
    names = {**PART_LABELS, **(labels or {})}
    parts = sorted(
        ((names.get(k, k), round(100 * v, 1)) for k, v in scored.contributions.items() if v),
        key=lambda p: -abs(p[1]),
    )
    n, weak = scored.n_evidence, scored.n_weak
    if n == 0:
        reason = "no skills in common yet: the match rests on text similarity and practicalities"
    else:
        reason = f"based on {n} skill{'s' if n != 1 else ''}"
        if weak:
            reason += (
                f", {weak} of them weakly linked"
                if weak < n
                else (", all weakly linked" if n > 1 else ", weakly linked")
            )
    return ScoreView(round(100 * scored.score), parts, scored.confidence_label, reason, scored)


def _names(items: Sequence[SkillItem], limit: int = 6) -> str:
    names = [s.label for s in items[:limit]]
    more = len(items) - limit
    text = ", ".join(names)
    return text + (f" and {more} more" if more > 0 else "")


def _when(d: date | None) -> str:
    return d.strftime("%-d %B %Y") if d else "no start date listed (ask the provider)"


def _step_words(step: int | None) -> str:
    if step is None:
        return ""
    if step == 0:
        return "at your level"
    if step < 0:
        return f"{-step} level{'s' if step < -1 else ''} below yours"
    return f"{step} level{'s' if step > 1 else ''} up from yours"


def _course_words(step: CourseStep) -> str:
    where = step.travel if step.travel != ONLINE else "online"
    place = f"{step.provider}" + (f", {step.district}" if step.district else "")
    bits = [f"Level {step.level}" if step.level else "level not given"]
    if step.level_step is not None:
        bits.append(_step_words(step.level_step))
    if step.duration_months:
        bits.append(f"{step.duration_months} months")
    if step.max_funding:
        bits.append(f"funding up to £{step.max_funding:,}")
    return (
        f"{step.title} at {place} ({where}; next start {_when(step.next_start)}; "
        f"{step.places} places; {', '.join(bits)})"
    )


def _explain_pathway(p: Pathway) -> str:
    first = p.courses[0]
    text = [f"{_course_words(first)}"]
    if len(p.courses) == 2:
        text.append(f"then {_course_words(p.courses[1])}")
    text = [
        " ".join(text) + f" leads towards {p.occupation}" + (f" ({p.sector})." if p.sector else ".")
    ]
    n_total = len(p.have) + len(p.adds) + len(p.adds_second) + len(p.partly) + len(p.missing)
    text.append(
        f"You already have {len(p.have)} of the {n_total} skills it asks for"
        + (f": {_names(p.have)}." if p.have else ".")
    )
    if p.partly:
        text.append(
            "Partly covered through a related, narrower skill: "
            + "; ".join(f"{s.label} (by {s.via})" if s.via else s.label for s in p.partly[:4])
            + "."
        )
    text.append(
        f"The course adds {len(p.adds)}: {_names(p.adds)}."
        if p.adds
        else "The first course adds none of them directly."
    )
    if len(p.courses) == 2:
        text.append(f"The second course adds {len(p.adds_second)}: {_names(p.adds_second)}.")
    ess = [s for s in p.missing if s.essential]
    opt = [s for s in p.missing if not s.essential]
    if ess or opt:
        parts = []
        if ess:
            parts.append(f"{len(ess)} essential ({_names(ess)})")
        if opt:
            parts.append(f"{len(opt)} optional ({_names(opt, 3)})")
        text.append("Still missing afterwards: " + "; ".join(parts) + ".")
    else:
        text.append("Nothing it asks for would still be missing.")
    text.append(f"Skills covered: {p.coverage_now}% now, {p.coverage_after}% after.")
    if p.n_vacancies:
        text.append(
            f"{p.n_vacancies} live vacanc{'ies' if p.n_vacancies != 1 else 'y'} for this "
            "job in your reach."
        )
    elif p.n_sector_vacancies:
        text.append(
            f"No live vacancy for this exact job in your reach, but "
            f"{p.n_sector_vacancies} in the {p.sector} sector."
        )
    else:
        text.append("No live vacancy for it in your reach at the moment.")
    text.append(_score_words(p.score))
    return " ".join(text)


def _score_words(score: ScoreView) -> str:
    parts = ", ".join(f"{label} {value:+.0f}" for label, value in score.parts[:4])
    return (
        f"Match {score.score}/100 ({parts}). Confidence {score.confidence}: "
        f"{score.confidence_reason}."
    )
