"""NHS Jobs adverts: the shipped Greater Essex extract, and loading it as vacancies."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch import reference_data as rd
from skillsmatch.adverts import html_to_text, outward_code, parse_salary, scrub_contacts
from skillsmatch.loaders.reference import sector_map
from skillsmatch.loaders.report import LoadReport, progress
from skillsmatch.models import District, Occupation, Sector, Skill, Vacancy, VacancySkill

NHS_SOURCE = "nhs-jobs"
NHS_EXTRACT = Path("nhs-jobs") / "greater_essex_vacancies.jsonl.gz"
# NHS trusts and GP practices: SIC 86 (human health activities), the fallback sector.
NHS_SIC = "86101"
SKILLS_PER_ADVERT = 15
CONTEXT_SENTENCES = 3  # an advert's title is read with this many of its requirement sentences


def _iso_date(value: str | None) -> str | None:
    return value[:10] if value and len(value) >= 10 else None


def extract_nhs_adverts(source: Path, out: Path, data_dir: Path = rd.DATA_DIR) -> tuple[int, int]:
    """Write the Greater Essex adverts of an NHS Jobs dump, without personal data.

    Keeps the postcode district only (no full postcode, no coordinates) and removes recruiters'
    names, e-mail addresses and phone numbers from the text. Returns (read, written).
    """
    lookup = rd.read_postcode_districts(data_dir)
    read = written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        gzip.open(source, "rt", encoding="utf-8") as src,
        gzip.open(out, "wt", encoding="utf-8") as dst,
    ):
        for line in src:
            read += 1
            raw = json.loads(line)
            address = (raw.get("jobLocation") or {}).get("address") or {}
            outward = outward_code(address.get("postalCode"))
            if outward not in lookup:
                continue
            description, _ = scrub_contacts(html_to_text(raw.get("description", "")))
            salary = ((raw.get("baseSalary") or {}).get("value") or {}).get("value")
            low, high = parse_salary(salary)
            record = {
                "source_ref": str(raw["id"]),
                "title": html_to_text(raw.get("title", "")),
                "description": description,
                "employer_name": ((raw.get("hiringOrganization") or {}).get("name") or "").strip(),
                "postcode_district": outward,
                "district_code": lookup[outward],
                "salary_text": str(salary or "").strip()[:120],
                "salary_min": low,
                "salary_max": high,
                "date_posted": _iso_date(raw.get("datePosted")),
                "closing_date": _iso_date(raw.get("validThrough")),
                "employment_type": raw.get("employmentType"),
                "url": raw.get("url"),
            }
            dst.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    return read, written


def read_nhs_extract(data_dir: Path = rd.DATA_DIR) -> Iterator[dict[str, Any]]:
    with gzip.open(data_dir / NHS_EXTRACT, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def load_nhs_vacancies(session: Session, readers: Any, data_dir: Path = rd.DATA_DIR) -> LoadReport:
    """Load the shipped NHS adverts, with their ESCO occupation, sector and advert skills."""
    report = LoadReport("NHS Jobs vacancies (Greater Essex)")
    present = set(
        session.scalars(sa.select(Vacancy.source_ref).where(Vacancy.source == NHS_SOURCE))
    )
    adverts = []
    for record in read_nhs_extract(data_dir):
        report.read += 1
        if record["source_ref"] in present:
            report.present += 1
        else:
            adverts.append(record)
    if not adverts:
        return report
    vacancies = build_vacancies(session, readers, adverts, source=NHS_SOURCE, sic2007=NHS_SIC)
    session.add_all(vacancies)
    report.loaded = len(vacancies)
    return report


def title_context(title: str, read: Any) -> str:
    """An advert's title followed by its first sentences that name skills (``read``: the
    linker's result for the advert), the context its title is normalised in: a hospital's "Chill
    Assistant" who prepares meal trolleys is a kitchen assistant, not a chilling operator.
    Company blurb, which the linker's sentence filter drops, is left out."""
    own = " ".join(title.lower().split())
    sentences = [s for s in read.requirements if " ".join(s.lower().split()) != own]
    return " ".join([f"{title.strip()}.", *sentences[:CONTEXT_SENTENCES]])


def read_adverts(readers: Any, records: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """What the readers find in each advert record: the skill linker's result for its text
    (skills stored without review, and the sentences that name skills) and its best ESCO
    occupation, the title read in its ``title_context``."""
    linker = readers.skill_linker
    texts = [f"{r['title']}\n{r['description']}" for r in records]
    read = linker.link_statements(
        texts, top_k=SKILLS_PER_ADVERT, min_score=linker.precision_threshold_
    )
    titles = readers.title_normaliser.normalise(
        [r["title"] for r in records],
        top_k=1,
        context=[title_context(r["title"], found) for r, found in zip(records, read, strict=True)],
    )
    return read, titles


def build_vacancies(
    session: Session,
    readers: Any,
    records: list[dict[str, Any]],
    source: str,
    sic2007: str | None = None,
) -> list[Vacancy]:
    """Vacancies from clean advert records.

    Occupation and sector come from the title (read in its ``title_context``), skills from the
    text.
    """
    districts = dict(session.execute(sa.select(District.code, District.id)).all())
    sector_ids = dict(session.execute(sa.select(Sector.slug, Sector.id)).all())
    occupations = {
        uri: (occ_id, soc, isco)
        for uri, occ_id, soc, isco in session.execute(
            sa.select(Occupation.uri, Occupation.id, Occupation.soc2020, Occupation.isco08)
        )
    }
    skill_ids = dict(session.execute(sa.select(Skill.uri, Skill.id)).all())
    sectors = sector_map(session)
    read, titles = read_adverts(readers, records)
    vacancies = []
    for record, title_matches, found in progress(
        zip(records, titles, read, strict=True), "vacancies", total=len(records)
    ):
        occ_id = soc = isco = None
        if title_matches:
            occ_id, soc, isco = occupations.get(title_matches[0].uri, (None, None, None))
        slug = sectors.for_occupation(soc, isco) or sectors.for_sic(sic2007)
        vacancy = Vacancy(
            source=source,
            source_ref=record["source_ref"],
            title=record["title"][:255],
            description=record["description"],
            employer_name=record.get("employer_name", "")[:200],
            district_id=districts.get(record.get("district_code") or ""),
            postcode_district=record.get("postcode_district"),
            salary_min=record.get("salary_min"),
            salary_max=record.get("salary_max"),
            salary_text=record.get("salary_text", ""),
            date_posted=date.fromisoformat(record["date_posted"])
            if record.get("date_posted")
            else None,
            closing_date=date.fromisoformat(record["closing_date"])
            if record.get("closing_date")
            else None,
            sector_id=sector_ids.get(slug) if slug else None,
            occupation_id=occ_id,
        )
        seen = set()
        for skill in found.skills:
            skill_id = skill_ids.get(skill.uri)
            if skill_id is None or skill_id in seen:
                continue
            seen.add(skill_id)
            vacancy.skills.append(
                VacancySkill(skill_id=skill_id, provenance="advert", score=float(skill.score))
            )
        vacancies.append(vacancy)
    return vacancies
