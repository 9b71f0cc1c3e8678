"""The priority-sector mapping: which sector a SOC, ISCO, SIC code or apprenticeship route is in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SectorMap:
    """Look-ups built from ``data/sectors/priority_sectors.json`` (slug -> codes per scheme)."""

    soc2020: Mapping[str, str]
    isco08: Mapping[str, str]
    sic2007: Mapping[str, str]
    routes: Mapping[str, str]

    @classmethod
    def from_definitions(cls, sectors: Iterable[Mapping[str, object]]) -> SectorMap:
        tables: dict[str, dict[str, str]] = {
            "soc2020": {},
            "isco08": {},
            "sic2007": {},
            "routes": {},
        }
        for sector in sectors:
            slug = str(sector["slug"])
            for scheme, key in (
                ("soc2020", "soc2020"),
                ("isco08", "isco08"),
                ("sic2007", "sic2007"),
                ("routes", "apprenticeship_routes"),
            ):
                for code in sector[key]:  # type: ignore[attr-defined]
                    if code in tables[scheme]:
                        raise ValueError(f"{scheme} code {code} is in two sectors")
                    tables[scheme][code] = slug
        return cls(**tables)

    def for_soc(self, code: str | None) -> str | None:
        return self.soc2020.get(code or "")

    def for_isco(self, code: str | None) -> str | None:
        return _longest_prefix(self.isco08, code)

    def for_sic(self, code: str | None) -> str | None:
        return _longest_prefix(self.sic2007, code)

    def for_route(self, route: str | None) -> str | None:
        """A standard's route; a standard listed under two routes takes the first that is mapped."""
        for part in (route or "").split(";"):
            if (slug := self.routes.get(part.strip())) is not None:
                return slug
        return None

    def for_occupation(self, soc2020: str | None, isco08: str | None) -> str | None:
        """An occupation's sector: by its UK SOC group, else by its ISCO group."""
        return self.for_soc(soc2020) or self.for_isco(isco08)


def _longest_prefix(table: Mapping[str, str], code: str | None) -> str | None:
    code = code or ""
    for end in range(len(code), 0, -1):
        if (slug := table.get(code[:end])) is not None:
            return slug
    return None
