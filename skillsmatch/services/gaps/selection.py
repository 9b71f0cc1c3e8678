"""Turn what a person typed (a sector's slug or name, a district's ONS code) into a filter."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import District, Sector


class UnknownSelection(ValueError):
    """A sector or district that is not loaded; the message lists the valid ones."""


def resolve_sector(session: Session, text: str) -> Sector:
    """The sector whose slug or name is ``text`` (case and surrounding spaces ignored)."""
    wanted = text.strip().casefold()
    sectors = list(session.scalars(sa.select(Sector).order_by(Sector.name)))
    for sector in sectors:
        if wanted in (sector.slug.casefold(), sector.name.casefold()):
            return sector
    valid = "; ".join(f"{s.slug} ({s.name})" for s in sectors) or "none loaded (run load-reference)"
    raise UnknownSelection(f"unknown sector {text!r}. Valid sectors: {valid}")


def resolve_district(session: Session, code: str) -> District:
    """The district with the ONS code ``code`` (e.g. E07000070)."""
    wanted = code.strip().upper()
    districts = list(session.scalars(sa.select(District).order_by(District.code)))
    for district in districts:
        if district.code.upper() == wanted:
            return district
    valid = (
        "; ".join(f"{d.code} ({d.name})" for d in districts) or "none loaded (run load-reference)"
    )
    raise UnknownSelection(f"unknown district code {code!r}. Valid district codes: {valid}")
