"""Skill gap analysis for the skills board: where employers' demand for skills has no course
supplying it in reach, by sector, district and skill, with the reason and the sources behind
every figure; stored as immutable snapshots that can be compared.

``build_report`` gives a live ``GapReport``; ``save_snapshot`` stores it and ``SnapshotReport``
reads a stored one; both answer the same questions (``GapView``). The rules and their weights
are documented in ``skillsmatch.services.gaps.parameters``.
"""

from skillsmatch.services.gaps.analysis import build_report
from skillsmatch.services.gaps.parameters import GapParameters
from skillsmatch.services.gaps.report import GapReport, GapView
from skillsmatch.services.gaps.results import (
    Cell,
    DemandSource,
    GapRow,
    OfferingSource,
    Rollup,
    Trace,
    TracedOffering,
)
from skillsmatch.services.gaps.selection import UnknownSelection, resolve_district, resolve_sector
from skillsmatch.services.gaps.snapshots import (
    GapDiff,
    SnapshotReport,
    diff_reports,
    diff_snapshots,
    get_snapshot,
    list_snapshots,
    previous_snapshot,
    save_snapshot,
)

__all__ = [
    "Cell",
    "DemandSource",
    "GapDiff",
    "GapParameters",
    "GapReport",
    "GapRow",
    "GapView",
    "OfferingSource",
    "Rollup",
    "SnapshotReport",
    "Trace",
    "TracedOffering",
    "UnknownSelection",
    "build_report",
    "diff_reports",
    "diff_snapshots",
    "get_snapshot",
    "list_snapshots",
    "previous_snapshot",
    "resolve_district",
    "resolve_sector",
    "save_snapshot",
]
