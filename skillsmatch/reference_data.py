"""Readers for the public data shipped in ``data/``, returning tidy pandas DataFrames.

Nothing here touches the database: the ML code, the benchmarks and the loaders share these readers
so that every part of SkillsMatch reads a source file one way.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from skillsmatch.config import DATA_DIR

ESCO_VERSION = "esco-v1.1.1"
SKILL_COLLECTIONS = {
    "digital": "digitalSkillsCollection_en",
    "green": "greenSkillsCollection_en",
    "transversal": "transversalSkillsCollection_en",
    "language": "languageSkillsCollection_en",
}


def _csv(path: Path, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)  # type: ignore[call-overload]


def _lines(value: str) -> list[str]:
    """Split ESCO's newline-separated label lists, dropping blanks and duplicates in order."""
    seen: dict[str, None] = {}
    for part in value.splitlines():
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def esco_dir(data_dir: Path = DATA_DIR) -> Path:
    return data_dir / "esco"


def read_esco_skills(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ESCO skills: ``uri, label, alt_labels (list), description, skill_type, reuse_level``.

    ``skill_type`` is ``"skill"`` or ``"knowledge"``; the six concepts ESCO leaves untyped are
    treated as skills.
    """
    raw = _csv(esco_dir(data_dir) / "skills_en.csv.gz")
    alt = raw["altLabels"].map(_lines)
    return pd.DataFrame(
        {
            "uri": raw["conceptUri"],
            "label": raw["preferredLabel"].str.strip(),
            "alt_labels": [
                [a for a in labels if a != pref]
                for labels, pref in zip(alt, raw["preferredLabel"], strict=True)
            ],
            "description": raw["description"].str.strip(),
            "skill_type": raw["skillType"].map(
                lambda t: "knowledge" if t == "knowledge" else "skill"
            ),
            "reuse_level": raw["reuseLevel"].replace("", None),
        }
    )


def read_skill_collections(data_dir: Path = DATA_DIR) -> dict[str, frozenset[str]]:
    """The URIs in ESCO's digital, green, transversal and language skill collections."""
    return {
        name: frozenset(_csv(esco_dir(data_dir) / f"{stem}.csv.gz")["conceptUri"])
        for name, stem in SKILL_COLLECTIONS.items()
    }


def read_skill_broader(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ESCO's skill pillar hierarchy: ``uri, broader_uri, broader_is_group``."""
    raw = _csv(esco_dir(data_dir) / "broaderRelationsSkillPillar.csv.gz")
    return pd.DataFrame(
        {
            "uri": raw["conceptUri"],
            "broader_uri": raw["broaderUri"],
            "broader_is_group": raw["broaderType"] == "SkillGroup",
            "is_group": raw["conceptType"] == "SkillGroup",
        }
    )


def read_skill_groups(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ESCO skill groups: ``uri, code, label``."""
    raw = _csv(esco_dir(data_dir) / "skillGroups_en.csv.gz")
    return pd.DataFrame(
        {
            "uri": raw["conceptUri"],
            "code": raw["code"].replace("", None),
            "label": raw["preferredLabel"],
        }
    )


def read_esco_occupations(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ESCO occupations: ``uri, code, label, alt_labels (list), description, isco08``."""
    raw = _csv(esco_dir(data_dir) / "occupations_en.csv.gz")
    alt = raw["altLabels"].map(_lines)
    return pd.DataFrame(
        {
            "uri": raw["conceptUri"],
            "code": raw["code"],
            "label": raw["preferredLabel"].str.strip(),
            "alt_labels": [
                [a for a in labels if a != pref]
                for labels, pref in zip(alt, raw["preferredLabel"], strict=True)
            ],
            "description": raw["description"].str.strip(),
            "isco08": raw["iscoGroup"],
        }
    )


def read_occupation_skills(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ESCO occupation -> skill relations: ``occupation_uri, skill_uri, relation``."""
    raw = _csv(esco_dir(data_dir) / "occupationSkillRelations.csv.gz")
    return pd.DataFrame(
        {
            "occupation_uri": raw["occupationUri"],
            "skill_uri": raw["skillUri"],
            "relation": raw["relationType"],
        }
    )


def read_soc_index(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ONS SOC 2020 coding index: ``title, qualifier, industry, soc2020, isco08``.

    ``title`` is the index title in natural word order ("Business retention adviser");
    ``qualifier`` and ``industry`` are the index's ADD and IND columns, which narrow a generic
    title ("Manager" in industry "restaurant").
    """
    raw = _csv(data_dir / "ons-soc2020" / "soc2020_coding_index.csv.gz")
    frame = pd.DataFrame(
        {
            "title": raw["INDEXOCC_-_natural_word_order"].str.strip(),
            "qualifier": raw["ADD"].str.strip(),
            "industry": raw["IND"].str.strip(),
            "soc2020": raw["SOC_2020"].str.strip(),
            "isco08": raw["ISCO-08 code based on SOC2020"].str.strip(),
        }
    )
    valid = frame["soc2020"].str.fullmatch(r"\d{4}") & (frame["title"].str.len() > 1)
    return frame[valid].reset_index(drop=True)


def read_soc_unit_groups(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """SOC 2020 unit groups: ``code, title, description, entry_routes, tasks``."""
    raw = pd.read_csv(
        data_dir / "ons-soc2020" / "soc2020_unit_group_descriptions.csv.gz",
        dtype=str,
        keep_default_na=False,
    )
    cols = {c: " ".join(c.split()) for c in raw.columns}
    raw = raw.rename(columns=cols)
    unit = raw[raw["SOC 2020 Unit Group"].str.fullmatch(r"\d{4}")]

    def clean(series: pd.Series) -> pd.Series:
        return series.replace("<blank>", "").str.strip()

    return pd.DataFrame(
        {
            "code": unit["SOC 2020 Unit Group"],
            "title": clean(unit["SOC 2020 Group Title"]),
            "description": clean(unit["Group Description"]),
            "entry_routes": clean(unit["Typical Entry Routes And Associated Qualifications"]),
            "tasks": clean(unit["Tasks"]),
        }
    ).reset_index(drop=True)


def read_sic_index(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """ONS SIC 2007 alphabetical index: ``code`` (5 digits), ``activity``."""
    raw = _csv(data_dir / "ons-sic2007" / "sic2007_alphabetical_index.csv.gz", skiprows=1)
    code = raw["UK SIC 2007"].str.replace(r"\D", "", regex=True)
    frame = pd.DataFrame({"code": code, "activity": raw["Activity"].str.strip()})
    return frame[frame["code"].str.len().eq(5) & frame["activity"].ne("")].reset_index(drop=True)


def read_standards(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The apprenticeship standards catalogue, one row per standard version (raw column names)."""
    return _csv(data_dir / "apprenticeship-standards" / "standards_catalogue.csv.gz")


def read_job_title_supplement(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Typical job titles for standards whose newest version lists none: ``reference, job_title,
    source`` (an earlier or draft version of the standard, or SkillsMatch's own editors)."""
    return _csv(data_dir / "apprenticeship-standards" / "job_titles_supplement.csv")


def read_ksbs(data_dir: Path = DATA_DIR) -> dict[str, dict[str, dict[str, str]]]:
    """Knowledge/skills/behaviours text by standard reference.

    Shape: ``{ref: {"K": {code: text}, ...}}``.
    """
    import gzip

    with gzip.open(data_dir / "apprenticeship-standards" / "standards_ksbs.json.gz", "rt") as fh:
        standards = json.load(fh)["standards"]
    return {
        ref: {kind: dict(entry.get(kind) or {}) for kind in ("K", "S", "B")}
        for ref, entry in standards.items()
    }


def read_districts(data_dir: Path = DATA_DIR) -> list[dict[str, object]]:
    """The 14 Greater Essex local authorities from the census files, with in-area neighbours."""
    records = []
    for path in sorted((data_dir / "census2021").glob("E0*.json")):
        raw = json.loads(path.read_text())
        records.append(
            {
                "code": raw["CODE"],
                "name": raw["NAME"],
                "population_2011": int(raw["LA"]["ABS"]["Y11"]),
                "population_2021": int(raw["LA"]["ABS"]["Y21"]),
                "working_age_2021": int(raw["LA"]["WORKING"]["ABS"]["Y21"]),
                "neighbours": list(raw["NEIGHBOURS"]["CODES"]),
            }
        )
    in_area = {r["code"] for r in records}
    for r in records:
        r["neighbours"] = [c for c in r["neighbours"] if c in in_area]  # type: ignore[attr-defined]
    return records


@lru_cache(maxsize=4)
def read_postcode_districts(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Postcode district (outward code) -> ONS local-authority code, for Greater Essex."""
    raw = _csv(data_dir / "postcodes" / "greater_essex_postcode_districts.csv")
    return dict(zip(raw["outward_code"], raw["district_code"], strict=True))


def read_sector_definitions(data_dir: Path = DATA_DIR) -> list[dict[str, object]]:
    """The seven priority sectors and the codes that define them."""
    return json.loads((data_dir / "sectors" / "priority_sectors.json").read_text())["sectors"]
