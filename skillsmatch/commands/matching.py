"""``match-courses``: job titles or adverts in, the courses that train for them out, as JSON lines.

It reads the database's courses, or the shipped approved standards when the database has none
(or there is no database at all), so it works without a running site. stdout carries only JSON
lines; where the courses came from and progress go to stderr.
"""

from __future__ import annotations

from typing import TextIO

import click
from flask import current_app

from skillsmatch.commands.json_lines import Record, ranking_command, write_records


@ranking_command(
    "match-courses",
    top_k_help="Most courses per line.",
    min_score_help="Keep only courses scoring at least this. Without it, a line whose best "
    "course is under the matcher's abstention threshold gets no course.",
)
def match_courses(top_k: int, min_score: float | None, source: TextIO) -> None:
    """Match each job title or advert in SOURCE (a file, or - for stdin) to courses, as JSON lines.

    Each line gives {"text": ..., "courses": [{"ref", "title", "score"}, ...]}, best first; ref
    is the standard's reference (ST0123) or, for other courses, the course's public id. An empty
    list means no course trains for it.
    """
    from skillsmatch.extensions import db
    from skillsmatch.services.course_matching import get_course_matcher

    matcher, origin = get_course_matcher(current_app.config["CACHE_DIR"], db.session)
    click.echo(f"matching against {len(matcher.refs_)} courses ({origin})", err=True)

    def records(batch: list[str]) -> list[Record]:
        return [
            {
                "text": text,
                "courses": [
                    {"ref": c.ref, "title": c.title, "score": round(c.score, 4)} for c in found
                ],
            }
            for text, found in zip(batch, matcher.match(batch, top_k, min_score), strict=True)
        ]

    write_records(source, " lines", records)


COMMANDS = [match_courses]
