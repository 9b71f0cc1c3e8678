"""The ids that name a sector, a district and a skill in the board's URLs.

Every URL parameter on the site is a UUID. Sectors and districts have none of their own, so
their ids are derived from their slug and ONS code (UUID version 5, a fixed namespace): the same
in every snapshot and stable across releases. An ESCO skill keeps ESCO's own UUID, the last part
of its URI; any other skill URI gets a derived one.
"""

from __future__ import annotations

import re
import uuid

from skillsmatch.services.gaps import GapView, Rollup
from skillsmatch.services.gaps.rollups import by_skill

NAMESPACE = uuid.UUID("0d965d5f-6f64-434a-855c-74adce51bb4a")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
_ESCO_SKILL_URI = re.compile(
    re.escape(ESCO_SKILL) + r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def sector_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"sector/{slug}")


def district_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"district/{code}")


def skill_id(uri: str) -> uuid.UUID:
    found = _ESCO_SKILL_URI.fullmatch(uri)
    return uuid.UUID(found.group(1)) if found else uuid.uuid5(NAMESPACE, f"skill/{uri}")


def find_sector(view: GapView, wanted: uuid.UUID) -> dict[str, str] | None:
    """The report's sector (``{"slug", "name"}``) with this id, or None."""
    sectors = view.summary.get("sectors", [])
    return next((s for s in sectors if sector_id(s["slug"]) == wanted), None)


def find_district(view: GapView, wanted: uuid.UUID) -> dict[str, object] | None:
    """The report's district (``{"code", "name", "working_age"}``) with this id, or None."""
    return next(
        (d for d in view.summary.get("districts", []) if district_id(d["code"]) == wanted), None
    )


def find_skill(view: GapView, wanted: uuid.UUID) -> Rollup | None:
    """The report's totals for the demanded skill with this id, or None if nothing demands it."""
    rows = view.rows(skill=ESCO_SKILL + str(wanted))
    if rows:
        return by_skill(rows)[0]
    # Not an ESCO UUID: look for a skill whose derived id it is.
    return next((s for s in view.skills() if skill_id(s.key) == wanted), None)
