"""``link-skills`` and ``normalise-titles``: text in, one JSON line per input line out.

Neither touches the database. stdout carries only JSON lines; progress goes to stderr.
"""

from __future__ import annotations

from typing import TextIO

from flask import current_app

from skillsmatch.commands.json_lines import Record, ranking_command, write_records


@ranking_command(
    "link-skills",
    top_k_help="Skills per line, the best whatever their score.",
    min_score_help="Keep only skills scoring at least this.",
)
def link_skills(top_k: int, min_score: float | None, source: TextIO) -> None:
    """Link each line of SOURCE (a file, or - for stdin) to ESCO skills, as JSON lines."""
    from skillsmatch.services.linking import get_skill_linker

    linker = get_skill_linker(current_app.config["CACHE_DIR"], progress=True)

    def records(batch: list[str]) -> list[Record]:
        out = []
        for text, result in zip(
            batch, linker.link_statements(batch, top_k, min_score), strict=True
        ):
            record: Record = {
                "text": text,
                "skills": [
                    {"uri": s.uri, "label": s.label, "score": round(s.score, 4)}
                    for s in result.skills
                ],
            }
            if result.reason:
                record["reason"] = result.reason
            out.append(record)
        return out

    write_records(source, " lines", records)


@ranking_command(
    "normalise-titles",
    top_k_help="Occupations per title, the best whatever their score.",
    min_score_help="Keep only occupations scoring at least this.",
)
def normalise_titles(top_k: int, min_score: float | None, source: TextIO) -> None:
    """Map each job title in SOURCE (a file, or - for stdin) to ESCO occupations and SOC 2020."""
    from skillsmatch.services.linking import get_title_normaliser

    normaliser = get_title_normaliser(current_app.config["CACHE_DIR"], progress=True)

    def records(batch: list[str]) -> list[Record]:
        return [
            {
                "text": title,
                "occupations": [
                    {
                        "uri": o.uri,
                        "label": o.label,
                        "score": round(o.score, 4),
                        "soc2020": o.soc2020,
                    }
                    for o in found
                ],
            }
            for title, found in zip(
                batch, normaliser.normalise(batch, top_k, min_score), strict=True
            )
        ]

    write_records(source, " titles", records)


COMMANDS = [link_skills, normalise_titles]
