"""Travel reach: which districts and course offerings a person in a district can get to.

One definition serves matching, pathways and gap reports: an offering is in reach of a district
when it is delivered online, in that district, or in a neighbouring one.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from skillsmatch.models import CourseOffering, District, district_neighbour

SAME_DISTRICT = "same district"
NEIGHBOURING = "neighbouring district"
ONLINE = "online"


@dataclass(frozen=True)
class ReachMap:
    """District id -> ids of its neighbours, read once from the database."""

    neighbours: dict[int, frozenset[int]]

    @classmethod
    def load(cls, session: Session) -> ReachMap:
        pairs: dict[int, set[int]] = {d: set() for d in session.scalars(sa.select(District.id))}
        rows = session.execute(
            sa.select(district_neighbour.c.district_id, district_neighbour.c.neighbour_id)
        )
        for district_id, neighbour_id in rows:
            # Neighbourhood is symmetric whichever way a row was stored.
            pairs.setdefault(district_id, set()).add(neighbour_id)
            pairs.setdefault(neighbour_id, set()).add(district_id)
        return cls({d: frozenset(n) for d, n in pairs.items()})

    def districts_in_reach(self, district_id: int) -> frozenset[int]:
        """The district itself and its neighbours."""
        return self.neighbours.get(district_id, frozenset()) | {district_id}

    def travel(self, home_district_id: int | None, offering_district_id: int | None) -> str | None:
        """How an offering is reached from home: same, neighbouring, online, or None (out of reach).

        A person with no district set can reach only online offerings.
        """
        if offering_district_id is None:
            return ONLINE
        if home_district_id is None:
            return None
        if offering_district_id == home_district_id:
            return SAME_DISTRICT
        if offering_district_id in self.neighbours.get(home_district_id, frozenset()):
            return NEIGHBOURING
        return None

    def offering_in_reach(self, home_district_id: int | None, offering: CourseOffering) -> bool:
        return self.travel(home_district_id, offering.district_id) is not None
