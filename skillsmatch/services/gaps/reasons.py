"""The sentence a councillor reads beside each (sector, district, skill) figure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from skillsmatch.services.gaps.results import CAPACITY, COVERED, LEVEL, NO_COURSE, NO_INTAKE


def number(value: float) -> str:
    """12 for 12.0, 12.5 for 12.5: people and places read as whole numbers where they are."""
    return str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def levels_phrase(levels: Iterable[int]) -> str:
    ordered = sorted(set(levels))
    return ("level " if len(ordered) == 1 else "levels ") + join_words([str(v) for v in ordered])


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class ReasonFacts:
    """What the sentence is built from."""

    skill: str
    district: str
    demand: float
    supply: int
    usable: float
    shortfall: float
    offerings_in_reach: int
    offerings_in_window: int
    course_levels_in_window: tuple[int, ...]
    demand_levels: tuple[int, ...]
    unstated_level: bool
    level_mismatch_places: int
    other_sectors_demand: float
    taught_elsewhere: tuple[str, ...]
    window_start: date
    window_end: date


def explain(f: ReasonFacts) -> tuple[str, str]:
    """(reason code, sentence)."""
    if f.offerings_in_reach == 0:
        text = f"No course in reach of {f.district} teaches {f.skill}."
        if f.taught_elsewhere:
            shown = list(f.taught_elsewhere[:3])
            more = len(f.taught_elsewhere) - len(shown)
            text += (
                " It is taught in "
                + join_words(
                    shown + ([f"{more} other district{'s' if more > 1 else ''}"] if more else [])
                )
                + "."
            )
        return NO_COURSE, text
    if f.offerings_in_window == 0:
        return NO_INTAKE, (
            f"Courses in reach teach {f.skill}, but none starts between "
            f"{day(f.window_start)} and {day(f.window_end)}."
        )
    if f.supply == 0:
        return LEVEL, (
            f"Only at {levels_phrase(f.course_levels_in_window)}; demand is at "
            f"{levels_phrase(f.demand_levels)}."
        )
    too_high = (
        f" A further {f.level_mismatch_places} places are at too high a level."
        if f.level_mismatch_places
        else ""
    )
    if f.shortfall > 0:
        if f.usable + 0.05 < min(f.supply, f.demand):
            asked = levels_phrase(f.demand_levels) + (" or unstated" if f.unstated_level else "")
            return CAPACITY, (
                f"Courses exist but only {number(f.usable)} of their {f.supply} places are at a "
                f"level that fits the demand ({asked}); {number(f.demand)} needed.{too_high}"
            )
        return CAPACITY, (
            f"Courses exist but {f.supply} places for {number(f.demand)} needed.{too_high}"
        )
    text = f"Covered: {f.supply} places in reach for {number(f.demand)} needed."
    if f.other_sectors_demand > 0 and f.demand + f.other_sectors_demand > f.supply:
        text += (
            f" The same places are also wanted by other sectors here "
            f"({number(f.other_sectors_demand)} more)."
        )
    return COVERED, text
