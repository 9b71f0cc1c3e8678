"""Vacancy title -> ESCO occupation: agreement with the job board's label against judged fit.

    .venv/bin/python -m bench.bench_vacancy_titles [--dev-dir DIR]

The JobBERT vacancy-title set (Decorte et al. 2021) pairs each title with the one ESCO occupation
its job board filed it under, and ``bench.bench_linking`` scores rankings against that label
(MRR, R@k). One label per title cannot tell a wrong reading from another acceptable one ("IT
Assistant": ICT technician or the board's choice), nor a good reading from a board label that
does not fit the title ("STOCK CLERK" filed under typist). So 100 titles drawn at random were
judged by hand (``bench/data/vacancy_title_judgements.json``): for each, the board's label and
both systems' first occupations, shown alphabetically without saying which proposed them.

Printed for the plain-cosine baseline, ``TitleNormaliser`` and the board's own label, on those
100 titles: the share whose first occupation is the board's label; the share judged acceptable,
of the titles where some candidate was (and on the even and odd items); and, on the whole
validation set, MRR against the board's label, for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_course_occupations import judged_shares  # noqa: E402
from bench.bench_linking import RANK_DEPTH, cosine_ranker, title_metrics  # noqa: E402
from bench.console import say  # noqa: E402
from skillsmatch.config import PROJECT_ROOT  # noqa: E402
from skillsmatch.services.linking import get_title_normaliser  # noqa: E402

JUDGEMENTS = Path(__file__).with_name("data") / "vacancy_title_judgements.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev-dir", type=Path, default=Path("/work/shared/data/dev-sets"))
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    args = parser.parse_args(argv)
    path = args.dev_dir / "vacancy-titles" / "titles.csv"
    if not path.exists():
        say(f"{path} not found: the vacancy titles are read from there, never shipped", sys.stderr)
        return 2
    t0 = time.perf_counter()
    frame = pd.read_csv(path, index_col=0)
    titles = frame["vacancyTitle"].astype(str).tolist()
    board = frame["conceptUri"].astype(str).tolist()
    normaliser = get_title_normaliser(args.cache_dir, progress=True)
    preferred = normaliser.index_.vectors[normaliser.index_.is_preferred]
    rankings = {
        "baseline: cosine with preferred label": cosine_ranker(
            normaliser.encoder_, preferred, normaliser.uris_
        )(titles),
        "TitleNormaliser": [
            [o.uri for o in found] for found in normaliser.normalise(titles, top_k=RANK_DEPTH)
        ],
    }
    items = json.loads(JUDGEMENTS.read_text())["items"]
    position = {row: i for i, row in enumerate(frame.index)}
    sample = [position[item["row"]] for item in items]
    rows = []
    for name, ranked in [*rankings.items(), ("the board's label", [[b] for b in board])]:
        chosen = {frame.index[i]: ranked[i][0] for i in sample if ranked[i]}
        agree = sum(chosen.get(frame.index[i]) == board[i] for i in sample)
        whole = title_metrics(ranked, board)
        rows.append(
            {
                "system": name,
                "board's label first": f"{agree / len(sample):.2f}",
                **judged_shares(chosen, items, lambda item: item["row"]),
                f"MRR, all {len(titles)}": f"{whole['MRR']:.3f}",
            }
        )
    attainable = sum(bool(item["acceptable"]) for item in items)
    say(
        f"{len(items)} judged vacancy titles ({attainable} with an acceptable candidate); "
        "'judged' is the first occupation judged acceptable, over those."
    )
    say(pd.DataFrame(rows).set_index("system").to_string())
    say(f"\n{time.perf_counter() - t0:.0f} s", sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
