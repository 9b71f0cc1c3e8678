"""Commands that create the database and load Greater Essex data."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
