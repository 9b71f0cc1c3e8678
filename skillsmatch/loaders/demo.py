"""Reproducible demo data: providers, course offerings, employers, skill demand and accounts.

There is no open data of named Essex employers' skill needs or of which provider runs which
course where, so SkillsMatch generates a clearly labelled demo set from real inputs:

* every district gets a demo college; one demo provider teaches online;
* each college offers, for every priority sector, a few approved apprenticeship standards of
  that sector (more in larger districts), with places and start dates in the coming year;
* each district gets demo employers in every sector, and each employer states skill demands
  built from a real ESCO occupation of its sector: the occupation's essential skills (and a
  few optional ones), with headcount scaled by the district's working-age population.

Every row is flagged ``is_demo`` and every name starts with "Demo". The same seed and start year
give the same data.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.loaders.report import LoadReport
from skillsmatch.models import (
    Course,
    CourseOffering,
    District,
    Employer,
    Learner,
    LearnerSkill,
    Occupation,
    OccupationSkill,
    Provider,
    Sector,
    SectorCode,
    SicActivity,
    SkillDemand,
    SkillDemandSkill,
    User,
)
from skillsmatch.passwords import hash_password

DEMO_ACCOUNTS_FILE = "demo-accounts.txt"
DEMO_EMAIL_DOMAIN = "demo.skillsmatch.test"
ONLINE_PROVIDER = "Demo Online Skills Academy"
# Working-age residents per extra course offered in a sector
# (so Colchester offers more than Maldon).
RESIDENTS_PER_EXTRA_COURSE = 40_000
RESIDENTS_PER_EXTRA_EMPLOYER = 60_000
MIN_ESSENTIAL_SKILLS = 5


def academic_year_start(today: date) -> int:
    """The year of the next September intake (this year until August, then next year)."""
    return today.year if today.month < 9 else today.year + 1


def _start_dates(year: int, rng: random.Random) -> list[str]:
    """One to three intakes: September, January and April of the academic year."""
    intakes = [date(year, 9, 7), date(year + 1, 1, 11), date(year + 1, 4, 19)]
    chosen = sorted(rng.sample(intakes, rng.randint(1, 3)))
    # Intakes begin on a Monday.
    return [(d - timedelta(days=d.weekday())).isoformat() for d in chosen]


def generate_demo_data(
    session: Session, seed: int, instance: Path, start_year: int | None = None
) -> list[LoadReport]:
    report = LoadReport("demo data")
    if session.scalar(sa.select(sa.func.count()).select_from(Provider).where(Provider.is_demo)):
        report.present = 1
        return [report, _ensure_accounts(session, instance)]
    rng = random.Random(seed)
    year = start_year or academic_year_start(date.today())
    districts = list(session.scalars(sa.select(District).order_by(District.code)))
    sectors = list(session.scalars(sa.select(Sector).order_by(Sector.slug)))

    offerings = _offerings(session, rng, districts, sectors, year)
    employers, demands = _demand(session, rng, districts, sectors)
    report.loaded = len(offerings) + len(employers) + len(demands)
    report.read = report.loaded
    report.name = (
        f"demo data ({len(offerings)} course offerings, {len(employers)} employers, "
        f"{len(demands)} skill demands)"
    )
    session.flush()
    return [report, _ensure_accounts(session, instance)]


def _offerings(
    session: Session,
    rng: random.Random,
    districts: list[District],
    sectors: list[Sector],
    year: int,
) -> list[CourseOffering]:
    courses_by_sector: dict[int, list[Course]] = {}
    for course in session.scalars(
        sa.select(Course)
        .where(Course.kind == "apprenticeship", Course.sector_id.is_not(None))
        .order_by(Course.reference)
    ):
        courses_by_sector.setdefault(course.sector_id, []).append(course)  # type: ignore[arg-type]
    offerings = []
    for district in districts:
        college = Provider(name=f"Demo {district.name} College", district=district, is_demo=True)
        session.add(college)
        for sector in sectors:
            pool = courses_by_sector.get(sector.id, [])
            # Vocational entry points first: most offerings are at levels 2 and 3.
            weights = [3.0 if (c.level or 9) <= 3 else 1.0 for c in pool]
            wanted = min(len(pool), 2 + district.working_age_2021 // RESIDENTS_PER_EXTRA_COURSE)
            for course in _weighted_sample(rng, pool, weights, wanted):
                offerings.append(
                    CourseOffering(
                        course=course,
                        provider=college,
                        district=district,
                        mode="in-person",
                        start_dates=_start_dates(year, rng),
                        places=rng.randrange(8, 31, 2),
                        is_demo=True,
                    )
                )
    online = Provider(name=ONLINE_PROVIDER, district=None, is_demo=True)
    session.add(online)
    for sector in sectors:
        pool = courses_by_sector.get(sector.id, [])
        for course in _weighted_sample(rng, pool, [1.0] * len(pool), min(len(pool), 3)):
            offerings.append(
                CourseOffering(
                    course=course,
                    provider=online,
                    district=None,
                    mode="online",
                    start_dates=_start_dates(year, rng),
                    places=rng.randrange(20, 61, 5),
                    is_demo=True,
                )
            )
    session.add_all(offerings)
    return offerings


def _weighted_sample(
    rng: random.Random, pool: list[Course], weights: list[float], k: int
) -> list[Course]:
    chosen: list[Course] = []
    candidates, w = list(pool), list(weights)
    while candidates and len(chosen) < k:
        i = rng.choices(range(len(candidates)), weights=w)[0]
        chosen.append(candidates.pop(i))
        w.pop(i)
    return chosen


def _demand(
    session: Session, rng: random.Random, districts: list[District], sectors: list[Sector]
) -> tuple[list[Employer], list[SkillDemand]]:
    relations: dict[int, list[tuple[int, str]]] = {}
    for occ_id, skill_id, relation in session.execute(
        sa.select(
            OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation
        ).order_by(OccupationSkill.occupation_id, OccupationSkill.skill_id)
    ):
        relations.setdefault(occ_id, []).append((skill_id, relation))
    employers: list[Employer] = []
    demands: list[SkillDemand] = []
    for sector in sectors:
        occupations = [
            o
            for o in session.scalars(
                sa.select(Occupation)
                .where(Occupation.sector_id == sector.id)
                .order_by(Occupation.uri)
            )
            if sum(r == "essential" for _, r in relations.get(o.id, [])) >= MIN_ESSENTIAL_SKILLS
        ]
        sic_codes = _sector_sic_codes(session, sector)
        for district in districts:
            count = 1 + district.working_age_2021 // RESIDENTS_PER_EXTRA_EMPLOYER
            for n in range(1, count + 1):
                employer = Employer(
                    name=f"Demo {sector.name} employer {n} ({district.name})",
                    sic2007=rng.choice(sic_codes) if sic_codes else None,
                    district=district,
                    sector=sector,
                    named_in_reports=rng.random() < 0.5,
                    is_demo=True,
                )
                employers.append(employer)
                for occupation in rng.sample(occupations, min(len(occupations), rng.randint(1, 3))):
                    demands.append(
                        _one_demand(
                            rng, employer, occupation, relations[occupation.id], district, sector
                        )
                    )
    session.add_all(employers)
    session.add_all(demands)
    return employers, demands


def _one_demand(
    rng: random.Random,
    employer: Employer,
    occupation: Occupation,
    relations: list[tuple[int, str]],
    district: District,
    sector: Sector,
) -> SkillDemand:
    essential = [s for s, r in relations if r == "essential"]
    optional = [s for s, r in relations if r == "optional"]
    scale = district.working_age_2021 / 100_000
    demand = SkillDemand(
        employer=employer,
        title=occupation.label,
        district=district,
        sector=sector,
        occupation=occupation,
        headcount=max(1, round(rng.gammavariate(2.0, 2.5) * scale)),
        timeframe_months=rng.choice([3, 6, 12, 24]),
        level=rng.choice([2, 2, 3, 3, 4]),
        is_demo=True,
    )
    for skill_id in rng.sample(essential, min(len(essential), 12)):
        demand.skills.append(SkillDemandSkill(skill_id=skill_id, importance="essential"))
    for skill_id in rng.sample(optional, min(len(optional), rng.randint(0, 4))):
        demand.skills.append(SkillDemandSkill(skill_id=skill_id, importance="optional"))
    return demand


def _sector_sic_codes(session: Session, sector: Sector) -> list[str]:
    prefixes = session.scalars(
        sa.select(SectorCode.code).where(
            SectorCode.sector_id == sector.id, SectorCode.scheme == "sic2007"
        )
    ).all()
    codes = session.scalars(sa.select(SicActivity.code).distinct().order_by(SicActivity.code)).all()
    return [c for c in codes if any(c.startswith(p) for p in prefixes)]


def _ensure_accounts(session: Session, instance: Path) -> LoadReport:
    """One demo account per role; passwords are generated once and kept in the instance folder."""
    report = LoadReport("demo accounts")
    path = instance / DEMO_ACCOUNTS_FILE
    if (
        session.scalar(sa.select(sa.func.count()).select_from(User).where(User.is_demo))
        and path.exists()
    ):
        report.present = 4
        return report
    session.execute(sa.delete(Learner).where(Learner.is_demo))
    session.execute(sa.delete(User).where(User.is_demo))
    employer = session.scalar(sa.select(Employer).where(Employer.is_demo).order_by(Employer.name))
    provider = session.scalar(
        sa.select(Provider)
        .where(Provider.is_demo, Provider.district_id.is_not(None))
        .order_by(Provider.name)
    )
    lines = []
    for role in ("learner", "employer", "provider", "board"):
        password = secrets.token_urlsafe(12)
        user = User(
            email=f"{role}@{DEMO_EMAIL_DOMAIN}",
            password_hash=hash_password(password),
            role=role,
            display_name=f"Demo {role}",
            is_demo=True,
            employer_id=employer.id if role == "employer" and employer else None,
            provider_id=provider.id if role == "provider" and provider else None,
        )
        session.add(user)
        if role == "learner":
            session.add(_demo_learner(session, user))
        lines.append(f"{role:<9} {user.email}  {password}")
        report.loaded += 1
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return report


def _demo_learner(session: Session, user: User) -> Learner:
    district = session.scalar(sa.select(District).order_by(District.code))
    care = session.scalar(sa.select(Sector).where(Sector.slug == "care"))
    learner = Learner(
        user=user,
        district=district,
        level=2,
        is_demo=True,
        about=(
            "Demo profile: I looked after my grandmother for two years and volunteer at a "
            "lunch club."
        ),
        sectors=[care] if care else [],
    )
    occupation = session.scalar(sa.select(Occupation).where(Occupation.label == "home care aide"))
    if occupation:
        for rel in sorted(occupation.skills, key=lambda r: r.skill_id)[:4]:
            learner.skills.append(
                LearnerSkill(skill_id=rel.skill_id, provenance="confirmed", confirmed=True)
            )
    return learner


def read_demo_accounts(instance: Path) -> str:
    path = instance / DEMO_ACCOUNTS_FILE
    return path.read_text() if path.exists() else ""
