"""Every ``skillsmatch`` command, registered on the app's CLI by ``init_app``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from skillsmatch.commands import data, gaps, imports, linking, matching

    for module in (data, linking, imports, gaps, matching):
        for command in module.COMMANDS:
            app.cli.add_command(command)
