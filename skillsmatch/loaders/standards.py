"""Load approved apprenticeship standards as courses, with the skills they teach.

A standard's skills come from the best text available, recorded as provenance:
``ksb`` when its knowledge/skills/behaviours statements are published (linked statement by
statement); otherwise ``overview`` (its one-line overview of the role) and ``esco-occupation``
(the essential skills of the ESCO occupations its typical job titles normalise to).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch import reference_data as rd
from skillsmatch.loaders.reference import sector_map
from skillsmatch.loaders.report import LoadReport
from skillsmatch.models import (
    Course,
    CourseOccupation,
    CourseSkill,
    Occupation,
    OccupationSkill,
    Sector,
    Skill,
)

APPROVED = "Approved for delivery"
# The best few ESCO skills per KSB statement: a statement usually names one to three skills.
SKILLS_PER_STATEMENT = 3
SKILLS_FROM_OVERVIEW = 5
OCCUPATIONS_PER_TITLE = 1
JOB_TITLE_MAX = CourseOccupation.job_title.type.length  # the title a link records is cut to fit


@dataclass(frozen=True)
class Readers:
    """The text-to-taxonomy models a loader needs (see ``skillsmatch.services.linking``)."""

    skill_linker: Any
    title_normaliser: Any


def approved_standards(data_dir: Path = rd.DATA_DIR, supplement: bool = True) -> pd.DataFrame:
    """The newest version of each standard approved for delivery (including paused for starts).

    About one in eight lists no typical job titles, so no job title leads to it ("Administrative
    assistant" to Business administrator). With ``supplement``, those take the titles of
    ``job_titles_supplement.csv`` (see ``supplementary_job_titles``); a standard that lists its
    own keeps them.
    """
    frame = rd.read_standards(data_dir)
    frame = frame[frame["Status"].str.startswith(APPROVED)].copy()
    frame["_version"] = pd.to_numeric(frame["Version Number"], errors="coerce").fillna(0)
    frame = frame.sort_values("_version").drop_duplicates("Reference", keep="last")
    if supplement:
        extra = supplementary_job_titles(data_dir)
        listed = frame["Job Titles"].str.strip().ne("")
        frame["Job Titles"] = frame["Job Titles"].where(
            listed, frame["Reference"].str.strip().map(lambda r: ";".join(extra.get(r, [])))
        )
    return frame


def supplementary_job_titles(data_dir: Path = rd.DATA_DIR) -> dict[str, list[str]]:
    """Reference -> typical job titles for the standards whose newest version lists none."""
    frame = rd.read_job_title_supplement(data_dir)
    titles: dict[str, list[str]] = {}
    for ref, title in zip(frame["reference"], frame["job_title"], strict=True):
        titles.setdefault(ref.strip(), []).append(" ".join(title.split()))
    return titles


@cache
def _shipped_supplement(data_dir: Path) -> dict[str, list[str]]:
    return supplementary_job_titles(data_dir)


def has_supplied_job_titles(
    kind: str, reference: str, job_titles: list[str], data_dir: Path = rd.DATA_DIR
) -> bool:
    """Whether a course's job titles are the supplement's rather than its standard's own."""
    supplied = _shipped_supplement(data_dir).get(reference)
    return kind == "apprenticeship" and bool(job_titles) and job_titles == supplied


def _int_or_none(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


def load_standards(
    session: Session,
    readers: Readers,
    data_dir: Path = rd.DATA_DIR,
) -> LoadReport:
    report = LoadReport("apprenticeship standards")
    standards = approved_standards(data_dir)
    ksbs = rd.read_ksbs(data_dir)
    sectors = sector_map(session)
    sector_ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
    existing = set(session.scalars(sa.select(Course.reference)))

    courses: list[Course] = []
    for number, row in enumerate(standards.to_dict("records"), start=2):
        report.read += 1
        ref = row["Reference"].strip()
        if ref in existing:
            report.present += 1
            continue
        if not row["Name"].strip():
            report.skip(number, "Name", "empty")
            continue
        slug = sectors.for_route(row["Route"])
        courses.append(
            Course(
                reference=ref,
                kind="apprenticeship",
                title=row["Name"].strip(),
                level=_int_or_none(row["Level"]),
                duration_months=_int_or_none(row["Typical Duration"]),
                route=row["Route"] or None,
                max_funding=_int_or_none(row["Maximum Funding (£)"]),
                overview=row["Overview of role"].strip(),
                job_titles=[t.strip() for t in row["Job Titles"].split(";") if t.strip()],
                status=row["Status"],
                sector_id=sector_ids.get(slug) if slug else None,
            )
        )
    if not courses:
        return report
    skill_ids = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    occupation_ids = dict(session.execute(sa.select(Occupation.uri, Occupation.id)).all())
    attach_occupations(courses, readers.title_normaliser, occupation_ids)
    _attach_ksb_skills(courses, ksbs, readers.skill_linker, skill_ids)
    _attach_fallback_skills(session, courses, readers.skill_linker, skill_ids)
    session.add_all(courses)
    report.loaded = len(courses)
    return report


def course_occupations(courses: list[Course], normaliser: Any) -> list[tuple[Course, str, Any]]:
    """``(course, title, occupation)`` for the best ESCO occupation(s) of each distinct title of
    each course (its name, then its job titles), each title read in the context of the course's
    name and overview: "Ranger" on an outdoor activity course is not a forest ranger."""
    queries = [(c, t) for c in courses for t in dict.fromkeys([c.title, *c.job_titles])]
    results = normaliser.normalise(
        [t for _, t in queries],
        top_k=OCCUPATIONS_PER_TITLE,
        context=[f"{c.title}. {c.overview or ''}" for c, _ in queries],
    )
    return [
        (course, title, match)
        for (course, title), matches in zip(queries, results, strict=True)
        for match in matches
    ]


def attach_occupations(
    courses: list[Course], normaliser: Any, occupation_ids: dict[str, int]
) -> None:
    """Link each course to the occupations (``occupation_ids``: ESCO URI -> id) its titles read
    as (``course_occupations``); an occupation two titles read as keeps its best score."""
    for course, title, match in course_occupations(courses, normaliser):
        occ_id = occupation_ids.get(match.uri)
        if occ_id is None:
            continue
        known = {o.occupation_id: o for o in course.occupations}
        if occ_id in known:
            known[occ_id].score = max(known[occ_id].score, match.score)
        else:
            course.occupations.append(
                CourseOccupation(
                    occupation_id=occ_id, score=float(match.score), job_title=title[:JOB_TITLE_MAX]
                )
            )


def _add_skill(
    course: Course, skill_id: int | None, provenance: str, score: float, evidence: str
) -> None:
    if skill_id is None:
        return
    for cs in course.skills:
        if cs.skill_id == skill_id:
            if score > cs.score:
                cs.score, cs.evidence = score, evidence
            return
    course.skills.append(
        CourseSkill(skill_id=skill_id, provenance=provenance, score=float(score), evidence=evidence)
    )


def _attach_ksb_skills(
    courses: list[Course],
    ksbs: dict[str, dict[str, dict[str, str]]],
    linker: Any,
    skill_ids: dict[str, int],
) -> None:
    statements: list[tuple[Course, str]] = []
    for course in courses:
        for kind in ("K", "S", "B"):
            for code, text in ksbs.get(course.reference, {}).get(kind, {}).items():
                if text.strip():
                    statements.append((course, f"{code}: {text.strip()}"))
    threshold = linker.precision_threshold_
    results = linker.link(
        [s.split(": ", 1)[1] for _, s in statements],
        top_k=SKILLS_PER_STATEMENT,
        min_score=threshold,
    )
    for (course, statement), linked in zip(statements, results, strict=True):
        for skill in linked:
            _add_skill(course, skill_ids.get(skill.uri), "ksb", skill.score, statement)


def attach_overview_skills(
    courses: list[Course], texts: list[str], linker: Any, skill_ids: dict[str, int]
) -> None:
    """Link each course's descriptive text (one per course) and keep its confident skills."""
    linked = linker.link(texts, top_k=SKILLS_FROM_OVERVIEW, min_score=linker.precision_threshold_)
    for course, skills in zip(courses, linked, strict=True):
        for skill in skills:
            _add_skill(
                course,
                skill_ids.get(skill.uri),
                "overview",
                skill.score,
                course.overview or course.title,
            )


def _attach_fallback_skills(
    session: Session, courses: list[Course], linker: Any, skill_ids: dict[str, int]
) -> None:
    """Courses without KSB text: skills from the overview and from the occupations they lead to."""
    without = [c for c in courses if not c.skills]
    attach_overview_skills(without, [c.overview for c in without], linker, skill_ids)
    occupation_ids = {o.occupation_id for c in without for o in c.occupations}
    essential: dict[int, list[int]] = {}
    for occ_id, skill_id in session.execute(
        sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id).where(
            OccupationSkill.occupation_id.in_(occupation_ids),
            OccupationSkill.relation == "essential",
        )
    ):
        essential.setdefault(occ_id, []).append(skill_id)
    labels = dict(session.execute(sa.select(Occupation.id, Occupation.label)).all())
    for course in without:
        for occ in course.occupations:
            for skill_id in essential.get(occ.occupation_id, []):
                _add_skill(
                    course,
                    skill_id,
                    "esco-occupation",
                    occ.score,
                    f"essential skill of ESCO occupation '{labels[occ.occupation_id]}'",
                )
