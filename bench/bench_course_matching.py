"""Job title -> apprenticeship standard: ranking quality, abstention and advert coverage.

    .venv/bin/python -m bench.bench_course_matching [--seed N] [--calibrate]

The gold standard is the catalogue itself: each approved standard lists its typical job titles.
So that a query is never found by lookup, the distinct job titles (case and spacing ignored) are
split with a fixed seed, whatever standards list them: half are *indexed* (the matcher sees them
as the standards' job titles), a quarter are *dev* queries and a quarter *test* queries. A query's
gold is every standard listing it. A standard keeps its name in the index whatever happens to its
titles, so a standard whose only title went to the query side is found through its name and
overview alone; titles equal to a standard's name (after dropping "(integrated degree)"-style
qualifiers) are name lookups and stay indexed, never queries. Only the titles the standards list
themselves are split: the supplement (``job_titles_supplement.csv``) is not the standards' word,
so it is neither gold nor index here. Real titles and professions meet the catalogue as the
product has it, supplement included.

Systems, all ranking the 724 standards with the same index:
(a) embedding baseline: the best of cosine(title, name) and cosine(title, overview);
(b) word-overlap lookup: the best Jaccard overlap of the title's words with the name or an
    indexed job title of each standard;
(c) CourseMatcher, the hybrid, with the weights and thresholds of ``ml/course_matcher.json``.
``--calibrate`` fits those weights (logistic regression over the dev queries' candidates) and
chooses the thresholds on dev queries and a dev list of professions; the table reports the test
queries, which nothing is tuned on, beside dev.

Real titles: vacancy titles from the Adzuna 2013 and NHS Jobs 2020 adverts, each labelled with the
standards that train for it (``bench/data``): a dev set, on which the thresholds were chosen, and
a check set labelled the same way, on which nothing was.

Abstention: job titles no standard trains for (professions entered by degree or professional
qualification; each is checked absent from every approved standard's name and job titles), the
share that get no course; and the share of test queries wrongly left with none. Coverage: the
share of the shipped Greater Essex NHS adverts with at least one course, by title and by title
plus description.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.console import say  # noqa: E402
from ml import calibration  # noqa: E402
from ml.course_matching import (  # noqa: E402
    FEATURES,
    PARAMS_FILE,
    CourseMatcher,
    clean_course_name,
    tuned_params,
)
from ml.encoder import get_encoder  # noqa: E402
from ml.taxonomy import embed_cached  # noqa: E402
from ml.text import content_words  # noqa: E402
from skillsmatch.config import DATA_DIR, PROJECT_ROOT  # noqa: E402
from skillsmatch.services.course_matching import (  # noqa: E402
    occupation_index,
    standards_table,
)

SEED = 20261122
SHARES = {"indexed": 0.5, "dev": 0.25, "test": 0.25}
DEPTH = 10
CANDIDATES = 50  # per dev query, the candidates the weights are fitted on
TARGET_IN_SCOPE = 0.85  # of the in-scope real titles, kept by the abstention threshold
TARGET_KEEP = 0.98  # of the correct courses in a top 10, kept by the list threshold
PENALTIES = (0.0, 0.25, 0.5, 1.0, 2.0)  # segment penalties tried on the labelled real titles
LABELS = Path(__file__).with_name("data") / "vacancy_titles_dev.json"
# Labelled the same way, and never used to choose anything: a check on what dev suggests.
CHECK_LABELS = Path(__file__).with_name("data") / "vacancy_titles_check.json"
# Professions entered by a degree or a professional qualification that no standard trains for.
# Each key must be absent from every approved standard's name and job titles (checked below).
OUT_OF_SCOPE_TEST = {
    "Pharmacist": "pharmacist",
    "Fund manager": "fund manag",
    "Dentist": "dentist",
    "Orthodontist": "orthodontist",
    "Optometrist": "optometr",
    "Veterinary surgeon": "veterinary surgeon",
    "Judge": "judge",
    "Chiropractor": "chiropract",
    "Osteopath": "osteopath",
    "Stockbroker": "stockbrok",
    "Patent attorney": "patent",
    "Hedge fund portfolio manager": "hedge fund",
}
OUT_OF_SCOPE_DEV = {
    "Astronaut": "astronaut",
    "Vicar": "vicar",
    "Rabbi": "rabbi",
    "Diplomat": "diplomat",
    "Notary public": "notar",
    "University professor": "professor",
    "Homeopath": "homeopath",
    "Neurosurgeon": "neurosurg",
    "Meteorologist": "meteorolog",
    "Geneticist": "geneticist",
    "Zoologist": "zoologist",
    "Coroner": "coroner",
    "Magistrate": "magistrate",
    "Ballet dancer": "ballet",
    "Opera singer": "opera singer",
    "Astronomer": "astronom",
}


def _key(title: str) -> str:
    return " ".join(title.lower().split())


class MemoEncoder:
    """The real encoder behind an in-memory memo: every split reuses the same vectors."""

    def __init__(self, cache_dir: str, texts: Sequence[str], occupation_titles: list[str]) -> None:
        self.inner = get_encoder()
        self.name = self.inner.name
        self.max_tokens = self.inner.max_tokens
        # The occupation index titles exactly as the matcher embeds them, to share its cache.
        vectors = embed_cached(occupation_titles, self.inner, cache_dir, "soc2020-index-titles")
        self.memo = dict(zip(occupation_titles, np.asarray(vectors), strict=True))
        unique = sorted(set(texts))
        vectors = embed_cached(unique, self.inner, cache_dir, "bench-course-matching")
        self.memo.update(zip(unique, np.asarray(vectors), strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.memo})
        if missing:
            self.memo.update(zip(missing, self.inner.encode(missing), strict=True))
        if not len(texts):
            return np.zeros((0, self.inner.dimension), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])


def check_out_of_scope(courses: pd.DataFrame, professions: dict[str, str]) -> None:
    """Fail loudly when a profession said to have no standard appears in the catalogue."""
    texts = [
        " ; ".join([name, *titles])
        for name, titles in zip(courses["title"], courses["job_titles"], strict=True)
    ]
    for profession, key in professions.items():
        hits = [t for t in texts if re.search(r"\b" + re.escape(key), t, re.IGNORECASE)]
        if hits:
            raise SystemExit(f"{profession!r} is in the catalogue: {hits[0][:80]}")


def split_titles(courses: pd.DataFrame, seed: int) -> dict[str, str]:
    """Distinct job title (lower-cased) -> "indexed", "dev" or "test"."""
    names = {_key(clean_course_name(n)) for n in courses["title"]}
    titles = sorted({_key(t) for ts in courses["job_titles"] for t in ts} - names)
    order = np.random.default_rng(seed).permutation(len(titles))
    cut1 = int(SHARES["indexed"] * len(titles))
    cut2 = cut1 + int(SHARES["dev"] * len(titles))
    part = {}
    for rank, i in enumerate(order):
        part[titles[i]] = "indexed" if rank < cut1 else "dev" if rank < cut2 else "test"
    for name in names:
        part[name] = "indexed"
    return part


def indexed_courses(courses: pd.DataFrame, part: dict[str, str]) -> pd.DataFrame:
    out = courses.copy()
    out["job_titles"] = [[t for t in ts if part[_key(t)] == "indexed"] for ts in out["job_titles"]]
    return out


def queries(courses: pd.DataFrame, part: dict[str, str], side: str) -> tuple[list[str], list[set]]:
    """The query titles of one side (first spelling met) and their gold standards."""
    spelling: dict[str, str] = {}
    gold: dict[str, set[str]] = {}
    for ref, titles in zip(courses["ref"], courses["job_titles"], strict=True):
        for t in titles:
            k = _key(t)
            if part[k] == side:
                spelling.setdefault(k, t)
                gold.setdefault(k, set()).add(ref)
    keys = sorted(spelling)
    return [spelling[k] for k in keys], [gold[k] for k in keys]


def metrics(ranked: Sequence[Sequence[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    first = [
        next((i for i, r in enumerate(rs) if r in g), None)
        for rs, g in zip(ranked, gold, strict=True)
    ]
    return {
        "MRR": float(np.mean([0.0 if p is None else 1.0 / (p + 1) for p in first])),
        "R@1": float(np.mean([p is not None and p < 1 for p in first])),
        "R@5": float(np.mean([p is not None and p < 5 for p in first])),
        "R@10": float(np.mean([p is not None and p < 10 for p in first])),
    }


def top_refs(scores: np.ndarray, refs: np.ndarray, depth: int = DEPTH) -> list[list[str]]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    return [list(refs[row]) for row in order]


def embedding_baseline(matcher: CourseMatcher) -> Callable[[list[str]], np.ndarray]:
    """Cosine of the title with the standard's name or overview, whichever is closer."""

    def score(texts: list[str]) -> np.ndarray:
        v = matcher.encoder_.encode(texts)
        names = matcher.label_vectors_[matcher.label_starts_]
        return np.maximum(v @ names.T, v @ matcher.overview_vectors_.T)

    return score


def overlap_baseline(courses: pd.DataFrame) -> Callable[[list[str]], np.ndarray]:
    """Best Jaccard overlap of the title's words with the name or an indexed job title."""
    labels = [
        [content_words(n), *(content_words(t) for t in ts)]
        for n, ts in zip(courses["title"], courses["job_titles"], strict=True)
    ]

    def score(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(labels)), dtype=np.float32)
        for i, text in enumerate(texts):
            q = content_words(text)
            for c, sets in enumerate(labels):
                out[i, c] = max((len(q & s) / len(q | s) for s in sets if s), default=0.0)
        return out

    return score


def fit_weights(
    matcher: CourseMatcher, texts: list[str], gold: list[set[str]]
) -> tuple[np.ndarray, float]:
    """Logistic weights over the features of each query's best candidates (by the matcher's
    current weights) and its gold standards."""
    from sklearn.linear_model import LogisticRegression

    feats = matcher.variant_features(texts)
    top = np.argsort(-(feats @ matcher.coef_), axis=1)[:, :CANDIDATES]
    rows, labels = [], []
    for i, g in enumerate(gold):
        for c in sorted(set(top[i]) | {c for c, r in enumerate(matcher.refs_) if r in g}):
            rows.append(feats[i, c])
            labels.append(matcher.refs_[c] in g)
    model = LogisticRegression(C=10.0, max_iter=5000).fit(np.array(rows), np.array(labels))
    return model.coef_[0], float(model.intercept_[0])


def real_titles(adverts_dir: Path, path: Path = LABELS) -> tuple[list[str], list[set[str]]] | None:
    """The labelled real vacancy titles of ``path`` (``bench/data``), read from the adverts they
    came from; None when the adverts are not there. Titles met twice (case ignored) count once."""
    labels = json.loads(path.read_text())
    adzuna = adverts_dir / "adzuna-uk-2013-sample" / "Train_rev1_first2499.csv"
    nhs = adverts_dir / "nhs-jobs-2020" / "vacancies.jsonl.gz"
    if not (adzuna.exists() and nhs.exists()):
        return None
    frame = pd.read_csv(adzuna, usecols=["Id", "Title"], dtype=str)
    titles = {("adzuna", i): t for i, t in zip(frame["Id"], frame["Title"], strict=True)}
    with gzip.open(nhs, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if str(row["id"]) in labels["nhs-jobs-2020"]:
                titles[("nhs-jobs-2020", str(row["id"]))] = row["title"]
    texts, gold, seen = [], [], set()
    for source in ("adzuna", "nhs-jobs-2020"):
        for advert_id, refs in labels[source].items():
            title = titles[(source, advert_id)]
            if _key(title) not in seen:
                seen.add(_key(title))
                texts.append(title)
                gold.append(set(refs))
    return texts, gold


def calibrate(
    args: argparse.Namespace,
    catalogue: pd.DataFrame,
    courses: pd.DataFrame,
    encoder: MemoEncoder,
    occupations: pd.DataFrame,
) -> None:
    """Weights on the dev split of ``catalogue``; segment penalty, thresholds on the labelled
    real titles against ``courses``."""
    real = real_titles(args.adverts)
    if real is None:
        raise SystemExit(f"--calibrate needs the labelled adverts under {args.adverts}")
    part = split_titles(catalogue, args.seed)
    index = indexed_courses(catalogue, part)
    texts, gold = queries(catalogue, part, "dev")
    params: dict[str, object] = {}
    for _ in range(2):
        # The second round re-selects the candidates with the weights of the first.
        matcher = CourseMatcher(encoder=encoder, **params).fit(index, occupations=occupations)
        weights, intercept = fit_weights(matcher, texts, gold)
        params = {"weights": tuple(weights), "intercept": intercept}

    # Real titles meet the full catalogue, as they would in use.
    real_texts, real_gold = real
    in_scope = [i for i, g in enumerate(real_gold) if g]
    full = CourseMatcher(encoder=encoder, **params).fit(courses, occupations=occupations)
    best_mrr = -1.0
    for penalty in PENALTIES:
        full.set_params(segment_penalty=penalty)
        scores = full.scores([real_texts[i] for i in in_scope])
        mrr = metrics(top_refs(scores, full.refs_), [real_gold[i] for i in in_scope])["MRR"]
        if mrr > best_mrr + 1e-9:
            best_mrr, params["segment_penalty"], kept_scores = mrr, penalty, scores
    full.set_params(segment_penalty=params["segment_penalty"])
    best_in = kept_scores.max(axis=1)
    outside = [*OUT_OF_SCOPE_DEV, *(t for t, g in zip(real_texts, real_gold, strict=True) if not g)]
    best_out = full.scores(outside).max(axis=1)
    # The abstention threshold: the highest that keeps TARGET_IN_SCOPE of the in-scope titles,
    # since wrongly telling someone "no course" costs more than one course too many.
    abstain = float(np.quantile(best_in, 1 - TARGET_IN_SCOPE, method="lower"))
    emptied = float((best_out < abstain).mean())
    ranked = np.argsort(-kept_scores, axis=1)[:, :DEPTH]
    top_scores = np.take_along_axis(kept_scores, ranked, axis=1).ravel()
    correct = np.array(
        [
            full.refs_[c] in real_gold[i]
            for row, i in zip(ranked, in_scope, strict=True)
            for c in row
        ]
    )
    keep = min(calibration.recall_threshold(top_scores, correct, TARGET_KEEP), abstain)
    saved = {
        "weights": [round(float(w), 4) for w in weights],
        "intercept": round(intercept, 4),
        "segment_penalty": params["segment_penalty"],
        "abstain_threshold": round(abstain, 4),
        "list_threshold": round(float(keep), 4),
        "_features": list(FEATURES),
        "_how": (
            f"python -m bench.bench_course_matching --calibrate (seed {args.seed}): logistic "
            f"weights over the {CANDIDATES} best candidates of {len(texts)} dev job titles held "
            "out of the index; segment penalty for the best MRR on the labelled real vacancy "
            f"titles ({len(in_scope)} in scope); abstention threshold keeping "
            f"{TARGET_IN_SCOPE:.0%} of those (it empties {emptied:.0%} of {len(outside)} "
            "out-of-scope dev professions and real titles); "
            f"list threshold keeping {TARGET_KEEP:.0%} of the correct standards in their top "
            f"{DEPTH}"
        ),
    }
    PARAMS_FILE.write_text(json.dumps(saved, indent=2) + "\n")
    say(json.dumps(saved, indent=2))


def nhs_adverts(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "nhs-jobs" / "greater_essex_vacancies.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return pd.DataFrame([json.loads(line) for line in fh])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--adverts",
        type=Path,
        default=Path("/work/shared/data"),
        help="folder holding adzuna-uk-2013-sample/ and nhs-jobs-2020/ (read, never copied)",
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="fit weights and thresholds on dev, then stop"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    # The split and its gold use the standards' own job titles; real titles, out-of-scope
    # professions and adverts meet the catalogue as the product has it, supplement included.
    catalogue = standards_table(DATA_DIR, supplement=False)
    courses = standards_table(DATA_DIR)
    check_out_of_scope(courses, OUT_OF_SCOPE_TEST | OUT_OF_SCOPE_DEV)
    occupations = occupation_index(DATA_DIR)
    adverts = nhs_adverts(DATA_DIR)
    reals = {
        name: labelled
        for name, path in (("real titles", LABELS), ("real titles, check", CHECK_LABELS))
        if (labelled := real_titles(args.adverts, path)) is not None
    }
    texts = [
        *courses["title"].map(clean_course_name),
        *courses["overview"],
        *(t for ts in courses["job_titles"] for t in ts),
        *OUT_OF_SCOPE_TEST,
        *OUT_OF_SCOPE_DEV,
    ]
    say(f"embedding {len(set(texts))} texts (cached after the first run)", sys.stderr)
    encoder = MemoEncoder(args.cache_dir, texts, sorted(set(occupations["title"])))
    if args.calibrate:
        calibrate(args, catalogue, courses, encoder, occupations)
        return 0

    part = split_titles(catalogue, args.seed)
    index = indexed_courses(catalogue, part)
    params = tuned_params()
    matcher = CourseMatcher(encoder=encoder, **params).fit(index, occupations=occupations)
    full = CourseMatcher(encoder=encoder, **params).fit(courses, occupations=occupations)
    rows = []
    sets = [(side, index, matcher, *queries(catalogue, part, side)) for side in ("dev", "test")]
    for name, labelled in reals.items():
        real_in = [(t, g) for t, g in zip(*labelled, strict=True) if g]
        sets.append((name, courses, full, [t for t, _ in real_in], [g for _, g in real_in]))
    for name, table, fitted, texts, gold in sets:
        systems = {
            "(a) embedding: name/overview": embedding_baseline(fitted),
            "(b) word-overlap lookup": overlap_baseline(table),
            "(c) CourseMatcher": fitted.scores,
        }
        for system, score in systems.items():
            ranked = top_refs(score(texts), fitted.refs_)
            rows.append(
                {"queries": f"{name} (n={len(texts)})", "system": system, **metrics(ranked, gold)}
            )
    table = pd.DataFrame(rows).set_index(["queries", "system"])
    n_titles = sum(len(ts) for ts in index["job_titles"])
    say(
        f"{len(courses)} approved standards. dev/test: held-out catalogue job titles (seed "
        f"{args.seed}); index: names, overviews and {n_titles} job titles; weights fitted on "
        "dev. real titles: labelled Adzuna 2013 and NHS Jobs 2020 vacancy titles against the "
        "full catalogue; thresholds and segment penalty chosen on them (dev)."
    )
    say(table.to_string(float_format=lambda x: f"{x:.3f}"))

    test_texts, _ = queries(catalogue, part, "test")
    # The same matchers without the occupation rule, for its effect in this run.
    ungated = {
        id(m): CourseMatcher(**{**m.get_params(deep=False), "mismatch_confidence": np.inf}).fit(
            table, occupations=occupations
        )
        for m, table in ((matcher, index), (full, courses))
    }

    def empty_share(m: CourseMatcher, texts: list[str]) -> str:
        now = np.mean([not found for found in m.match(texts)])
        before = np.mean([not found for found in ungated[id(m)].match(texts)])
        return f"{now:.1%} of {len(texts)} ({before:.1%} without the occupation rule)"

    say("")
    say(
        f"abstention (threshold {full.abstain_threshold_:.3f}; occupation rule: group share "
        f">= {full.mismatch_confidence}, best course's agreement < {full.mismatch_agreement}):"
    )
    # Out-of-scope titles meet the full catalogue, as they would in use.
    for label, m, texts in (
        ("out-of-scope test professions given no course ", full, [*OUT_OF_SCOPE_TEST]),
        ("out-of-scope dev professions given no course  ", full, [*OUT_OF_SCOPE_DEV]),
        ("held-out test titles wrongly given no course  ", matcher, test_texts),
    ):
        say(f"  {label} {empty_share(m, texts)}")
    for name, (texts, gold) in reals.items():
        found = full.match(texts)
        kept = np.mean([bool(m) for m, g in zip(found, gold, strict=True) if g])
        emptied = [not m for m, g in zip(found, gold, strict=True) if not g]
        listed = [[c.ref for c in m] for m, g in zip(found, gold, strict=True) if g]
        after = metrics(listed, [g for g in gold if g])
        say(
            f"  {name}: in-scope wrongly given no course {1 - kept:.1%} of {len(listed)}; "
            f"out-of-scope given none {sum(emptied)} of {len(emptied)}; as listed (an empty "
            "list misses): " + ", ".join(f"{k} {v:.3f}" for k, v in after.items())
        )
    outside = full.match(list(OUT_OF_SCOPE_TEST))
    nearest = full.scores(list(OUT_OF_SCOPE_TEST))
    for profession, found, row in zip(OUT_OF_SCOPE_TEST, outside, nearest, strict=True):
        best = row.argmax()
        why = (
            "listed"
            if found
            else "none: "
            + ("below threshold" if row[best] < full.abstain_threshold_ else "occupation rule")
        )
        say(f"    {profession:30s} {why:27s} nearest {full.titles_[best]} ({row[best]:.2f})")

    by_title = full.match(list(adverts["title"]))
    whole = [f"{t}\n{d}" for t, d in zip(adverts["title"], adverts["description"], strict=True)]
    by_text = full.match(whole)
    say("")
    say(f"NHS Greater Essex adverts (n={len(adverts)}) with at least one course, full index:")
    say(f"  by title                {np.mean([bool(m) for m in by_title]):.0%}")
    say(f"  by title + description  {np.mean([bool(m) for m in by_text]):.0%}")
    say(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
