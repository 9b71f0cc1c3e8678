"""An employer's skill needs and vacancies: post, change, list and delete them, and see what
supplies them (courses in reach, coverage, missing skills and the learner pipeline).

Every lookup takes the employer and finds only what belongs to it: another employer's need or
vacancy is "not found" (None), never an error that says it exists. Skills are stored only once the
employer has chosen them: suggestions read from a description or an advert, and ESCO search
results, are offered, not saved. Nothing here commits: the caller commits, or rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from skillsmatch.adverts import CONTACTS_REMOVED, has_contact_details, parse_salary, scrub_contacts
from skillsmatch.models import (
    CourseOffering,
    District,
    Employer,
    Learner,
    Skill,
    SkillDemand,
    SkillDemandSkill,
    User,
    Vacancy,
    VacancySkill,
)
from skillsmatch.services import audit
from skillsmatch.services.form_input import InvalidInput, Problems, clean_text, whole_number
from skillsmatch.services.pathways import (
    Notice,
    PathwayIndex,
    ProvisionCourse,
    ProvisionResult,
    SkillItem,
    learner_pipeline,
    provision_for_demand,
    provision_for_vacancy,
)
from skillsmatch.services.skill_suggestions import search_skills, suggest_skills

__all__ = [
    "IMPORTANCE",
    "LEVELS",
    "ChosenSkill",
    "EmployerNeeds",
    "InvalidInput",
    "NamedLearner",
    "NeedFields",
    "NeedRow",
    "SkillChoice",
    "SkillRow",
    "Supply",
    "SupplyCourse",
    "VacancyFields",
    "VacancyRow",
    "chosen_skills",
    "create_need",
    "create_vacancy",
    "delete_need",
    "delete_vacancy",
    "employer_for",
    "list_needs",
    "need_fields",
    "own_need",
    "own_vacancy",
    "scrub_advert",
    "skill_choice",
    "supply_for_need",
    "supply_for_vacancy",
    "update_need",
    "update_vacancy",
    "vacancy_fields",
]

LEVELS = {
    1: "Level 1 (entry level)",
    2: "Level 2 (GCSE)",
    3: "Level 3 (A level)",
    4: "Level 4 (higher national certificate)",
    5: "Level 5 (foundation degree)",
    6: "Level 6 (degree)",
    7: "Level 7 (master's degree)",
    8: "Level 8 (doctorate)",
}
IMPORTANCE = ("essential", "optional")
VACANCY_SOURCE = "employer"
CONFIRMED_SCORE = 1.0

MAX_TITLE = 255
MAX_ROLE_DESCRIPTION = 5_000
MAX_ADVERT = 20_000
MAX_SALARY = 120
MAX_HEADCOUNT = 10_000
MAX_TIMEFRAME_MONTHS = 60
MAX_SKILLS = 40
MAX_QUERY = 100
# A vacancy closes within this many days of being posted or changed.
MAX_DAYS_OPEN = 366


# --- what belongs to whom -------------------------------------------------------------------------


def employer_for(session: Session, user: User) -> Employer | None:
    """The organisation of an employer's account (None if the account has none)."""
    if user.role != "employer" or user.employer_id is None:
        return None
    return session.get(Employer, user.employer_id)


def own_need(session: Session, employer: Employer, need_id: uuid.UUID) -> SkillDemand | None:
    """The employer's own skill need with this id, or None (whether or not another has it)."""
    return session.scalar(
        sa.select(SkillDemand)
        .where(SkillDemand.public_id == need_id, SkillDemand.employer_id == employer.id)
        .options(selectinload(SkillDemand.skills).selectinload(SkillDemandSkill.skill))
    )


def own_vacancy(session: Session, employer: Employer, vacancy_id: uuid.UUID) -> Vacancy | None:
    """The employer's own vacancy with this id, or None (whether or not another has it)."""
    return session.scalar(
        sa.select(Vacancy)
        .where(Vacancy.public_id == vacancy_id, Vacancy.employer_id == employer.id)
        .options(selectinload(Vacancy.skills).selectinload(VacancySkill.skill))
    )


# --- listing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedRow:
    public_id: uuid.UUID
    title: str
    district: str
    headcount: int
    timeframe_months: int
    level: int | None
    essential: int
    optional: int
    is_demo: bool


@dataclass(frozen=True)
class VacancyRow:
    public_id: uuid.UUID
    title: str
    district: str | None
    salary: str
    closing_date: date | None
    skills: int
    is_demo: bool

    def closed(self, today: date) -> bool:
        return self.closing_date is not None and self.closing_date < today


@dataclass(frozen=True)
class EmployerNeeds:
    needs: list[NeedRow]
    vacancies: list[VacancyRow]

    @property
    def headcount(self) -> int:
        return sum(n.headcount for n in self.needs)

    @property
    def shows_demo(self) -> bool:
        return any(n.is_demo for n in self.needs) or any(v.is_demo for v in self.vacancies)


def list_needs(session: Session, employer: Employer) -> EmployerNeeds:
    """The employer's skill needs (by title) and vacancies (open ones by closing date first)."""
    demands = session.scalars(
        sa.select(SkillDemand)
        .where(SkillDemand.employer_id == employer.id)
        .options(selectinload(SkillDemand.skills), selectinload(SkillDemand.district))
        .order_by(SkillDemand.title, SkillDemand.id)
    )
    needs = [
        NeedRow(
            d.public_id,
            d.title,
            d.district.name,
            d.headcount,
            d.timeframe_months,
            d.level,
            sum(s.importance == "essential" for s in d.skills),
            sum(s.importance == "optional" for s in d.skills),
            d.is_demo,
        )
        for d in demands
    ]
    vacancies = session.scalars(
        sa.select(Vacancy)
        .where(Vacancy.employer_id == employer.id)
        .options(selectinload(Vacancy.skills), selectinload(Vacancy.district))
        .order_by(Vacancy.closing_date.is_(None), Vacancy.closing_date, Vacancy.title, Vacancy.id)
    )
    rows = [
        VacancyRow(
            v.public_id,
            v.title,
            v.district.name if v.district else None,
            v.salary_text,
            v.closing_date,
            len(v.skills),
            v.is_demo,
        )
        for v in vacancies
    ]
    return EmployerNeeds(needs, rows)


# --- choosing skills ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChosenSkill:
    """A skill as the form carries it: its ESCO URI and "essential", "optional" or "" (not
    needed)."""

    uri: str
    importance: str


@dataclass(frozen=True)
class SkillRow:
    """A skill offered on the form: already chosen, suggested from the text, or found by search."""

    uri: str
    label: str
    skill_type: str
    importance: str  # "" when not (yet) chosen
    source: str  # "chosen", "suggested" or "search"
    confidence: str | None = None  # suggestions only: "likely" or "possible"
    score: float | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class SkillChoice:
    rows: list[SkillRow]
    query: str
    # Why nothing was suggested from the text, when there was text to read.
    suggestion_reason: str | None = None
    suggested: int = 0
    found: int = 0  # search results, including skills already on the form

    @property
    def chosen(self) -> list[SkillRow]:
        return [r for r in self.rows if r.importance]


def search_text(query: str | None) -> str:
    """A skill search as it is run: one line, at most ``MAX_QUERY`` characters."""
    return clean_text(query)[:MAX_QUERY]


def skill_choice(
    session: Session, chosen: Sequence[ChosenSkill], text: str = "", query: str = ""
) -> SkillChoice:
    """The skills to show on a need's or vacancy's form: those chosen so far, then those
    suggested from ``text`` (a description of the role or the advert), then ESCO skills matching
    ``query``. Unknown URIs in ``chosen`` are left out."""
    picked: dict[str, str] = {}
    for choice in chosen:
        if choice.importance in IMPORTANCE and choice.uri not in picked:
            picked[choice.uri] = choice.importance
    known = (
        {s.uri: s for s in session.scalars(sa.select(Skill).where(Skill.uri.in_(list(picked))))}
        if picked
        else {}
    )
    rows = [
        SkillRow(uri, known[uri].label, known[uri].skill_type, importance, "chosen")
        for uri, importance in picked.items()
        if uri in known
    ]
    shown = {r.uri for r in rows}

    reason, n_suggested = None, 0
    # The note left where contact details were removed says nothing about the job.
    text = clean_text(text.replace(CONTACTS_REMOVED, ""), multiline=True)
    if text:
        suggestions = suggest_skills(session, text)
        reason = suggestions.reason
        n_suggested = len(suggestions.skills)
        types = (
            dict(
                session.execute(
                    sa.select(Skill.uri, Skill.skill_type).where(
                        Skill.uri.in_([s.uri for s in suggestions.skills])
                    )
                ).all()
            )
            if suggestions.skills
            else {}
        )
        for s in suggestions.skills:
            if s.uri not in shown:
                shown.add(s.uri)
                rows.append(
                    SkillRow(
                        s.uri,
                        s.label,
                        types.get(s.uri, "skill"),
                        "",
                        "suggested",
                        s.confidence,
                        s.score,
                        s.evidence,
                    )
                )

    query = search_text(query)
    found = search_skills(session, query) if query else []
    for skill in found:
        if skill.uri not in shown:
            shown.add(skill.uri)
            rows.append(SkillRow(skill.uri, skill.label, skill.skill_type, "", "search"))
    return SkillChoice(rows, query, reason, n_suggested, len(found))


def _check_skills(
    session: Session, problems: Problems, chosen: Sequence[ChosenSkill]
) -> list[tuple[Skill, str]]:
    picked: dict[str, str] = {}
    for choice in chosen:
        if choice.importance not in ("", *IMPORTANCE):
            problems.add("skills", "Choose essential, optional or not needed for each skill")
            return []
        if choice.importance and choice.uri not in picked:
            picked[choice.uri] = choice.importance
    if not picked:
        problems.add(
            "skills",
            "Choose at least one skill the role needs: describe the role to get suggestions, "
            "or search for a skill",
        )
        return []
    if len(picked) > MAX_SKILLS:
        problems.add("skills", f"Choose {MAX_SKILLS} skills or fewer")
        return []
    if "essential" not in picked.values():
        problems.add("skills", "Choose at least one skill as essential")
        return []
    skills = {
        s.uri: s for s in session.scalars(sa.select(Skill).where(Skill.uri.in_(list(picked))))
    }
    if len(skills) != len(picked):
        problems.add("skills", "Choose skills from the suggestions or the search results")
        return []
    return [(skills[uri], importance) for uri, importance in picked.items()]


def chosen_skills(target: SkillDemand | Vacancy) -> list[ChosenSkill]:
    """The stored skills of a need or vacancy as the form carries them: essential first."""
    rows = sorted(target.skills, key=lambda s: (s.importance != "essential", s.skill.label))
    return [ChosenSkill(s.skill.uri, s.importance) for s in rows]


# --- checking the other fields --------------------------------------------------------------------


def _title(problems: Problems, raw: str, what: str) -> str:
    title = clean_text(raw)
    if not title:
        problems.add("title", f"Enter the {what}")
    elif len(title) > MAX_TITLE:
        problems.add("title", f"The {what} must be {MAX_TITLE} characters or fewer")
    elif has_contact_details(title):
        problems.add("title", f"Remove email addresses and phone numbers from the {what}")
    return title


def _district(session: Session, problems: Problems, code: str, what: str) -> District | None:
    code = clean_text(code)
    if not code:
        problems.add("district", f"Select the district where {what}")
        return None
    district = session.scalar(sa.select(District).where(District.code == code))
    if district is None:
        problems.add("district", "Select a district from the list")
    return district


def _level(problems: Problems, raw: str) -> int | None:
    value = clean_text(raw)
    if not value:
        return None
    if not value.isdigit() or int(value) not in LEVELS:
        problems.add("level", "Select a level from the list")
        return None
    return int(value)


# --- skill needs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFields:
    """A skill need as typed into the form (every value as text). The description of the role
    is read for skill suggestions and not stored."""

    title: str = ""
    headcount: str = ""
    timeframe: str = ""
    district: str = ""
    level: str = ""
    description: str = ""


def _check_need(
    session: Session, fields: NeedFields, chosen: Sequence[ChosenSkill]
) -> tuple[str, int, int, District, int | None, list[tuple[Skill, str]]]:
    problems = Problems()
    title = _title(problems, fields.title, "job title or role")
    headcount = whole_number(
        problems,
        "headcount",
        fields.headcount,
        "how many people you need",
        1,
        MAX_HEADCOUNT,
        "4",
        missing="Enter how many people you need",
    )
    timeframe = whole_number(
        problems,
        "timeframe",
        fields.timeframe,
        "within how many months you need them",
        1,
        MAX_TIMEFRAME_MONTHS,
        "6",
        missing="Enter within how many months you need them",
    )
    district = _district(session, problems, fields.district, "the people will work")
    level = _level(problems, fields.level)
    if len(clean_text(fields.description, multiline=True)) > MAX_ROLE_DESCRIPTION:
        problems.add(
            "description",
            f"The description of the role must be {MAX_ROLE_DESCRIPTION:,} characters or fewer",
        )
    skills = _check_skills(session, problems, chosen)
    problems.raise_any()
    assert headcount is not None and timeframe is not None and district is not None
    return title, headcount, timeframe, district, level, skills


def create_need(
    session: Session, employer: Employer, fields: NeedFields, chosen: Sequence[ChosenSkill]
) -> SkillDemand:
    """Post a skill need with the skills the employer chose (flushed, not committed)."""
    title, headcount, timeframe, district, level, skills = _check_need(session, fields, chosen)
    demand = SkillDemand(
        employer=employer,
        title=title,
        district=district,
        sector_id=employer.sector_id,
        headcount=headcount,
        timeframe_months=timeframe,
        level=level,
    )
    demand.skills = [SkillDemandSkill(skill=s, importance=i) for s, i in skills]
    session.add(demand)
    session.flush()
    return demand


def update_need(
    session: Session, demand: SkillDemand, fields: NeedFields, chosen: Sequence[ChosenSkill]
) -> None:
    """Change a skill need and replace its skills with those chosen (flushed, not committed)."""
    title, headcount, timeframe, district, level, skills = _check_need(session, fields, chosen)
    demand.title, demand.headcount, demand.timeframe_months = title, headcount, timeframe
    demand.district, demand.level = district, level
    wanted = {s.id: importance for s, importance in skills}
    kept = []
    for row in demand.skills:
        if row.skill_id in wanted:
            row.importance = wanted.pop(row.skill_id)
            kept.append(row)
    by_id = {s.id: s for s, _ in skills}
    kept.extend(SkillDemandSkill(skill=by_id[i], importance=imp) for i, imp in wanted.items())
    demand.skills = kept
    session.flush()


def need_fields(demand: SkillDemand) -> NeedFields:
    return NeedFields(
        title=demand.title,
        headcount=str(demand.headcount),
        timeframe=str(demand.timeframe_months),
        district=demand.district.code,
        level=str(demand.level) if demand.level is not None else "",
    )


def delete_need(session: Session, demand: SkillDemand) -> None:
    session.delete(demand)
    session.flush()


# --- vacancies ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyFields:
    """A vacancy as typed into the form (every value as text)."""

    title: str = ""
    advert: str = ""
    district: str = ""
    salary: str = ""
    level: str = ""
    closing_day: str = ""
    closing_month: str = ""
    closing_year: str = ""


def scrub_advert(text: str) -> tuple[str, bool]:
    """The advert without recruiters' names, email addresses and phone numbers, and whether any
    were removed. The note left where they were removed is not itself taken for one."""
    body = clean_text(text, multiline=True)
    had_note = CONTACTS_REMOVED in body
    body = "\n".join(line for line in body.split("\n") if line.strip() != CONTACTS_REMOVED)
    cleaned, removed = scrub_contacts(body)
    if had_note and not removed:
        cleaned = f"{cleaned}\n{CONTACTS_REMOVED}".strip()
    return cleaned, removed


def _closing_date(problems: Problems, fields: VacancyFields, today: date) -> date | None:
    parts = [clean_text(p) for p in (fields.closing_day, fields.closing_month, fields.closing_year)]
    if not any(parts):
        return None
    if not all(parts):
        problems.add("closing_day", "The closing date must include a day, month and year")
        return None
    if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        problems.add("closing_day", "The closing date must be a real date, like 27 3 2027")
        return None
    try:
        closing = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        problems.add("closing_day", "The closing date must be a real date, like 27 3 2027")
        return None
    if closing < today:
        problems.add("closing_day", "The closing date must be today or in the future")
    elif closing > today + timedelta(days=MAX_DAYS_OPEN):
        problems.add("closing_day", "The closing date must be within a year from today")
    return closing


@dataclass(frozen=True)
class _CheckedVacancy:
    title: str
    advert: str
    contacts_removed: bool
    district: District
    salary: str
    level: int | None
    closing: date | None
    skills: list[tuple[Skill, str]]


def _check_vacancy(
    session: Session, fields: VacancyFields, chosen: Sequence[ChosenSkill], today: date
) -> _CheckedVacancy:
    problems = Problems()
    title = _title(problems, fields.title, "job title")
    advert, removed = scrub_advert(fields.advert)
    if not advert.replace(CONTACTS_REMOVED, "").strip():
        problems.add(
            "advert",
            "The advert has no text left once contact details are removed: paste the whole advert"
            if removed
            else "Paste the text of the advert",
        )
    elif len(advert) > MAX_ADVERT:
        problems.add("advert", f"The advert must be {MAX_ADVERT:,} characters or fewer")
    district = _district(session, problems, fields.district, "the job is based")
    salary = clean_text(fields.salary)
    if len(salary) > MAX_SALARY:
        problems.add("salary", f"The salary must be {MAX_SALARY} characters or fewer")
    elif has_contact_details(salary):
        problems.add("salary", "Remove email addresses and phone numbers from the salary")
    level = _level(problems, fields.level)
    closing = _closing_date(problems, fields, today)
    skills = _check_skills(session, problems, chosen)
    problems.raise_any()
    assert district is not None
    return _CheckedVacancy(title, advert, removed, district, salary, level, closing, skills)


def _apply_vacancy(vacancy: Vacancy, checked: _CheckedVacancy) -> None:
    vacancy.title, vacancy.description = checked.title, checked.advert
    vacancy.district, vacancy.level = checked.district, checked.level
    vacancy.salary_text = checked.salary
    vacancy.salary_min, vacancy.salary_max = parse_salary(checked.salary)
    vacancy.closing_date = checked.closing
    # Every skill the employer kept is confirmed by them, whatever suggested it first.
    wanted = {s.id: importance for s, importance in checked.skills}
    kept = []
    for row in vacancy.skills:
        if row.skill_id in wanted:
            row.importance = wanted.pop(row.skill_id)
            row.provenance, row.score = "confirmed", CONFIRMED_SCORE
            kept.append(row)
    by_id = {s.id: s for s, _ in checked.skills}
    kept.extend(
        VacancySkill(skill=by_id[i], importance=imp, provenance="confirmed", score=CONFIRMED_SCORE)
        for i, imp in wanted.items()
    )
    vacancy.skills = kept


def create_vacancy(
    session: Session,
    employer: Employer,
    fields: VacancyFields,
    chosen: Sequence[ChosenSkill],
    today: date | None = None,
) -> tuple[Vacancy, bool]:
    """Post a vacancy from a pasted advert, contact details removed (flushed, not committed).

    Returns the vacancy and whether contact details were removed from the advert.
    """
    today = today or date.today()
    checked = _check_vacancy(session, fields, chosen, today)
    public_id = uuid.uuid4()
    vacancy = Vacancy(
        public_id=public_id,
        source=VACANCY_SOURCE,
        source_ref=str(public_id),
        employer=employer,
        employer_name=employer.name,
        sector_id=employer.sector_id,
        date_posted=today,
    )
    _apply_vacancy(vacancy, checked)
    session.add(vacancy)
    session.flush()
    return vacancy, checked.contacts_removed


def update_vacancy(
    session: Session,
    vacancy: Vacancy,
    fields: VacancyFields,
    chosen: Sequence[ChosenSkill],
    today: date | None = None,
) -> bool:
    """Change a vacancy; returns whether contact details were removed from the advert."""
    checked = _check_vacancy(session, fields, chosen, today or date.today())
    _apply_vacancy(vacancy, checked)
    session.flush()
    return checked.contacts_removed


def vacancy_fields(vacancy: Vacancy) -> VacancyFields:
    closing = vacancy.closing_date
    return VacancyFields(
        title=vacancy.title,
        advert=vacancy.description or "",
        district=vacancy.district.code if vacancy.district else "",
        salary=vacancy.salary_text or "",
        level=str(vacancy.level) if vacancy.level is not None else "",
        closing_day=str(closing.day) if closing else "",
        closing_month=str(closing.month) if closing else "",
        closing_year=str(closing.year) if closing else "",
    )


def delete_vacancy(session: Session, vacancy: Vacancy) -> None:
    session.delete(vacancy)
    session.flush()


# --- supply: courses in reach and the learner pipeline --------------------------------------------


@dataclass(frozen=True)
class SupplyCourse:
    """A course in reach and what it supplies of the need's or vacancy's skills."""

    provision: ProvisionCourse
    missing: list[SkillItem]  # skills it does not supply, even partly: essential first

    @property
    def missing_essential(self) -> list[SkillItem]:
        return [s for s in self.missing if s.essential]


@dataclass(frozen=True)
class NamedLearner:
    """A learner who agreed to be seen by employers, ready now or on a pathway to the job."""

    public_id: uuid.UUID
    name: str
    district: str | None
    status: str
    course: str | None


@dataclass(frozen=True)
class Supply:
    """Who could fill a need or vacancy: courses in reach and learners heading there."""

    essential: list[SkillItem]
    optional: list[SkillItem]
    courses: list[SupplyCourse]
    # Skills that no course in reach supplies, not even partly: the gap.
    unsupplied: list[SkillItem]
    ready_now: int
    on_pathway: int
    considered: int
    named: list[NamedLearner] = field(default_factory=list)
    saved: int = 0  # learners who saved a pathway towards this job's occupation
    notices: list[Notice] = field(default_factory=list)
    shows_demo: bool = False  # some of the offerings are generated demo data

    @property
    def pipeline(self) -> int:
        return self.ready_now + self.on_pathway

    @property
    def best_essential(self) -> int:
        return max((c.provision.essential_coverage for c in self.courses), default=0)

    @property
    def hidden(self) -> int:
        """Learners in the pipeline who are counted but not named (no consent to be seen)."""
        return self.pipeline - len(self.named)


def _supply(
    session: Session,
    viewer: User,
    result: ProvisionResult,
    target: SkillDemand | Vacancy,
    index: PathwayIndex,
    request_id: str | None,
    today: date | None,
) -> Supply:
    skills = [*result.essential, *result.optional]
    supplied: set[int] = set()
    courses = []
    for p in result.courses:
        given = {s.id for s in (*p.covered, *p.partly)}
        supplied |= given
        courses.append(SupplyCourse(p, [s for s in skills if s.id not in given]))
    pipeline = learner_pipeline(index, session, target, today=today)
    # Named only with consent: pathways names only consenting learners; checked again here,
    # against the database as it is now, because a learner may withdraw consent at any time.
    ids = [ref.public_id for ref in pipeline.named]
    consenting = (
        set(
            session.scalars(
                sa.select(Learner.public_id).where(
                    Learner.public_id.in_(ids), Learner.visible_to_employers.is_(True)
                )
            )
        )
        if ids
        else set()
    )
    named = [
        NamedLearner(ref.public_id, ref.name, ref.district, ref.status, ref.course)
        for ref in pipeline.named
        if ref.public_id in consenting
    ]
    kind = "skill-demand" if isinstance(target, SkillDemand) else "vacancy"
    for learner in named:
        audit.record(
            session,
            actor=viewer,
            action="read",
            target_type="learner",
            target_id=learner.public_id,
            request_id=request_id,
            detail={"via": f"{kind}-supply", "object": str(target.public_id)},
        )
    return Supply(
        essential=result.essential,
        optional=result.optional,
        courses=courses,
        unsupplied=[s for s in skills if s.id not in supplied],
        ready_now=pipeline.ready_now,
        on_pathway=pipeline.on_pathway,
        considered=pipeline.considered,
        saved=pipeline.saved,
        named=named,
        notices=result.notices,
        shows_demo=_any_demo_offering(session, [c.course.offering_id for c in result.courses]),
    )


def _any_demo_offering(session: Session, offering_ids: list[int]) -> bool:
    if not offering_ids:
        return False
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(CourseOffering.id.in_(offering_ids), CourseOffering.is_demo)
            )
        )
    )


def _check_viewer(viewer: User, target: SkillDemand | Vacancy) -> None:
    if viewer.role != "employer" or viewer.employer_id is None:
        raise PermissionError("only employers see the supply of their needs and vacancies")
    if target.employer_id != viewer.employer_id:
        raise PermissionError("this need or vacancy belongs to another employer")


def supply_for_need(
    index: PathwayIndex,
    session: Session,
    viewer: User,
    demand: SkillDemand,
    request_id: str | None = None,
    today: date | None = None,
) -> Supply:
    """Courses in reach supplying a skill need, with coverage of its essential and optional
    skills in %, what each does not supply, and the learner pipeline. Each consenting learner
    named to ``viewer`` is recorded in the audit log (in the caller's transaction)."""
    _check_viewer(viewer, demand)
    result = provision_for_demand(index, session, demand, today=today, with_pipeline=False)
    return _supply(session, viewer, result, demand, index, request_id, today)


def supply_for_vacancy(
    index: PathwayIndex,
    session: Session,
    viewer: User,
    vacancy: Vacancy,
    request_id: str | None = None,
    today: date | None = None,
) -> Supply:
    """As ``supply_for_need``, for one of the employer's vacancies."""
    _check_viewer(viewer, vacancy)

    def extract(text: str) -> list[tuple[int, float]]:
        return [(s.skill_id, s.score) for s in suggest_skills(session, text).skills]

    result = provision_for_vacancy(
        index, session, vacancy, extract=extract, today=today, with_pipeline=False
    )
    return _supply(session, viewer, result, vacancy, index, request_id, today)
