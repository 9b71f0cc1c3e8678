"""Advert -> ESCO occupation: the occupation a vacancy is filed under, title alone or in context.

    .venv/bin/python -m bench.bench_vacancy_occupations

A vacancy's ESCO occupation decides which pathways show it as a live job and, through its SOC
group, its sector in the gap reports. Advert titles are short and often ambiguous ("Chill
Assistant", "Band 6 Radiographer"), so the loader reads each title with the first sentences of
the advert that name skills (``skillsmatch.loaders.vacancies.title_context``; the skill linker's
sentence filter leaves the employer's blurb out). This compares, in the same run, on the shipped
Greater Essex NHS adverts, the title alone (baseline) with the title in context (what the loader
does):

- judged: on 120 adverts whose candidate occupations were judged by hand
  (``bench/data/vacancy_occupation_judgements.json``), the share whose chosen occupation was
  judged acceptable, over the adverts where some candidate was, also on the even and odd items.
  The context weight is the one chosen on apprenticeship job titles
  (``bench.bench_course_occupations``); nothing was tuned on these adverts. A choice outside the
  judged candidates is counted apart as unjudged, not as wrong.
- health or care: the share of all adverts filed under an occupation whose SOC 2020 unit group
  is in sub-major group 22 (health professionals), 32 (health and social care associate
  professionals) or 61 (caring personal services); NHS adverts are mostly such jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_course_occupations import judged_shares  # noqa: E402
from bench.console import say  # noqa: E402
from skillsmatch.config import DATA_DIR, PROJECT_ROOT  # noqa: E402
from skillsmatch.loaders.standards import Readers  # noqa: E402
from skillsmatch.loaders.vacancies import read_adverts, read_nhs_extract  # noqa: E402
from skillsmatch.services.linking import get_skill_linker, get_title_normaliser  # noqa: E402

JUDGEMENTS = Path(__file__).with_name("data") / "vacancy_occupation_judgements.json"
HEALTH_OR_CARE = ("22", "32", "61")  # SOC 2020 sub-major groups


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    readers = Readers(
        get_skill_linker(args.cache_dir, progress=True),
        get_title_normaliser(args.cache_dir, progress=True),
    )
    normaliser = readers.title_normaliser
    adverts = list(read_nhs_extract(DATA_DIR))
    refs = [a["source_ref"] for a in adverts]
    alone = normaliser.normalise([a["title"] for a in adverts], top_k=1)
    _, in_context = read_adverts(readers, adverts)
    systems = {
        name: {ref: found[0].uri for ref, found in zip(refs, chosen, strict=True) if found}
        for name, chosen in (("title alone", alone), ("title in context", in_context))
    }
    soc_of = dict(zip(normaliser.uris_, normaliser.soc2020_, strict=True))
    items = json.loads(JUDGEMENTS.read_text())["items"]
    baseline = systems["title alone"]
    rows = []
    for name, chosen in systems.items():
        care = sum(soc_of.get(uri, "").startswith(HEALTH_OR_CARE) for uri in chosen.values())
        rows.append(
            {
                "system": name,
                **judged_shares(chosen, items, lambda i: i["source_ref"]),
                "health or care": f"{care / len(adverts):.3f} ({care}/{len(adverts)})",
                "changed": f"{np.mean([chosen.get(r) != baseline.get(r) for r in refs]):.3f}",
            }
        )
    say(
        f"{len(adverts)} Greater Essex NHS adverts; context weight {normaliser.context_weight}, "
        "the title with up to 3 of the advert's sentences that name skills."
    )
    say(pd.DataFrame(rows).set_index("system").to_string())
    say(f"\n{time.perf_counter() - t0:.0f} s", sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
