"""What the ranking commands share: their options, and reading lines in, JSON lines out.

``link-skills``, ``normalise-titles`` and ``match-courses`` each read SOURCE (a file, or - for
stdin) one text per line and write one JSON object per line, in input order. stdout carries
only those lines; progress goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

import click
from flask.cli import with_appcontext

BATCH = 256  # lines read at once: big enough for batched encoding, small enough to stream

Record = dict[str, object]


def ranking_command(
    name: str, top_k_help: str, min_score_help: str
) -> Callable[[Callable[..., None]], click.Command]:
    """A command ``name TOP_K MIN_SCORE SOURCE``: ``--top-k`` (default 10), ``--min-score``
    (default none) and SOURCE (default -), run in the application context."""

    def decorate(func: Callable[..., None]) -> click.Command:
        command: Any = with_appcontext(func)
        command = click.argument(
            "source", type=click.File("r", encoding="utf-8", errors="replace"), default="-"
        )(command)
        command = click.option(
            "--min-score", type=click.FloatRange(0, 1), default=None, help=min_score_help
        )(command)
        command = click.option(
            "--top-k", type=click.IntRange(min=1), default=10, show_default=True, help=top_k_help
        )(command)
        return click.command(name)(command)

    return decorate


def _batches(stream: TextIO) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in stream:
        batch.append(line.rstrip("\r\n"))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_records(
    source: TextIO, unit: str, records: Callable[[list[str]], Iterable[Record]]
) -> None:
    """Write ``records(batch)`` as JSON lines for each batch of SOURCE's lines, one record per
    line in order, with a progress bar counting ``unit`` on stderr when it is a terminal."""
    from tqdm import tqdm

    with tqdm(unit=unit, file=sys.stderr, disable=not sys.stderr.isatty()) as bar:
        for batch in _batches(source):
            for record in records(batch):
                click.echo(json.dumps(record, ensure_ascii=False))
            bar.update(len(batch))
