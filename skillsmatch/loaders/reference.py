"""Loaders for reference data: districts, sectors, the ESCO taxonomy, SOC 2020 and SIC 2007."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch import reference_data as rd
from skillsmatch.loaders.report import LoadReport, progress
from skillsmatch.models import (
    District,
    Occupation,
    OccupationSkill,
    Sector,
    SectorCode,
    SicActivity,
    Skill,
    SkillGroup,
    SocUnitGroup,
    district_neighbour,
    skill_broader,
)
from skillsmatch.sectors import SectorMap

SCHEME_KEYS = {
    "soc2020": "soc2020",
    "isco08": "isco08",
    "sic2007": "sic2007",
    "route": "apprenticeship_routes",
}


def _insert_missing(
    session: Session,
    model: Any,
    key: str,
    rows: Iterable[Mapping[str, Any]],
    report: LoadReport,
) -> None:
    """Insert the rows whose ``key`` is not in the table yet; count the rest as present."""
    existing = set(session.scalars(sa.select(getattr(model, key))))
    fresh = []
    for row in rows:
        report.read += 1
        if row[key] in existing:
            report.present += 1
        else:
            existing.add(row[key])
            fresh.append(dict(row))
    if fresh:
        session.execute(sa.insert(model), fresh)
    report.loaded += len(fresh)


def load_districts(session: Session, data_dir: Path = rd.DATA_DIR) -> LoadReport:
    """The 14 local authorities with census population, and symmetric in-area neighbours."""
    report = LoadReport("districts")
    records = rd.read_districts(data_dir)
    _insert_missing(
        session,
        District,
        "code",
        ({k: v for k, v in r.items() if k != "neighbours"} for r in records),
        report,
    )
    ids = dict(session.execute(sa.select(District.code, District.id)).all())
    pairs = set()
    for r in records:
        for other in r["neighbours"]:  # type: ignore[attr-defined]
            a, b = ids[str(r["code"])], ids[other]
            pairs.update({(a, b), (b, a)})
    present = set(session.execute(sa.select(district_neighbour)).all())
    missing = sorted(pairs - present)
    if missing:
        session.execute(
            sa.insert(district_neighbour),
            [{"district_id": a, "neighbour_id": b} for a, b in missing],
        )
    return report


def load_sectors(session: Session, data_dir: Path = rd.DATA_DIR) -> LoadReport:
    """The seven priority sectors and their defining codes."""
    report = LoadReport("sectors")
    definitions = rd.read_sector_definitions(data_dir)
    SectorMap.from_definitions(definitions)  # refuses a code claimed by two sectors
    _insert_missing(
        session,
        Sector,
        "slug",
        ({"slug": d["slug"], "name": d["name"]} for d in definitions),
        report,
    )
    ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
    present = set(
        session.execute(sa.select(SectorCode.sector_id, SectorCode.scheme, SectorCode.code))
    )
    codes = [
        {"sector_id": ids[d["slug"]], "scheme": scheme, "code": code}
        for d in definitions
        for scheme, key in SCHEME_KEYS.items()
        for code in d[key]  # type: ignore[attr-defined]
        if (ids[d["slug"]], scheme, code) not in present
    ]
    if codes:
        session.execute(sa.insert(SectorCode), codes)
    return report


def sector_map(session: Session) -> SectorMap:
    """The sector mapping as loaded in the database."""
    rows = session.execute(
        sa.select(Sector.slug, SectorCode.scheme, SectorCode.code).join(SectorCode.sector)
    ).all()
    by_slug: dict[str, dict[str, list[str]]] = {}
    for slug, scheme, code in rows:
        by_slug.setdefault(slug, {k: [] for k in SCHEME_KEYS.values()})[SCHEME_KEYS[scheme]].append(
            code
        )
    return SectorMap.from_definitions({"slug": s, **c} for s, c in by_slug.items())


def load_soc(session: Session, data_dir: Path = rd.DATA_DIR) -> LoadReport:
    report = LoadReport("SOC 2020 unit groups")
    _insert_missing(
        session, SocUnitGroup, "code", rd.read_soc_unit_groups(data_dir).to_dict("records"), report
    )
    return report


def load_sic(session: Session, data_dir: Path = rd.DATA_DIR) -> LoadReport:
    report = LoadReport("SIC 2007 activities")
    frame = rd.read_sic_index(data_dir)
    existing = set(session.execute(sa.select(SicActivity.code, SicActivity.activity)))
    fresh = []
    for row in frame.itertuples(index=False):
        report.read += 1
        if (row.code, row.activity) in existing:
            report.present += 1
            continue
        existing.add((row.code, row.activity))
        fresh.append({"code": row.code, "activity": row.activity})
    if fresh:
        session.execute(sa.insert(SicActivity), fresh)
    report.loaded = len(fresh)
    return report


def load_esco(session: Session, data_dir: Path = rd.DATA_DIR) -> list[LoadReport]:
    """ESCO skill groups, skills (with collections and hierarchy), occupations and their skills."""
    from ml.titles import isco_to_soc

    reports = [_load_skill_groups(session, data_dir), _load_skills(session, data_dir)]
    crosswalk = isco_to_soc(rd.read_soc_index(data_dir))
    sectors = sector_map(session)
    sector_ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
    occupations = rd.read_esco_occupations(data_dir)
    report = LoadReport("ESCO occupations")
    rows = []
    for occ in occupations.to_dict("records"):
        soc = crosswalk.get(occ["isco08"])
        slug = sectors.for_occupation(soc, occ["isco08"])
        rows.append({**occ, "soc2020": soc, "sector_id": sector_ids.get(slug) if slug else None})
    _insert_missing(session, Occupation, "uri", progress(rows, "occupations"), report)
    reports.append(report)
    reports.append(_load_occupation_skills(session, data_dir))
    return reports


def _load_skill_groups(session: Session, data_dir: Path) -> LoadReport:
    report = LoadReport("ESCO skill groups")
    groups = rd.read_skill_groups(data_dir)
    broader = rd.read_skill_broader(data_dir)
    parent = dict(
        broader[broader["is_group"] & broader["broader_is_group"]][
            ["uri", "broader_uri"]
        ].itertuples(index=False)
    )

    def depth(uri: str) -> int:
        d = 0
        while uri in parent and d < 10:
            uri, d = parent[uri], d + 1
        return d

    _insert_missing(
        session,
        SkillGroup,
        "uri",
        (
            {
                "uri": g.uri,
                "code": g.code if isinstance(g.code, str) else None,
                "label": g.label,
                "level": depth(g.uri),
            }
            for g in groups.itertuples(index=False)
        ),
        report,
    )
    ids = dict(session.execute(sa.select(SkillGroup.uri, SkillGroup.id)).all())
    session.execute(
        sa.update(SkillGroup),
        [
            {"id": ids[child], "parent_id": ids[par]}
            for child, par in parent.items()
            if child in ids and par in ids
        ],
    )
    return report


def _load_skills(session: Session, data_dir: Path) -> LoadReport:
    report = LoadReport("ESCO skills")
    skills = rd.read_esco_skills(data_dir)
    collections = rd.read_skill_collections(data_dir)
    broader = rd.read_skill_broader(data_dir)
    skill_rows = broader[~broader["is_group"]]
    group_of = dict(
        skill_rows[skill_rows["broader_is_group"]][["uri", "broader_uri"]].itertuples(index=False)
    )
    group_ids = dict(session.execute(sa.select(SkillGroup.uri, SkillGroup.id)).all())
    skill_parent: dict[str, list[str]] = {}
    for uri, par in skill_rows[~skill_rows["broader_is_group"]][["uri", "broader_uri"]].itertuples(
        index=False
    ):
        skill_parent.setdefault(uri, []).append(par)

    def nearest_group(uri: str) -> int | None:
        # A narrower skill inherits the group of the skill it specialises.
        seen = set()
        frontier = [uri]
        while frontier:
            current = frontier.pop(0)
            if current in group_of:
                return group_ids.get(group_of[current])
            seen.add(current)
            frontier.extend(p for p in skill_parent.get(current, []) if p not in seen)
        return None

    def rows() -> Iterable[dict[str, Any]]:
        for s in skills.to_dict("records"):
            yield {
                **s,
                "is_digital": s["uri"] in collections["digital"],
                "is_green": s["uri"] in collections["green"],
                "is_transversal": s["uri"] in collections["transversal"]
                or s["reuse_level"] == "transversal",
                "group_id": nearest_group(s["uri"]),
            }

    _insert_missing(session, Skill, "uri", progress(rows(), "skills", total=len(skills)), report)
    ids = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    present = set(session.execute(sa.select(skill_broader)))
    pairs = {
        (ids[child], ids[par])
        for child, parents in skill_parent.items()
        for par in parents
        if child in ids and par in ids
    } - present
    if pairs:
        session.execute(
            sa.insert(skill_broader), [{"skill_id": a, "broader_id": b} for a, b in sorted(pairs)]
        )
    return report


def _load_occupation_skills(session: Session, data_dir: Path) -> LoadReport:
    report = LoadReport("ESCO occupation skills")
    relations = rd.read_occupation_skills(data_dir)
    occ = dict(session.execute(sa.select(Occupation.uri, Occupation.id)).all())
    skill = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    present = set(
        session.execute(sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id))
    )
    fresh = []
    for number, r in enumerate(
        progress(relations.itertuples(index=False), "occupation skills", total=len(relations)),
        start=1,
    ):
        report.read += 1
        o, s = occ.get(r.occupation_uri), skill.get(r.skill_uri)
        if o is None or s is None:
            report.skip(
                number, "occupationUri" if o is None else "skillUri", "unknown ESCO concept"
            )
            continue
        if (o, s) in present:
            report.present += 1
            continue
        present.add((o, s))
        fresh.append({"occupation_id": o, "skill_id": s, "relation": r.relation})
    if fresh:
        session.execute(sa.insert(OccupationSkill), fresh)
    report.loaded = len(fresh)
    return report
