"""Roll-ups of gap rows: by skill group (ESCO hierarchy), collection, sector, district and skill."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from skillsmatch.services.gaps.results import GapRow, Rollup

UNGROUPED = ("", "Not in the ESCO skills hierarchy")
# ESCO's collections that the Essex Local Skills Improvement Plan asks about first.
COLLECTIONS = {
    "digital": ("Digital skills", lambda r: r.is_digital),
    "green": ("Green skills", lambda r: r.is_green),
    "transversal": ("Transversal (soft and basic) skills", lambda r: r.is_transversal),
}


@dataclass
class _Acc:
    label: str
    demand: float = 0.0
    usable: float = 0.0
    shortfall: float = 0.0
    skills: set[str] = field(default_factory=set)
    gap_skills: set[str] = field(default_factory=set)
    shortfall_by_skill: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, row: GapRow) -> None:
        self.demand += row.demand
        self.usable += row.usable_supply
        self.shortfall += row.shortfall
        self.skills.add(row.skill_uri)
        self.labels[row.skill_uri] = row.skill_label
        if row.is_gap:
            self.gap_skills.add(row.skill_uri)
            self.shortfall_by_skill[row.skill_uri] = (
                self.shortfall_by_skill.get(row.skill_uri, 0.0) + row.shortfall
            )

    def result(self, key: str, top: int, extra: dict[str, object] | None = None) -> Rollup:
        worst = sorted(self.shortfall_by_skill.items(), key=lambda kv: (-kv[1], self.labels[kv[0]]))
        return Rollup(
            key=key,
            label=self.label,
            demand=round(self.demand, 2),
            usable_supply=round(self.usable, 2),
            shortfall=round(self.shortfall, 2),
            skills=len(self.skills),
            gap_skills=len(self.gap_skills),
            extra={
                **(extra or {}),
                "top_gap_skills": [
                    {"skill_uri": uri, "skill_label": self.labels[uri], "shortfall": round(s, 2)}
                    for uri, s in worst[:top]
                ],
            },
        )


def rollup(
    rows: Iterable[GapRow],
    keys: Callable[[GapRow], Iterable[tuple[str, str]]],
    top: int = 5,
    extra: Callable[[str], dict[str, object]] | None = None,
) -> list[Rollup]:
    """Sum rows into groups; ``keys`` gives each row's (key, label) pairs (a row may be in several).

    Groups come out most severe first (largest shortfall, then label).
    """
    groups: dict[str, _Acc] = {}
    for row in rows:
        for key, label in keys(row):
            groups.setdefault(key, _Acc(label)).add(row)
    results = [acc.result(key, top, extra(key) if extra else None) for key, acc in groups.items()]
    return sorted(results, key=lambda r: (-r.shortfall, r.label))


def group_at_depth(row: GapRow, depth: int) -> tuple[str, str]:
    """The row's ESCO skill group ``depth`` levels below the top (or its deepest, if shallower)."""
    if not row.skill_groups:
        return UNGROUPED
    uri, label = row.skill_groups[min(depth, len(row.skill_groups) - 1)]
    return uri, label


def by_skill_group(rows: Iterable[GapRow], depth: int = 1, top: int = 5) -> list[Rollup]:
    """Roll up to the ESCO skills hierarchy: depth 0 is skills/knowledge/transversal/language,
    depth 1 groups such as 'communication, collaboration and creativity'."""
    return rollup(rows, lambda r: [group_at_depth(r, depth)], top)


def by_collection(rows: Iterable[GapRow], top: int = 5) -> list[Rollup]:
    """Roll up to ESCO's digital, green and transversal collections (a skill may be in several)."""
    rows = list(rows)
    found = rollup(
        rows, lambda r: [(k, label) for k, (label, test) in COLLECTIONS.items() if test(r)], top
    )
    present = {r.key for r in found}
    # Every collection is reported, also when nothing demanded belongs to it.
    missing = [
        Rollup(key=k, label=label) for k, (label, _) in COLLECTIONS.items() if k not in present
    ]
    order = list(COLLECTIONS)
    return sorted([*found, *missing], key=lambda r: order.index(r.key))


def by_skill(rows: Iterable[GapRow], top: int = 5) -> list[Rollup]:
    return rollup(rows, lambda r: [(r.skill_uri, r.skill_label)], top)


def by_sector(rows: Iterable[GapRow], top: int = 5) -> list[Rollup]:
    return rollup(rows, lambda r: [(r.sector_slug, r.sector_name)], top)


def by_district(rows: Iterable[GapRow], working_age: dict[str, int], top: int = 5) -> list[Rollup]:
    """Per district, with the shortfall per 10,000 working-age residents (Census 2021)."""
    rows = list(rows)
    shortfall: dict[str, float] = {}
    for r in rows:
        shortfall[r.district_code] = shortfall.get(r.district_code, 0.0) + r.shortfall

    def extra(code: str) -> dict[str, object]:
        people = working_age.get(code, 0)
        per_10k = round(shortfall[code] * 10_000 / people, 2) if people else None
        return {"working_age": people, "shortfall_per_10k": per_10k}

    return rollup(rows, lambda r: [(r.district_code, r.district_name)], top, extra)
