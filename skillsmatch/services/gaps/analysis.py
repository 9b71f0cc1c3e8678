"""Build a gap report from live data: demand, supply and shortfall per (sector, district, skill).

The rules (what counts as demand and supply, weights, de-duplication, level fit, pathways) are
described with their parameters in ``skillsmatch.services.gaps.parameters``.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import (
    Course,
    CourseOffering,
    CourseSkill,
    District,
    Employer,
    Learner,
    LearnerSkill,
    Provider,
    Sector,
    Skill,
    SkillDemand,
    SkillDemandSkill,
    SkillGroup,
    Vacancy,
    VacancySkill,
    learner_sector,
)
from skillsmatch.services.gaps import rollups
from skillsmatch.services.gaps.parameters import GapParameters
from skillsmatch.services.gaps.reasons import ReasonFacts, explain
from skillsmatch.services.gaps.report import GapReport
from skillsmatch.services.gaps.results import (
    IN_WINDOW,
    OUTSIDE_WINDOW,
    UNDATED,
    Cell,
    DemandRef,
    DemandSource,
    GapRow,
    OfferingSource,
    Rollup,
    SupplyRef,
)
from skillsmatch.services.reach import ReachMap

_STOPWORDS = frozenset({"a", "an", "and", "the", "of", "in", "for", "to", "with", "at", "on"})
ROUND = 2


def title_words(title: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _STOPWORDS)


def title_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard overlap of two titles' words."""
    return len(a & b) / len(a | b) if a and b else 0.0


def level_fits(course_level: int | None, demand_level: int | None, max_above: int) -> bool:
    """A course fits a demand unless it is more than ``max_above`` levels above it."""
    return course_level is None or demand_level is None or course_level <= demand_level + max_above


def allocate(
    demand_by_level: dict[int | None, float],
    offerings: list[tuple[int | None, int]],
    max_above: int,
) -> float:
    """Places that can serve the demand when each demand level takes only places that fit it.

    Offerings go most restrictive (highest level) first: a lower-level offering fits every
    demand level a higher one fits, so serving the restrictive ones first loses nothing.
    """
    remaining = {level: amount for level, amount in demand_by_level.items() if amount > 0}
    served = 0.0
    for course_level, places in sorted(offerings, key=lambda o: -1 if o[0] is None else -o[0] - 1):
        left = float(places)
        for demand_level in sorted(remaining, key=lambda v: -1 if v is None else v):
            if left <= 0:
                break
            if remaining[demand_level] > 0 and level_fits(course_level, demand_level, max_above):
                take = min(left, remaining[demand_level])
                remaining[demand_level] -= take
                left -= take
                served += take
    return served


@dataclass
class _Item:
    kind: str
    public_id: uuid.UUID
    title: str
    employer_id: int | None
    employer_shown: str | None
    sector_id: int
    district_id: int
    occupation_id: int | None
    level: int | None
    headcount: float
    timeframe: int | None
    is_demo: bool
    skills: dict[int, str] = field(default_factory=dict)
    merged: list[dict[str, str]] = field(default_factory=list)
    key: int = -1


@dataclass
class _Offering:
    id: int
    public_id: uuid.UUID
    course_id: int
    course_public_id: uuid.UUID
    reference: str
    title: str
    level: int | None
    provider: str
    district_id: int | None
    mode: str
    places: int
    start_dates: list[str]
    intake: str
    counted: bool
    is_demo: bool
    key: int = -1


@dataclass
class _RowAcc:
    demand: float = 0.0
    essential: float = 0.0
    optional: float = 0.0
    levels: dict[int | None, float] = field(default_factory=dict)
    refs: list[DemandRef] = field(default_factory=list)


@dataclass
class _Counts:
    skill_demands: int = 0
    vacancies_live: int = 0
    vacancies_merged: int = 0
    vacancies_not_live: int = 0
    unplaced_demands: int = 0
    unplaced_vacancies: int = 0


def build_report(session: Session, parameters: GapParameters | None = None) -> GapReport:
    """The current gap report: every (sector, district, skill) with demand, and its sources."""
    return _Builder(session, parameters or GapParameters()).build()


class _Builder:
    def __init__(self, session: Session, p: GapParameters) -> None:
        self.session, self.p = session, p
        self.counts = _Counts()
        self.sectors = {
            i: (slug, name)
            for i, slug, name in session.execute(sa.select(Sector.id, Sector.slug, Sector.name))
        }
        self.districts = {
            i: (code, name, wa)
            for i, code, name, wa in session.execute(
                sa.select(District.id, District.code, District.name, District.working_age_2021)
            )
        }
        self.reach = ReachMap.load(session)

    # -- demand ---------------------------------------------------------------------------

    def _demands(self) -> list[_Item]:
        skills: dict[int, dict[int, str]] = defaultdict(dict)
        for demand_id, skill_id, importance in self.session.execute(
            sa.select(
                SkillDemandSkill.demand_id, SkillDemandSkill.skill_id, SkillDemandSkill.importance
            )
        ):
            skills[demand_id][skill_id] = importance
        items = []
        stmt = (
            sa.select(
                SkillDemand.id,
                SkillDemand.public_id,
                SkillDemand.title,
                SkillDemand.employer_id,
                SkillDemand.district_id,
                sa.func.coalesce(SkillDemand.sector_id, Employer.sector_id).label("sector_id"),
                SkillDemand.occupation_id,
                SkillDemand.headcount,
                SkillDemand.timeframe_months,
                SkillDemand.level,
                SkillDemand.is_demo,
                Employer.name,
                Employer.named_in_reports,
            )
            .join(Employer, SkillDemand.employer_id == Employer.id)
            .order_by(SkillDemand.id)
        )
        horizon = self.p.horizon_months
        for r in self.session.execute(stmt):
            if r.sector_id is None or r.district_id not in self.districts:
                self.counts.unplaced_demands += 1
                continue
            self.counts.skill_demands += 1
            # A need for N people within T months: the share that falls within the horizon.
            timeframe = r.timeframe_months
            within = r.headcount * min(1.0, horizon / timeframe) if timeframe else r.headcount
            items.append(
                _Item(
                    kind="demand",
                    public_id=r.public_id,
                    title=r.title,
                    employer_id=r.employer_id,
                    employer_shown=r.name if r.named_in_reports else None,
                    sector_id=r.sector_id,
                    district_id=r.district_id,
                    occupation_id=r.occupation_id,
                    level=r.level,
                    headcount=within,
                    timeframe=timeframe,
                    is_demo=r.is_demo,
                    skills=dict(skills.get(r.id, {})),
                )
            )
        return items

    def _vacancies(self) -> list[_Item]:
        p = self.p
        live = sa.and_(
            sa.or_(
                Vacancy.closing_date.is_(None),
                Vacancy.closing_date >= p.as_of - timedelta(days=p.vacancy_grace_days),
            ),
            sa.or_(Vacancy.date_posted.is_(None), Vacancy.date_posted <= p.as_of),
        )
        total = self.session.scalar(sa.select(sa.func.count()).select_from(Vacancy)) or 0
        skills: dict[int, dict[int, str]] = defaultdict(dict)
        for vid, skill_id, importance in self.session.execute(
            sa.select(VacancySkill.vacancy_id, VacancySkill.skill_id, VacancySkill.importance)
            .join(Vacancy, VacancySkill.vacancy_id == Vacancy.id)
            .where(live)
        ):
            skills[vid][skill_id] = importance
        employers = list(
            self.session.execute(
                sa.select(Employer.id, Employer.name, Employer.named_in_reports, Employer.sector_id)
            )
        )
        by_id = {e.id: e for e in employers}
        by_name = {e.name.strip().lower(): e for e in employers}
        items = []
        stmt = (
            sa.select(
                Vacancy.id,
                Vacancy.public_id,
                Vacancy.title,
                Vacancy.employer_id,
                Vacancy.employer_name,
                Vacancy.district_id,
                Vacancy.sector_id,
                Vacancy.occupation_id,
                Vacancy.level,
                Vacancy.is_demo,
            )
            .where(live)
            .order_by(Vacancy.id)
        )
        for r in self.session.execute(stmt):
            # An advert without an employer link is the employer of exactly the same name.
            if r.employer_id is not None:
                employer = by_id.get(r.employer_id)
            else:
                employer = by_name.get(r.employer_name.strip().lower())
            sector = r.sector_id if r.sector_id is not None else employer and employer.sector_id
            if sector is None or r.district_id not in self.districts:
                self.counts.unplaced_vacancies += 1
                continue
            self.counts.vacancies_live += 1
            items.append(
                _Item(
                    kind="vacancy",
                    public_id=r.public_id,
                    title=r.title,
                    employer_id=employer.id if employer else None,
                    employer_shown=employer.name
                    if employer and employer.named_in_reports
                    else None,
                    sector_id=sector,
                    district_id=r.district_id,
                    occupation_id=r.occupation_id,
                    level=r.level,
                    headcount=self.p.vacancy_headcount,
                    timeframe=None,
                    is_demo=r.is_demo,
                    skills=dict(skills.get(r.id, {})),
                )
            )
        self.counts.vacancies_not_live = (
            total - self.counts.vacancies_live - self.counts.unplaced_vacancies
        )
        return items

    def _deduplicate(self, demands: list[_Item], vacancies: list[_Item]) -> list[_Item]:
        """Fold each vacancy into the same employer's demand for the same need (see parameters)."""
        candidates: dict[tuple[int, int], list[_Item]] = defaultdict(list)
        for d in demands:
            if d.employer_id is not None:
                candidates[(d.employer_id, d.district_id)].append(d)
        words = {id(d): title_words(d.title) for d in demands}
        kept = []
        for v in vacancies:
            best: _Item | None = None
            best_score = 0.0
            if v.employer_id is not None:
                v_words = title_words(v.title)
                for d in candidates.get((v.employer_id, v.district_id), []):
                    same_occupation = (
                        v.occupation_id is not None and v.occupation_id == d.occupation_id
                    )
                    overlap = title_overlap(v_words, words[id(d)])
                    score = (
                        2.0
                        if same_occupation
                        else overlap
                        if overlap >= self.p.title_overlap
                        else 0.0
                    )
                    if score > best_score:
                        best, best_score = d, score
            if best is None:
                kept.append(v)
                continue
            self.counts.vacancies_merged += 1
            best.merged.append({"public_id": str(v.public_id), "title": v.title})
            best.headcount = max(best.headcount, self.p.vacancy_headcount * len(best.merged))
            for skill_id, importance in v.skills.items():
                if best.skills.get(skill_id) != "essential":
                    best.skills[skill_id] = importance
        return demands + kept

    # -- supply ---------------------------------------------------------------------------

    def _offerings(self) -> list[_Offering]:
        p = self.p
        end = p.intake_window_end
        stmt = (
            sa.select(
                CourseOffering.id,
                CourseOffering.public_id,
                CourseOffering.course_id,
                Course.public_id,
                Course.reference,
                Course.title,
                Course.level,
                Provider.name,
                CourseOffering.district_id,
                CourseOffering.mode,
                CourseOffering.places,
                CourseOffering.start_dates,
                CourseOffering.is_demo,
            )
            .join(Course, CourseOffering.course_id == Course.id)
            .join(Provider, CourseOffering.provider_id == Provider.id)
            .order_by(CourseOffering.id)
        )
        offerings = []
        for (
            oid,
            pid,
            cid,
            cpid,
            ref,
            title,
            level,
            provider,
            district,
            mode,
            places,
            starts,
            demo,
        ) in self.session.execute(stmt):
            dates = [_parse_date(s) for s in starts or []]
            known = [d for d in dates if d is not None]
            if not known:
                intake, counted = UNDATED, p.count_undated_offerings
            elif any(p.as_of <= d <= end for d in known):
                intake, counted = IN_WINDOW, True
            else:
                intake, counted = OUTSIDE_WINDOW, False
            offerings.append(
                _Offering(
                    oid,
                    pid,
                    cid,
                    cpid,
                    ref,
                    title,
                    level,
                    provider,
                    district,
                    mode,
                    places,
                    list(starts or []),
                    intake,
                    counted,
                    demo,
                )
            )
        return offerings

    def _teaching(self) -> dict[int, set[int]]:
        """Skill id -> ids of the courses that teach it (with a provenance that counts)."""
        teaching: dict[int, set[int]] = defaultdict(set)
        for course_id, skill_id in self.session.execute(
            sa.select(CourseSkill.course_id, CourseSkill.skill_id).where(
                CourseSkill.provenance.in_(self.p.supply_provenances),
                CourseSkill.score >= self.p.min_course_skill_score,
            )
        ):
            teaching[skill_id].add(course_id)
        return teaching

    # -- reference --------------------------------------------------------------------------

    def _skills(
        self, ids: set[int]
    ) -> dict[int, tuple[str, str, bool, bool, bool, tuple[tuple[str, str], ...]]]:
        groups = {
            gid: (uri, label, parent)
            for gid, uri, label, parent in self.session.execute(
                sa.select(SkillGroup.id, SkillGroup.uri, SkillGroup.label, SkillGroup.parent_id)
            )
        }

        def path(gid: int | None) -> tuple[tuple[str, str], ...]:
            out: list[tuple[str, str]] = []
            while gid is not None and gid in groups and len(out) < 10:
                uri, label, parent = groups[gid]
                out.append((uri, label))
                gid = parent
            return tuple(reversed(out))

        paths: dict[int | None, tuple[tuple[str, str], ...]] = {}
        info = {}
        for sid, uri, label, digital, green, transversal, gid in self.session.execute(
            sa.select(
                Skill.id,
                Skill.uri,
                Skill.label,
                Skill.is_digital,
                Skill.is_green,
                Skill.is_transversal,
                Skill.group_id,
            )
        ):
            if sid in ids:
                if gid not in paths:
                    paths[gid] = path(gid)
                info[sid] = (uri, label, digital, green, transversal, paths[gid])
        return info

    def _pipeline(self, skill_ids: set[int]) -> dict[tuple[int, int], int]:
        """(district, skill) -> learners in reach holding the skill (added or confirmed by them)."""
        at_home: dict[tuple[int, int], int] = {}
        for district, skill_id, n in self.session.execute(
            sa.select(
                Learner.district_id, LearnerSkill.skill_id, sa.func.count(sa.distinct(Learner.id))
            )
            .join(LearnerSkill, LearnerSkill.learner_id == Learner.id)
            .where(
                Learner.district_id.is_not(None),
                sa.or_(LearnerSkill.confirmed, LearnerSkill.provenance.in_(("added", "confirmed"))),
            )
            .group_by(Learner.district_id, LearnerSkill.skill_id)
        ):
            if skill_id in skill_ids:
                at_home[(district, skill_id)] = n
        return self._spread(at_home)

    def _interested(self) -> dict[tuple[int, int], int]:
        """(district, sector) -> learners in reach interested in the sector."""
        at_home = {
            (district, sector): n
            for district, sector, n in self.session.execute(
                sa.select(Learner.district_id, learner_sector.c.sector_id, sa.func.count())
                .join(learner_sector, learner_sector.c.learner_id == Learner.id)
                .where(Learner.district_id.is_not(None))
                .group_by(Learner.district_id, learner_sector.c.sector_id)
            )
        }
        return self._spread(at_home)

    def _spread(self, at_home: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:
        """Counts per home district -> counts per district that they are in reach of."""
        spread: dict[tuple[int, int], int] = Counter()
        for (home, other), n in at_home.items():
            for district in self.reach.districts_in_reach(home):
                spread[(district, other)] += n
        return dict(spread)

    # -- the report -------------------------------------------------------------------------

    def build(self) -> GapReport:
        p = self.p
        items = self._deduplicate(self._demands(), self._vacancies())
        for key, item in enumerate(items):
            item.key = key
        offerings = self._offerings()
        for position, o in enumerate(offerings):
            o.key = len(items) + position
        teaching = self._teaching()
        by_skill: dict[int, list[_Offering]] = defaultdict(list)
        by_course: dict[int, list[_Offering]] = defaultdict(list)
        for o in offerings:
            by_course[o.course_id].append(o)
        for skill_id, courses in teaching.items():
            for course_id in sorted(courses):
                by_skill[skill_id].extend(by_course.get(course_id, []))

        acc: dict[tuple[int, int, int], _RowAcc] = defaultdict(_RowAcc)
        district_skill: dict[tuple[int, int], float] = defaultdict(float)
        for item in items:
            for skill_id, importance in item.skills.items():
                amount = item.headcount * p.weight(importance)
                row = acc[(item.sector_id, item.district_id, skill_id)]
                row.demand += amount
                if importance == "essential":
                    row.essential += amount
                else:
                    row.optional += amount
                row.levels[item.level] = row.levels.get(item.level, 0.0) + amount
                row.refs.append(DemandRef(item.key, round(amount, 4)))
                district_skill[(item.district_id, skill_id)] += amount

        skill_ids = {k[2] for k in acc} | {s for i in items for s in i.skills}
        skills = self._skills(skill_ids)
        pipeline = self._pipeline(skill_ids)
        in_reach_cache: dict[tuple[int, int], list[tuple[_Offering, str]]] = {}
        used_offerings: set[int] = set()
        rows = []
        for (sector_id, district_id, skill_id), a in acc.items():
            cache_key = (district_id, skill_id)
            if cache_key not in in_reach_cache:
                in_reach_cache[cache_key] = [
                    (o, travel)
                    for o in by_skill.get(skill_id, [])
                    if (travel := self.reach.travel(district_id, o.district_id)) is not None
                ]
            reachable = in_reach_cache[cache_key]
            rows.append(
                self._row(
                    sector_id,
                    district_id,
                    skill_id,
                    a,
                    reachable,
                    by_skill,
                    skills,
                    district_skill,
                    pipeline,
                )
            )
            used_offerings.update(o.key for o, _ in reachable)

        sources: dict[int, DemandSource | OfferingSource] = {}
        pathway = self._pathways(items, offerings, teaching, skills)
        for item in items:
            sources[item.key] = self._demand_source(item, pathway.get(item.key), skills)
        for o in offerings:
            if o.key in used_offerings:
                sources[o.key] = self._offering_source(o)

        rows.sort(
            key=lambda r: (r.sector_name, r.district_code, -r.shortfall, r.skill_label, r.skill_uri)
        )
        cells = self._cells(rows, items, pathway)
        summary = {
            "as_of": p.as_of.isoformat(),
            "intake_window_end": p.intake_window_end.isoformat(),
            "demand_items": len(items),
            "skill_demands": self.counts.skill_demands,
            "vacancies_live": self.counts.vacancies_live,
            "vacancies_merged": self.counts.vacancies_merged,
            "vacancies_not_live": self.counts.vacancies_not_live,
            "unplaced_demands": self.counts.unplaced_demands,
            "unplaced_vacancies": self.counts.unplaced_vacancies,
            "items_without_skills": sum(1 for i in items if not i.skills),
            "offerings": len(offerings),
            "offerings_counted": sum(1 for o in offerings if o.counted),
            "rows": len(rows),
            "gap_rows": sum(1 for r in rows if r.is_gap),
            "demand": round(sum(r.demand for r in rows), ROUND),
            "usable_supply": round(sum(r.usable_supply for r in rows), ROUND),
            "shortfall": round(sum(r.shortfall for r in rows), ROUND),
            "cells_with_demand": sum(1 for c in cells if c.demand > 0),
            "cells_with_gaps": sum(1 for c in cells if c.shortfall > 0),
            "pathway_gaps": sum(1 for v in pathway.values() if v[0]),
            "includes_demo": any(i.is_demo for i in items) or any(o.is_demo for o in offerings),
            "sectors": [
                {"slug": s, "name": n} for s, n in sorted(self.sectors.values(), key=lambda x: x[1])
            ],
            "districts": [
                {"code": c, "name": n, "working_age": wa}
                for c, n, wa in sorted(self.districts.values(), key=lambda x: x[1])
            ],
        }
        return GapReport(p, rows, cells, sources, summary)

    def _row(
        self,
        sector_id: int,
        district_id: int,
        skill_id: int,
        a: _RowAcc,
        reachable: list[tuple[_Offering, str]],
        by_skill: dict[int, list[_Offering]],
        skills: dict[int, tuple[str, str, bool, bool, bool, tuple[tuple[str, str], ...]]],
        district_skill: dict[tuple[int, int], float],
        pipeline: dict[tuple[int, int], int],
    ) -> GapRow:
        p = self.p
        levels = [lv for lv, amount in a.levels.items() if amount > 0]
        supply = mismatch = outside = 0
        fitting: list[tuple[int | None, int]] = []
        refs = []
        for o, travel in reachable:
            fits = any(level_fits(o.level, lv, p.max_levels_above) for lv in levels)
            if not o.counted:
                outside += o.places
            elif fits:
                supply += o.places
                fitting.append((o.level, o.places))
            else:
                mismatch += o.places
            refs.append(SupplyRef(o.key, o.places, fits, travel, o.counted and fits))
        usable = min(a.demand, allocate(a.levels, fitting, p.max_levels_above))
        demand = round(a.demand, ROUND)
        shortfall = round(max(0.0, a.demand - usable), ROUND)
        usable = round(usable, ROUND)
        other = round(district_skill[(district_id, skill_id)] - a.demand, ROUND)
        uri, label, digital, green, transversal, groups = skills.get(
            skill_id, (f"skill:{skill_id}", f"skill {skill_id}", False, False, False, ())
        )
        code, district_name, _ = self.districts[district_id]
        slug, sector_name = self.sectors[sector_id]
        elsewhere: tuple[str, ...] = ()
        if not reachable:
            elsewhere = tuple(
                sorted(
                    {
                        self.districts[o.district_id][1]
                        for o in by_skill.get(skill_id, [])
                        if o.district_id is not None and o.district_id in self.districts
                    }
                )
            )
        in_window = [o for o, _ in reachable if o.counted]
        reason_code, reason = explain(
            ReasonFacts(
                skill=label,
                district=district_name,
                demand=demand,
                supply=supply,
                usable=usable,
                shortfall=shortfall,
                offerings_in_reach=len(reachable),
                offerings_in_window=len(in_window),
                course_levels_in_window=tuple(o.level for o in in_window if o.level is not None),
                demand_levels=tuple(lv for lv in levels if lv is not None),
                unstated_level=None in levels,
                level_mismatch_places=mismatch,
                other_sectors_demand=other,
                taught_elsewhere=elsewhere,
                window_start=p.as_of,
                window_end=p.intake_window_end,
            )
        )
        return GapRow(
            sector_slug=slug,
            sector_name=sector_name,
            district_code=code,
            district_name=district_name,
            skill_uri=uri,
            skill_label=label,
            demand=demand,
            demand_essential=round(a.essential, ROUND),
            demand_optional=round(a.optional, ROUND),
            demand_levels={
                ("any" if lv is None else str(lv)): round(v, ROUND) for lv, v in a.levels.items()
            },
            other_sectors_demand=other,
            supply=supply,
            supply_level_mismatch=mismatch,
            supply_outside_window=outside,
            usable_supply=usable,
            shortfall=shortfall,
            pipeline=pipeline.get((district_id, skill_id), 0),
            reason_code=reason_code,
            reason=reason,
            skill_groups=groups,
            is_digital=digital,
            is_green=green,
            is_transversal=transversal,
            demand_refs=tuple(a.refs),
            supply_refs=tuple(sorted(refs, key=lambda ref: ref.key)),
        )

    def _pathways(
        self,
        items: list[_Item],
        offerings: list[_Offering],
        teaching: dict[int, set[int]],
        skills: dict[int, tuple[str, str, bool, bool, bool, tuple[tuple[str, str], ...]]],
    ) -> dict[int, tuple[bool, dict[str, object] | None, list[int]]]:
        """Item key -> (pathway gap?, best course, essential skills no course in reach teaches)."""
        p = self.p
        courses = {o.course_id: o for o in offerings}
        reach_courses: dict[tuple[int, int | None], set[int]] = {}
        result = {}
        for item in items:
            essential = sorted(s for s, imp in item.skills.items() if imp == "essential")
            if not essential:
                result[item.key] = (False, None, [])
                continue
            cache_key = (item.district_id, item.level)
            if cache_key not in reach_courses:
                reach_courses[cache_key] = {
                    o.course_id
                    for o in offerings
                    if o.counted
                    and level_fits(o.level, item.level, p.max_levels_above)
                    and self.reach.travel(item.district_id, o.district_id) is not None
                }
            available = reach_courses[cache_key]
            per_course: Counter[int] = Counter()
            missing = []
            for skill_id in essential:
                found = teaching.get(skill_id, set()) & available
                if found:
                    per_course.update(found)
                else:
                    missing.append(skill_id)
            best = None
            share = 0.0
            if per_course:
                course_id, count = min(
                    per_course.items(), key=lambda kv: (-kv[1], courses[kv[0]].reference)
                )
                share = count / len(essential)
                c = courses[course_id]
                best = {
                    "course_public_id": str(c.course_public_id),
                    "reference": c.reference,
                    "title": c.title,
                    "level": c.level,
                    "essential_share": round(share, 4),
                }
            gap = share == 0 or share < p.pathway_min_share
            result[item.key] = (gap, best, missing)
        return result

    def _demand_source(
        self,
        item: _Item,
        pathway: tuple[bool, dict[str, object] | None, list[int]] | None,
        skills: dict[int, tuple[str, str, bool, bool, bool, tuple[tuple[str, str], ...]]],
    ) -> DemandSource:
        gap, best, missing = pathway or (False, None, [])
        slug, sector_name = self.sectors[item.sector_id]
        code, district_name, _ = self.districts[item.district_id]
        return DemandSource(
            key=item.key,
            kind=item.kind,
            public_id=str(item.public_id),
            title=item.title,
            employer=item.employer_shown,
            sector_slug=slug,
            sector_name=sector_name,
            district_code=code,
            district_name=district_name,
            level=item.level,
            headcount=round(item.headcount, 4),
            timeframe_months=item.timeframe,
            is_demo=item.is_demo,
            merged_vacancies=tuple(item.merged),
            essential_skills=sum(1 for v in item.skills.values() if v == "essential"),
            optional_skills=sum(1 for v in item.skills.values() if v != "essential"),
            pathway_gap=gap,
            best_course=best,
            missing_essential=tuple(
                sorted(
                    ((skills[s][0], skills[s][1]) for s in missing if s in skills),
                    key=lambda x: x[1],
                )
            ),
        )

    def _offering_source(self, o: _Offering) -> OfferingSource:
        district = self.districts.get(o.district_id) if o.district_id is not None else None
        return OfferingSource(
            key=o.key,
            public_id=str(o.public_id),
            course_public_id=str(o.course_public_id),
            course_reference=o.reference,
            course_title=o.title,
            level=o.level,
            provider=o.provider,
            district_code=district[0] if district else None,
            district_name=district[1] if district else None,
            mode=o.mode,
            places=o.places,
            start_dates=tuple(o.start_dates),
            intake=o.intake,
            is_demo=o.is_demo,
        )

    def _cells(
        self,
        rows: list[GapRow],
        items: list[_Item],
        pathway: dict[int, tuple[bool, dict[str, object] | None, list[int]]],
    ) -> list[Cell]:
        ids = {
            (self.sectors[s][0], self.districts[d][0]): (s, d)
            for s in self.sectors
            for d in self.districts
        }
        totals = {
            t.key: t
            for t in rollups.rollup(rows, lambda r: [(f"{r.sector_slug} {r.district_code}", "")], 0)
        }
        headcount: dict[tuple[int, int], float] = defaultdict(float)
        count: Counter[tuple[int, int]] = Counter()
        gaps: Counter[tuple[int, int]] = Counter()
        for item in items:
            headcount[(item.sector_id, item.district_id)] += item.headcount
            count[(item.sector_id, item.district_id)] += 1
            if pathway.get(item.key, (False,))[0]:
                gaps[(item.sector_id, item.district_id)] += 1
        interested = self._interested()
        cells = []
        for (slug, code), (sector_id, district_id) in ids.items():
            total = totals.get(f"{slug} {code}", Rollup(key="", label=""))
            cells.append(
                Cell(
                    sector_slug=slug,
                    sector_name=self.sectors[sector_id][1],
                    district_code=code,
                    district_name=self.districts[district_id][1],
                    working_age=self.districts[district_id][2],
                    headcount=round(headcount[(sector_id, district_id)], ROUND),
                    demand=total.demand,
                    usable_supply=total.usable_supply,
                    shortfall=total.shortfall,
                    skills=total.skills,
                    gap_skills=total.gap_skills,
                    demand_items=count[(sector_id, district_id)],
                    pathway_gaps=gaps[(sector_id, district_id)],
                    learners_interested=interested.get((district_id, sector_id), 0),
                )
            )
        return sorted(cells, key=lambda c: (c.sector_name, c.district_name))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
