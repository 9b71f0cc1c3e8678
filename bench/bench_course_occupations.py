"""Apprenticeship standard -> ESCO occupations: are the links pathways are built on right?

    .venv/bin/python -m bench.bench_course_occupations

Each approved standard is linked to the ESCO occupation of its name and of each of its typical
job titles; learners' pathways lead from the course to those occupations. A job title alone is
often ambiguous ("Ranger" on an outdoor activity course, "Mobile officer" on a security one), so
the loader reads each title in the context of the standard's name and overview. This compares,
in the same run, the title alone (baseline) with the title in context (what the loader does):

- judged: on 120 (standard, job title) pairs whose candidate occupations were judged by hand
  (``bench/data/course_occupation_judgements.json``), the share whose chosen occupation was
  judged acceptable, over the pairs where some candidate was; also split into the even items
  (on which the context weight was chosen) and the odd ones (not used to choose it). A choice
  outside the judged candidates is counted apart as unjudged, not as wrong.
- ONS agreement: on the job titles that appear verbatim in the ONS SOC 2020 coding index, the
  share whose occupation is in the ISCO-08 group the index gives. It favours the title alone,
  whose score already includes the best index title of each ISCO group.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_course_matching import _key  # noqa: E402
from bench.console import say  # noqa: E402
from skillsmatch import reference_data  # noqa: E402
from skillsmatch.config import DATA_DIR, PROJECT_ROOT  # noqa: E402
from skillsmatch.loaders.standards import course_occupations  # noqa: E402
from skillsmatch.models import Course  # noqa: E402
from skillsmatch.services.course_matching import standards_table  # noqa: E402
from skillsmatch.services.linking import get_title_normaliser  # noqa: E402

JUDGEMENTS = Path(__file__).with_name("data") / "course_occupation_judgements.json"


def judged_shares(
    chosen: dict[Hashable, str],
    items: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], Hashable],
) -> dict[str, str]:
    """Acceptable / attainable items, overall and on the even and odd items; unjudged apart.

    ``chosen`` maps ``key(item)`` to the occupation URI a system chose for it.
    """
    out = {}
    for name, part in (("judged", items), ("even", items[::2]), ("odd", items[1::2])):
        attainable = [i for i in part if i["acceptable"]]
        hits = sum(chosen.get(key(i)) in i["acceptable"] for i in attainable)
        out[name] = f"{hits / len(attainable):.3f} ({hits}/{len(attainable)})"
    out["unjudged"] = str(sum(chosen.get(key(i)) not in i["judged"] for i in items))
    return out


def ons_agreement(
    chosen: dict[tuple[str, str], str], isco_of: dict[str, str], index: pd.DataFrame
) -> str:
    groups = index.assign(key=index["title"].map(_key)).groupby("key")["isco08"].agg(set)
    found = [(uri, groups[_key(t)]) for (_, t), uri in chosen.items() if _key(t) in groups]
    agree = sum(isco_of.get(uri) in g for uri, g in found)
    return f"{agree / len(found):.3f} ({agree}/{len(found)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    normaliser = get_title_normaliser(args.cache_dir, progress=True)
    # The standards' own job titles, from which the judged sample was drawn.
    table = standards_table(DATA_DIR, supplement=False)
    courses = [
        Course(reference=r.ref, title=r.title, overview=r.overview, job_titles=list(r.job_titles))
        for r in table.itertuples()
    ]
    pairs = [(c, t) for c in courses for t in dict.fromkeys([c.title, *c.job_titles])]
    alone = normaliser.normalise([t for _, t in pairs], top_k=1)
    systems = {
        "title alone": {
            (c.reference, t): found[0].uri
            for (c, t), found in zip(pairs, alone, strict=True)
            if found
        },
        "title in context": {
            (c.reference, t): m.uri for c, t, m in course_occupations(courses, normaliser)
        },
    }
    items = json.loads(JUDGEMENTS.read_text())["items"]
    isco_of = dict(
        zip(normaliser.uris_, reference_data.read_esco_occupations()["isco08"], strict=True)
    )
    index = reference_data.read_soc_index()
    baseline = systems["title alone"]
    rows = []
    for name, chosen in systems.items():
        rows.append(
            {
                "system": name,
                **judged_shares(chosen, items, lambda i: (i["ref"], i["title"])),
                "ONS agreement": ons_agreement(chosen, isco_of, index),
                "changed": f"{np.mean([chosen[k] != baseline.get(k) for k in chosen]):.3f}",
            }
        )
    say(
        f"{len(courses)} approved standards, {len(pairs)} distinct (standard, title) pairs; "
        f"context weight {normaliser.context_weight}."
    )
    say(pd.DataFrame(rows).set_index("system").to_string())
    say(f"\n{time.perf_counter() - t0:.0f} s", sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
