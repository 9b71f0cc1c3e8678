"""What a loader or import did: rows read, loaded, already present, and skipped with reasons."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


@dataclass(frozen=True)
class SkippedRow:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


@dataclass
class LoadReport:
    name: str
    read: int = 0
    loaded: int = 0
    present: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)

    def skip(self, row: int, field_name: str, reason: str) -> None:
        self.skipped.append(SkippedRow(row, field_name, reason))

    def summary(self) -> str:
        line = (
            f"{self.name}: read {self.read}, loaded {self.loaded}, "
            f"already present {self.present}, skipped {len(self.skipped)}"
        )
        reasons: dict[str, int] = {}
        for s in self.skipped:
            reasons[f"{s.field}: {s.reason}"] = reasons.get(f"{s.field}: {s.reason}", 0) + 1
        details = "".join(f"\n  skipped {n} x {r}" for r, n in sorted(reasons.items()))
        return line + details


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on stderr for long loads (hidden when stderr is not a terminal)."""
    yield from tqdm(items, desc=desc, total=total, unit="row", leave=False, disable=None)
