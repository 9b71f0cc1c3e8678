"""Small worlds for gap-report tests: a few districts with neighbours, sectors, skills and the
demands, vacancies, courses and learners a scenario needs, inserted directly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import count

from sqlalchemy.orm import Session

from skillsmatch.models import (
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Employer,
    Learner,
    LearnerSkill,
    Occupation,
    Provider,
    Sector,
    Skill,
    SkillDemand,
    SkillDemandSkill,
    SkillGroup,
    User,
    Vacancy,
    VacancySkill,
)
from skillsmatch.services.gaps import GapParameters

AS_OF = date(2027, 1, 4)
PARAMETERS = GapParameters(as_of=AS_OF)
SOON = (AS_OF + timedelta(days=60)).isoformat()
LATE = (AS_OF + timedelta(days=500)).isoformat()
ESCO = "http://data.europa.eu/esco/skill/"


class GapWorld:
    """Districts Alpha - Beta - Gamma in a line (Alpha and Gamma are two apart), Delta alone;
    sectors Care and Construction. Everything else is added by the test."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._n = count(1)
        self.alpha = self.district("E07000901", "Alpha", 20_000)
        self.beta = self.district("E07000902", "Beta", 40_000)
        self.gamma = self.district("E07000903", "Gamma", 10_000)
        self.delta = self.district("E07000904", "Delta", 50_000)
        self.alpha.neighbours.append(self.beta)
        self.beta.neighbours.extend([self.alpha, self.gamma])
        self.gamma.neighbours.append(self.beta)
        self.care = self.sector("care", "Care")
        self.construction = self.sector("construction", "Construction")
        self.top_group = self.group("skills", level=0)
        self.session.flush()

    def district(self, code: str, name: str, working_age: int) -> District:
        d = District(
            code=code,
            name=name,
            population_2011=working_age,
            population_2021=working_age,
            working_age_2021=working_age,
        )
        self.session.add(d)
        return d

    def sector(self, slug: str, name: str) -> Sector:
        s = Sector(slug=slug, name=name)
        self.session.add(s)
        return s

    def group(self, label: str, level: int, parent: SkillGroup | None = None) -> SkillGroup:
        g = SkillGroup(uri=f"{ESCO}group-{next(self._n)}", label=label, level=level, parent=parent)
        self.session.add(g)
        return g

    def skill(self, label: str, group: SkillGroup | None = None, **flags: bool) -> Skill:
        s = Skill(
            uri=f"{ESCO}{label.replace(' ', '-')}",
            label=label,
            skill_type="skill",
            group=group,
            **flags,
        )
        self.session.add(s)
        return s

    def occupation(self, label: str) -> Occupation:
        o = Occupation(
            uri=f"http://data.europa.eu/esco/occupation/{next(self._n)}", label=label, isco08="5322"
        )
        self.session.add(o)
        return o

    def employer(
        self, name: str, sector: Sector, district: District, named: bool = False
    ) -> Employer:
        e = Employer(name=name, sector=sector, district=district, named_in_reports=named)
        self.session.add(e)
        return e

    def demand(
        self,
        employer: Employer,
        essential: Sequence[Skill],
        optional: Sequence[Skill] = (),
        headcount: int = 10,
        timeframe: int = 12,
        level: int | None = None,
        title: str = "Care assistant",
        district: District | None = None,
        occupation: Occupation | None = None,
    ) -> SkillDemand:
        d = SkillDemand(
            employer=employer,
            title=title,
            district=district or employer.district,
            sector=employer.sector,
            headcount=headcount,
            timeframe_months=timeframe,
            level=level,
            occupation=occupation,
        )
        d.skills = [SkillDemandSkill(skill=s, importance="essential") for s in essential] + [
            SkillDemandSkill(skill=s, importance="optional") for s in optional
        ]
        self.session.add(d)
        return d

    def vacancy(
        self,
        title: str,
        sector: Sector,
        district: District,
        essential: Sequence[Skill],
        optional: Sequence[Skill] = (),
        employer: Employer | None = None,
        employer_name: str = "",
        closing: date | None = AS_OF + timedelta(days=20),
        level: int | None = None,
        occupation: Occupation | None = None,
    ) -> Vacancy:
        v = Vacancy(
            source="test",
            source_ref=f"v{next(self._n)}",
            title=title,
            employer=employer,
            employer_name=employer_name or (employer.name if employer else ""),
            district=district,
            sector=sector,
            closing_date=closing,
            date_posted=AS_OF - timedelta(days=10),
            level=level,
            occupation=occupation,
        )
        v.skills = [
            VacancySkill(skill=s, provenance="advert", score=0.9, importance="essential")
            for s in essential
        ] + [
            VacancySkill(skill=s, provenance="advert", score=0.9, importance="optional")
            for s in optional
        ]
        self.session.add(v)
        return v

    def course(
        self, title: str, skills: Sequence[Skill], level: int | None = 2, provenance: str = "ksb"
    ) -> Course:
        c = Course(
            reference=f"ST{next(self._n):04d}", kind="apprenticeship", title=title, level=level
        )
        c.skills = [CourseSkill(skill=s, provenance=provenance, score=0.9) for s in skills]
        self.session.add(c)
        return c

    def offering(
        self,
        course: Course,
        district: District | None,
        places: int,
        start_dates: list[str] | None = None,
        provider: str | None = None,
    ) -> CourseOffering:
        p = Provider(name=provider or f"Provider {next(self._n)}", district=district)
        o = CourseOffering(
            course=course,
            provider=p,
            district=district,
            mode="online" if district is None else "in-person",
            places=places,
            start_dates=[SOON] if start_dates is None else start_dates,
        )
        self.session.add(o)
        return o

    def learner(
        self, district: District, skills: Sequence[Skill], sectors: Sequence[Sector] = ()
    ) -> Learner:
        n = next(self._n)
        user = User(email=f"learner{n}@example.test", password_hash="x", role="learner")
        learner = Learner(user=user, district=district, sectors=list(sectors))
        learner.skills = [
            LearnerSkill(skill=s, provenance="confirmed", confirmed=True) for s in skills
        ]
        self.session.add(learner)
        return learner
