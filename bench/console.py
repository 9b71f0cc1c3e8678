"""What benchmarks print: lines flushed at once, so progress shows when output is piped."""

from __future__ import annotations

import sys
from typing import TextIO


def say(line: str, stream: TextIO | None = None) -> None:
    """Write one line to ``stream`` (standard output by default) and flush it."""
    stream = sys.stdout if stream is None else stream
    stream.write(f"{line}\n")
    stream.flush()
