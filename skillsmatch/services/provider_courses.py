"""A course provider's own courses and offerings: listing, editing, skills and file imports.

Every lookup here takes the provider and finds only what belongs to it: its own courses
(``Course.owner_provider_id``) and the offerings it runs, of its own courses or of apprenticeship
standards. Another provider's course or offering is "not found" (None), never an error that says
it exists. Nothing here commits: the caller commits, or rolls back, the whole change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.imports import (
    COURSES,
    Record,
    Schema,
    check_courses,
    is_standard_reference,
)
from skillsmatch.loaders.reference import sector_map
from skillsmatch.loaders.standards import Readers, attach_overview_skills
from skillsmatch.models import (
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Provider,
    Sector,
    SectorCode,
    Skill,
    User,
)
from skillsmatch.models.courses import DELIVERY_MODES
from skillsmatch.services import file_imports
from skillsmatch.services.form_input import Problems, clean_text, whole_number
from skillsmatch.services.skill_suggestions import (
    SuggestedSkill,
    search_skills,
    skill_linker,
    suggest_skills,
)

LEVELS = {
    1: "Level 1 (first certificate)",
    2: "Level 2 (GCSE)",
    3: "Level 3 (A level)",
    4: "Level 4 (higher national certificate)",
    5: "Level 5 (foundation degree)",
    6: "Level 6 (degree)",
    7: "Level 7 (master's degree)",
    8: "Level 8 (doctorate)",
}
MODES = {"in-person": "In person", "online": "Online", "blended": "Blended"}
assert set(MODES) == set(DELIVERY_MODES)

MAX_TITLE = 255
MAX_CODE = 64
MAX_OVERVIEW = 10_000
MAX_MONTHS = 120
MAX_PLACES = 100_000
MAX_START_DATES = 24
MAX_SEARCH = 100
# A provider's upload; the command line takes files up to skillsmatch.imports.MAX_FILE_BYTES.
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
CONFIRMED_SCORE = 1.0
CONFIRMED_EVIDENCE = "Confirmed by the provider"

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/. -](\d{1,2})[/. -](\d{4})")
_WORDY_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})")


# --- whose courses ------------------------------------------------------------------------------


def provider_for(session: Session, user: User) -> Provider | None:
    """The provider a signed-in account works for, if it is linked to one."""
    return session.get(Provider, user.provider_id) if user.provider_id else None


def _is_own(course: Course, provider: Provider) -> bool:
    return course.kind == "provider" and course.owner_provider_id == provider.id


def course_for(session: Session, provider: Provider, course_id: uuid.UUID) -> Course | None:
    """A course this provider may see and run: its own, or any apprenticeship standard."""
    course = session.scalar(sa.select(Course).where(Course.public_id == course_id))
    if course is None or not (course.kind == "apprenticeship" or _is_own(course, provider)):
        return None
    return course


def own_course(session: Session, provider: Provider, course_id: uuid.UUID) -> Course | None:
    """One of the provider's own courses, which only it may change; None for anything else."""
    course = course_for(session, provider, course_id)
    return course if course is not None and _is_own(course, provider) else None


def own_offering(
    session: Session, provider: Provider, offering_id: uuid.UUID
) -> CourseOffering | None:
    """An offering the provider runs; None for another provider's, or for no such offering."""
    return session.scalar(
        sa.select(CourseOffering).where(
            CourseOffering.public_id == offering_id, CourseOffering.provider_id == provider.id
        )
    )


def is_own(course: Course, provider: Provider) -> bool:
    """Whether the provider owns ``course`` (and so may change its details and skills)."""
    return _is_own(course, provider)


# --- listing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferingRow:
    public_id: uuid.UUID
    district: str  # "Online" for online delivery
    mode: str
    start_dates: list[str]
    places: int
    is_demo: bool


@dataclass(frozen=True)
class CourseRow:
    public_id: uuid.UUID
    title: str
    reference: str
    level: int | None
    is_own: bool
    offerings: list[OfferingRow]
    skills: int


@dataclass(frozen=True)
class ProviderCourses:
    provider: Provider
    courses: list[CourseRow]

    @property
    def offerings(self) -> int:
        return sum(len(c.offerings) for c in self.courses)

    @property
    def places(self) -> int:
        return sum(o.places for c in self.courses for o in c.offerings)

    @property
    def shows_demo(self) -> bool:
        return self.provider.is_demo or any(o.is_demo for c in self.courses for o in c.offerings)


def _offering_row(offering: CourseOffering) -> OfferingRow:
    return OfferingRow(
        public_id=offering.public_id,
        district=offering.district.name if offering.district else "Online",
        mode=offering.mode,
        start_dates=sorted(offering.start_dates),
        places=offering.places,
        is_demo=offering.is_demo,
    )


def _sorted_offerings(offerings: list[CourseOffering]) -> list[OfferingRow]:
    rows = [_offering_row(o) for o in offerings]
    return sorted(rows, key=lambda o: (o.district == "Online", o.district, o.mode))


def list_courses(session: Session, provider: Provider) -> ProviderCourses:
    """The provider's own courses and the standards it runs, by title, with its offerings."""
    offerings = list(
        session.scalars(
            sa.select(CourseOffering)
            .where(CourseOffering.provider_id == provider.id)
            .options(selectinload(CourseOffering.district))
        )
    )
    by_course: dict[int, list[CourseOffering]] = {}
    for offering in offerings:
        by_course.setdefault(offering.course_id, []).append(offering)
    courses = session.scalars(
        sa.select(Course)
        .where(
            sa.or_(
                sa.and_(Course.kind == "provider", Course.owner_provider_id == provider.id),
                Course.id.in_(
                    sa.select(CourseOffering.course_id).where(
                        CourseOffering.provider_id == provider.id
                    )
                ),
            )
        )
        .order_by(Course.title, Course.id)
    ).all()
    skill_counts = (
        dict(
            session.execute(
                sa.select(CourseSkill.course_id, sa.func.count())
                .where(CourseSkill.course_id.in_([c.id for c in courses]))
                .group_by(CourseSkill.course_id)
            ).all()
        )
        if courses
        else {}
    )
    rows = [
        CourseRow(
            public_id=c.public_id,
            title=c.title,
            reference=c.reference,
            level=c.level,
            is_own=_is_own(c, provider),
            offerings=_sorted_offerings(by_course.get(c.id, [])),
            skills=int(skill_counts.get(c.id, 0)),
        )
        for c in courses
    ]
    return ProviderCourses(provider, rows)


@dataclass(frozen=True)
class CourseView:
    course: Course
    is_own: bool
    sector_name: str | None
    offerings: list[OfferingRow]
    skills: list[CourseSkillRow]


def course_view(session: Session, provider: Provider, course: Course) -> CourseView:
    """A course as its provider sees it: details, its own offerings of it, and the skills."""
    offerings = list(
        session.scalars(
            sa.select(CourseOffering)
            .where(CourseOffering.course_id == course.id, CourseOffering.provider_id == provider.id)
            .options(selectinload(CourseOffering.district))
        )
    )
    return CourseView(
        course=course,
        is_own=_is_own(course, provider),
        sector_name=course.sector.name if course.sector else None,
        offerings=_sorted_offerings(offerings),
        skills=course_skills(session, course),
    )


def search_text(query: str | None) -> str:
    """A search as typed, cleaned of control characters and cut to a sensible length."""
    return clean_text(query)[:MAX_SEARCH]


def find_standards(session: Session, query: str, limit: int = 20) -> list[Course]:
    """Apprenticeship standards whose title holds every word of ``query``, or its reference."""
    words = search_text(query).split()
    if not words:
        return []
    by_title = sa.and_(*(Course.title.icontains(w, autoescape=True) for w in words[:6]))
    by_reference = Course.reference == words[0].upper() if len(words) == 1 else sa.false()
    return list(
        session.scalars(
            sa.select(Course)
            .where(Course.kind == "apprenticeship", sa.or_(by_title, by_reference))
            .order_by(Course.title, Course.id)
            .limit(limit)
        )
    )


# --- choices ------------------------------------------------------------------------------------


def route_choices(session: Session) -> list[str]:
    """Apprenticeship routes: those of the loaded standards and of the sector definitions."""
    routes: set[str] = set()
    statement = sa.select(Course.route).where(Course.route.is_not(None)).distinct()
    for value in session.scalars(statement):
        routes.update(part.strip() for part in (value or "").split(";") if part.strip())
    routes.update(session.scalars(sa.select(SectorCode.code).where(SectorCode.scheme == "route")))
    return sorted(routes)


# --- checking what a person typed ---------------------------------------------------------------


@dataclass(frozen=True)
class CourseFields:
    """A course as typed into the form (every value as text)."""

    title: str = ""
    code: str = ""
    level: str = ""
    duration: str = ""
    route: str = ""
    sector: str = ""
    overview: str = ""


@dataclass(frozen=True)
class OfferingFields:
    """An offering as typed into the form (every value as text)."""

    mode: str = ""
    district: str = ""
    start_dates: str = ""
    places: str = ""


def _check_course(session: Session, fields: CourseFields, course: Course | None) -> dict[str, Any]:
    problems = Problems()
    title = clean_text(fields.title)
    if not title:
        problems.add("title", "Enter the course title")
    elif len(title) > MAX_TITLE:
        problems.add("title", f"Course title must be {MAX_TITLE} characters or fewer")

    code = clean_text(fields.code)
    if code:
        if len(code) > MAX_CODE:
            problems.add("code", f"Course code must be {MAX_CODE} characters or fewer")
        elif not _CODE.fullmatch(code):
            problems.add(
                "code",
                "Course code must start with a letter or digit and use only letters, digits "
                "and . _ / -",
            )
        elif is_standard_reference(code):
            problems.add(
                "code",
                "Course codes like ST0123 belong to apprenticeship standards; choose another",
            )
        else:
            taken = session.scalar(
                sa.select(Course.id).where(
                    Course.reference == code, Course.id != (course.id if course else -1)
                )
            )
            if taken is not None:
                problems.add("code", f"Another course already has the code {code}")

    level = clean_text(fields.level)
    if not level:
        problems.add("level", "Select the level of the course")
    elif not level.isdigit() or int(level) not in LEVELS:
        problems.add("level", "Select a level from the list")

    months = whole_number(
        problems, "duration", fields.duration, "length in months", 1, MAX_MONTHS, "12"
    )

    route = clean_text(fields.route)
    if route and route not in route_choices(session):
        problems.add("route", "Select a route from the list")

    sector_id: int | None = None
    sector = clean_text(fields.sector)
    if sector:
        sector_id = session.scalar(sa.select(Sector.id).where(Sector.slug == sector))
        if sector_id is None:
            problems.add("sector", "Select a priority sector from the list")
    elif route:
        slug = sector_map(session).for_route(route)
        if slug:
            sector_id = session.scalar(sa.select(Sector.id).where(Sector.slug == slug))

    overview = clean_text(fields.overview, multiline=True)
    if len(overview) > MAX_OVERVIEW:
        problems.add("overview", f"Overview must be {MAX_OVERVIEW:,} characters or fewer")
    problems.raise_any()
    return {
        "title": title,
        "reference": code or None,
        "level": int(level),
        "duration_months": months,
        "route": route or None,
        "sector_id": sector_id,
        "overview": overview,
    }


def _course_text(course: Course) -> str:
    """What skills are read from: the title and the overview (as for imported courses)."""
    return f"{course.title}\n{course.overview}".strip()


def _link_overview_skills(session: Session, course: Course) -> None:
    """The skills the course text names, stored unconfirmed (as for standards and imports)."""
    linker = skill_linker()
    skill_ids = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    attach_overview_skills([course], [_course_text(course)], linker, skill_ids)


def _new_code(session: Session) -> str:
    while True:
        code = f"C-{uuid.uuid4().hex[:8].upper()}"
        if session.scalar(sa.select(Course.id).where(Course.reference == code)) is None:
            return code


def create_course(session: Session, provider: Provider, fields: CourseFields) -> Course:
    """A new course owned by the provider, with the skills its text names; or ``InvalidInput``."""
    values = _check_course(session, fields, None)
    course = Course(
        kind="provider",
        owner_provider_id=provider.id,
        job_titles=[],
        is_demo=False,
        **{**values, "reference": values["reference"] or _new_code(session)},
    )
    session.add(course)
    _link_overview_skills(session, course)
    session.flush()
    return course


def update_course(session: Session, course: Course, fields: CourseFields) -> None:
    """Change a course's details; when its text changes, its unconfirmed skills are re-read."""
    values = _check_course(session, fields, course)
    before = _course_text(course)
    for name, value in values.items():
        if name == "reference" and value is None:
            continue  # a blank code keeps the current one
        setattr(course, name, value)
    session.flush()
    session.expire(course, ["sector"])  # set through sector_id: reload it when next asked
    if _course_text(course) != before:
        course.skills = [s for s in course.skills if s.provenance != "overview"]
        session.flush()
        _link_overview_skills(session, course)
    session.flush()


def course_fields(course: Course) -> CourseFields:
    """A course's details as the form shows them."""
    return CourseFields(
        title=course.title,
        code=course.reference,
        level=str(course.level or ""),
        duration=str(course.duration_months or ""),
        route=course.route or "",
        sector=course.sector.slug if course.sector else "",
        overview=course.overview or "",
    )


# --- offerings ----------------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """A date as people type it: 7/9/2026, 7 9 2026, 7 September 2026 or 2026-09-07."""
    text = text.strip()
    if found := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in found.groups())
    elif found := _NUMERIC_DATE.fullmatch(text):
        day, month, year = (int(g) for g in found.groups())
    elif found := _WORDY_DATE.fullmatch(text):
        named = _MONTHS.get(found.group(2).lower())
        if named is None:
            raise ValueError("no such month")
        day, month, year = int(found.group(1)), named, int(found.group(3))
    else:
        return None
    return date(year, month, day)  # ValueError for a day that does not exist


def _check_start_dates(problems: Problems, raw: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[\n;,]+", clean_text(raw, multiline=True)) if p.strip()]
    if len(parts) > MAX_START_DATES:
        problems.add("start_dates", f"Enter no more than {MAX_START_DATES} start dates")
        return []
    dates: set[date] = set()
    for part in parts:
        shown = part if len(part) <= 30 else part[:29] + "…"
        try:
            day = parse_date(part)
        except ValueError:
            problems.add("start_dates", f"Start date “{shown}” must be a real date")
            return []
        if day is None:
            problems.add(
                "start_dates", f"Start date “{shown}” must be a date, like 7/9/2026, one a line"
            )
            return []
        if not 2000 <= day.year <= 2099:
            problems.add("start_dates", f"Start date “{shown}” must be between 2000 and 2099")
            return []
        dates.add(day)
    return sorted(d.isoformat() for d in dates)


def _check_offering(
    session: Session,
    provider: Provider,
    course: Course,
    fields: OfferingFields,
    offering: CourseOffering | None,
) -> dict[str, Any]:
    problems = Problems()
    mode = clean_text(fields.mode)
    if not mode:
        problems.add("mode", "Select how the course is delivered")
    elif mode not in MODES:
        problems.add("mode", "Select how the course is delivered from the list")
    district_id: int | None = None
    district_name = "online"
    code = clean_text(fields.district)
    if mode != "online":
        if not code:
            if mode in MODES:  # an unknown mode is reported as such, not as a missing district
                problems.add("district", "Select the district where the course runs")
        else:
            found = session.execute(
                sa.select(District.id, District.name).where(District.code == code)
            ).first()
            if found is None:
                problems.add("district", "Select a district from the list")
            else:
                district_id, district_name = found
    start_dates = _check_start_dates(problems, fields.start_dates)
    places = whole_number(
        problems,
        "places",
        fields.places,
        "number of places",
        0,
        MAX_PLACES,
        "12",
        missing="Enter the number of places",
    )
    if mode in MODES and not any(name in ("mode", "district") for name, _ in problems.found):
        # One offering per course, provider, district and mode: as imports key them.
        clash = session.scalar(
            sa.select(CourseOffering.id).where(
                CourseOffering.course_id == course.id,
                CourseOffering.provider_id == provider.id,
                CourseOffering.mode == mode,
                CourseOffering.district_id.is_(None)
                if district_id is None
                else CourseOffering.district_id == district_id,
                CourseOffering.id != (offering.id if offering else -1),
            )
        )
        if clash is not None:
            where = "online" if mode == "online" else f"in {district_name}, {MODES[mode].lower()}"
            problems.add(
                "district" if mode != "online" else "mode",
                f"You already run this course {where}: change that offering instead",
            )
    problems.raise_any()
    return {
        "mode": mode,
        "district_id": district_id,
        "start_dates": start_dates,
        "places": places,
    }


def add_offering(
    session: Session, provider: Provider, course: Course, fields: OfferingFields
) -> CourseOffering:
    """The provider runs ``course`` somewhere (or online); ``InvalidInput`` if the form is wrong."""
    values = _check_offering(session, provider, course, fields, None)
    offering = CourseOffering(course=course, provider=provider, is_demo=False, **values)
    session.add(offering)
    session.flush()
    return offering


def update_offering(
    session: Session, provider: Provider, offering: CourseOffering, fields: OfferingFields
) -> None:
    """Change where, how and when an offering runs, and its places."""
    values = _check_offering(session, provider, offering.course, fields, offering)
    for name, value in values.items():
        setattr(offering, name, value)
    session.flush()


def delete_offering(session: Session, offering: CourseOffering) -> None:
    session.delete(offering)
    session.flush()


def offering_fields(offering: CourseOffering) -> OfferingFields:
    """An offering as the form shows it (dates as 7/9/2026, one a line)."""
    dates = [date.fromisoformat(d) for d in sorted(offering.start_dates)]
    return OfferingFields(
        mode=offering.mode,
        district=offering.district.code if offering.district else "",
        start_dates="\n".join(f"{d.day}/{d.month}/{d.year}" for d in dates),
        places=str(offering.places),
    )


# --- skills -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseSkillRow:
    uri: str
    label: str
    provenance: str
    score: float
    evidence: str

    @property
    def confirmed(self) -> bool:
        return self.provenance == "confirmed"


@dataclass(frozen=True)
class SkillReview:
    """A course's skills, what its text suggests beyond them, and skills found by a search."""

    skills: list[CourseSkillRow]
    suggestions: list[SuggestedSkill]
    # Why the text gave no suggestions, when it is the text's fault.
    reason: str | None
    query: str
    matches: list[Skill] = field(default_factory=list)


def course_skills(session: Session, course: Course) -> list[CourseSkillRow]:
    """The course's skills: confirmed ones first, then the most certain."""
    rows = session.execute(
        sa.select(
            Skill.uri, Skill.label, CourseSkill.provenance, CourseSkill.score, CourseSkill.evidence
        )
        .join(Skill, Skill.id == CourseSkill.skill_id)
        .where(CourseSkill.course_id == course.id)
    ).all()
    skills = [CourseSkillRow(*row) for row in rows]
    return sorted(skills, key=lambda s: (not s.confirmed, -s.score, s.label))


def review_skills(session: Session, course: Course, query: str = "") -> SkillReview:
    """What the provider reviews: the course's skills, suggestions from its text, a search."""
    skills = course_skills(session, course)
    have = {s.uri for s in skills}
    suggested = suggest_skills(session, _course_text(course))
    query = search_text(query)
    matches = [s for s in search_skills(session, query) if s.uri not in have] if query else []
    return SkillReview(
        skills=skills,
        suggestions=[s for s in suggested.skills if s.uri not in have],
        reason=suggested.reason,
        query=query,
        matches=matches,
    )


def _skill(session: Session, uri: str) -> Skill:
    skill = session.scalar(sa.select(Skill).where(Skill.uri == uri))
    if skill is None:
        raise LookupError(f"no ESCO skill {uri!r}")
    return skill


def confirm_skill(session: Session, course: Course, uri: str) -> Skill:
    """The provider confirms the course teaches the skill (suggested, found, or already listed)."""
    skill = _skill(session, uri)
    existing = session.get(CourseSkill, (course.id, skill.id))
    if existing is None:
        session.add(
            CourseSkill(
                course_id=course.id,
                skill_id=skill.id,
                provenance="confirmed",
                score=CONFIRMED_SCORE,
                evidence=CONFIRMED_EVIDENCE,
            )
        )
    else:
        existing.provenance = "confirmed"
    session.flush()
    return skill


def remove_skill(session: Session, course: Course, uri: str) -> Skill:
    """The provider says the course does not teach the skill; nothing to do if it is not listed."""
    skill = _skill(session, uri)
    existing = session.get(CourseSkill, (course.id, skill.id))
    if existing is not None:
        session.delete(existing)
        session.flush()
    return skill


# --- importing a file ---------------------------------------------------------------------------

# The command line's course columns, except that a provider's file need not name the provider:
# every row is the signed-in provider's.
UPLOAD_SCHEMA = Schema(
    COURSES.kind,
    tuple(replace(c, required=False) if c.name == "provider" else c for c in COURSES.columns),
)
TEMPLATE_COLUMNS = tuple(c.name for c in UPLOAD_SCHEMA.columns if c.name != "provider")
COLUMN_HELP: tuple[tuple[str, bool, str], ...] = (
    (
        "reference",
        True,
        "Your code for the course, or an apprenticeship standard's (ST0123) to run that standard",
    ),
    ("title", True, "The course title"),
    ("level", True, "1 to 8"),
    ("district", True, "Where it runs: a district name, ONS code or postcode; blank for online"),
    ("places", True, "Places on each intake, a whole number"),
    ("duration_months", False, "Typical length in months"),
    ("mode", False, "in-person (the default), online or blended"),
    ("start_dates", False, "YYYY-MM-DD, several separated by ;"),
    ("route", False, "The apprenticeship route it belongs to"),
    ("overview", False, "What the course teaches: skills are read from it"),
    ("job_titles", False, "Jobs it leads to, separated by ;"),
    ("max_funding", False, "Most funding per learner, in pounds"),
)
assert {c for c, _, _ in COLUMN_HELP} == set(TEMPLATE_COLUMNS)
_TEMPLATE_ROWS = (
    {
        "reference": "DA-101",
        "title": "Data analysis with spreadsheets",
        "level": "3",
        "district": "Chelmsford",
        "places": "16",
        "duration_months": "6",
        "mode": "blended",
        "start_dates": "2026-09-07;2027-01-11",
        "route": "Digital",
        "overview": "Learners use spreadsheets software to analyse data and present findings.",
        "job_titles": "Data analyst;Data technician",
        "max_funding": "",
    },
    {
        "reference": "CARE-201",
        "title": "Introduction to adult social care",
        "level": "2",
        "district": "",
        "places": "40",
        "duration_months": "3",
        "mode": "online",
        "start_dates": "2026-10-05",
        "route": "Care services",
        "overview": "Learners support people's wellbeing and keep accurate care records.",
        "job_titles": "Care worker",
        "max_funding": "",
    },
)


def template_csv() -> str:
    """A CSV file a provider fills in: the columns, with two example rows."""
    return file_imports.template_csv(TEMPLATE_COLUMNS, _TEMPLATE_ROWS)


@dataclass
class ImportOutcome(file_imports.ImportOutcome):
    """What came of a provider's file, with how many of the imported rows were new courses."""

    new_courses: int = 0


# The app's readers; an import asks for them only when it adds courses.
course_readers = file_imports.app_readers


def _as_own(record: Record, provider: Provider) -> Record:
    """The record as a row of this provider's: a row naming another provider is a problem."""
    values = dict(record.values)
    given = values.get("provider")
    problems = record.problems
    if given not in (None, "") and (
        not isinstance(given, str) or given.strip().lower() != provider.name.lower()
    ):
        problems = (
            *problems,
            ("provider", f"must be blank or {provider.name}: you can only import your own courses"),
        )
    values["provider"] = provider.name
    return Record(record.line, values, problems)


def import_course_file(
    session: Session,
    provider: Provider,
    path: Path,
    skip_invalid: bool,
    data_dir: Path,
    get_readers: Callable[[], Readers] = course_readers,
    max_bytes: int = UPLOAD_MAX_BYTES,
) -> ImportOutcome:
    """Check and import a provider's CSV or JSON Lines file with the command line's importer.

    All or nothing unless ``skip_invalid``: any bad row and nothing is imported. Every row is
    the provider's; new courses are owned by it, and references of apprenticeship standards add
    offerings of those standards. The caller commits when ``imported`` is true.
    """
    from skillsmatch.commands.imports import course_conflicts, import_course_rows

    courses_before = _count_courses(session)
    outcome = file_imports.import_file(
        session,
        path,
        UPLOAD_SCHEMA,
        check_courses,
        course_conflicts,
        import_course_rows,
        skip_invalid=skip_invalid,
        data_dir=data_dir,
        get_readers=get_readers,
        name=f"courses of {provider.name}",
        max_bytes=max_bytes,
        prepare=lambda record: _as_own(record, provider),
        outcome_type=ImportOutcome,
    )
    if outcome.imported:
        outcome.new_courses = _count_courses(session) - courses_before
    return outcome


def _count_courses(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Course)) or 0
