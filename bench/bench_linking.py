"""Skill linking and title normalisation: quality against public dev sets, speed and memory.

    .venv/bin/python -m bench.bench_linking [--dev-dir DIR] [--adverts DIR] [--quick]

Quality, baseline and SkillLinker in the same run:
- ESCO sentence-skills TECH and HOUSE validation (Decorte et al. 2022): RP@5, RP@10, MRR, with
  RP@K = gold skills in the top K / min(K, number of gold skills), averaged over sentences; rows
  are grouped by sentence and sentences whose only labels are LABEL NOT PRESENT / UNDERSPECIFIED
  are left out.
- SkillSkape dev (synthetic): the same metrics.
- Vacancy titles (JobBERT, Decorte et al. 2021) -> ESCO occupation: MRR, R@1, R@5, R@10.
The baseline is the plain cosine between the text and each concept's preferred label.

Speed: linked sentences per second on real advert sentences, as a ratio to the bare encoder
rate in the same run; peak RSS; cold start to the first linked sentence with a warm cache.

    .venv/bin/python -m bench.bench_linking --tune-encoder [--device cuda]

trains the query encoder's low-rank update on ESCO's alternative skill labels (each towards its
skill's preferred label; about 26 minutes on two cores) and writes ``ml/skill_query_lora.npz``.
The adapter and the filter read its vectors, so both are re-trained after it:

    .venv/bin/python -m bench.bench_linking --calibrate

re-trains the sentence adapter on SkillSkape train (80%, about a minute on two cores), fits the
score calibration and both thresholds on the other 20%, and writes ``ml/skill_adapter.npz`` and
``ml/skill_linker.json`` with the settings in ``CHOSEN``. No evaluation split is trained on.

    .venv/bin/python -m bench.bench_linking --train-filter

trains the skill-sentence filter on SkillSpan train (adverts split 80/20; the threshold keeps 97%
of the held-out sentences that name a skill), prints its held-out figures and writes
``ml/skill_sentence_filter.npz``, named in ``ml/skill_linker.json``.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.console import say  # noqa: E402
from ml import calibration  # noqa: E402
from ml.adapter import train_adapter  # noqa: E402
from ml.linking import PARAMS_FILE, SkillLinker, tuned_params  # noqa: E402
from ml.sentence_filter import train_sentence_filter  # noqa: E402
from ml.text import prepare  # noqa: E402
from skillsmatch import reference_data  # noqa: E402
from skillsmatch.config import PROJECT_ROOT  # noqa: E402
from skillsmatch.services.linking import get_skill_linker, get_title_normaliser  # noqa: E402

# Chosen on TECH and HOUSE validation and SkillSkape dev together (see README in ml/).
CHOSEN: dict[str, object] = {
    "use_alt_labels": False,
    "lexical_weight": 0.2,
}
ADAPTER = {"epochs": 40, "identity_penalty": 0.01, "temperature": 0.05}
# The query encoder's update, trained on ESCO's alternative labels alone (see ml/README.md).
ENCODER_TUNING = {"rank": 8, "alpha": 16.0, "epochs": 2, "batch_size": 64, "learning_rate": 5e-4}
TARGET_PRECISION = 0.75  # stored without review
TARGET_RECALL = 0.9  # of the correct skills in the top 10, kept as suggestions
NOT_GOLD = {"LABEL NOT PRESENT", "UNDERSPECIFIED", "UNDERLYING", "UNK"}
RANK_DEPTH = 100

Ranker = Callable[[list[str]], list[list[str]]]


def sentence_gold(frame: pd.DataFrame, uri_of: dict[str, str]) -> list[tuple[str, set[str]]]:
    """(sentence, gold skill URIs) for the sentences with at least one skill in ESCO."""
    out = []
    for sentence, rows in frame.groupby("sentence", sort=False):
        gold = {
            uri_of[label] for label in rows["label"] if label not in NOT_GOLD and label in uri_of
        }
        if gold:
            out.append((str(sentence), gold))
    return out


def skillskape_gold(path: Path, uri_of: dict[str, str]) -> list[tuple[str, set[str]]]:
    frame = pd.read_csv(path)
    out = []
    for sentence, labels in zip(frame["sentence"], frame["skills"], strict=True):
        gold = {uri_of[x] for x in ast.literal_eval(labels) if x not in NOT_GOLD and x in uri_of}
        if gold:
            out.append((str(sentence), gold))
    return out


def ranking_metrics(ranked: Sequence[Sequence[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    rp5, rp10, rr = [], [], []
    for ranks, g in zip(ranked, gold, strict=True):
        rp5.append(len(set(ranks[:5]) & g) / min(5, len(g)))
        rp10.append(len(set(ranks[:10]) & g) / min(10, len(g)))
        first = next((i for i, uri in enumerate(ranks) if uri in g), None)
        rr.append(0.0 if first is None else 1.0 / (first + 1))
    return {"RP@5": np.mean(rp5), "RP@10": np.mean(rp10), "MRR": np.mean(rr)}


def title_metrics(ranked: Sequence[Sequence[str]], gold: Sequence[str]) -> dict[str, float]:
    pos = [list(r).index(g) if g in r else None for r, g in zip(ranked, gold, strict=True)]
    return {
        "MRR": np.mean([0.0 if p is None else 1 / (p + 1) for p in pos]),
        "R@1": np.mean([p is not None and p < 1 for p in pos]),
        "R@5": np.mean([p is not None and p < 5 for p in pos]),
        "R@10": np.mean([p is not None and p < 10 for p in pos]),
    }


def cosine_ranker(encoder, vectors: np.ndarray, uris: np.ndarray) -> Ranker:  # type: ignore[no-untyped-def]
    """The baseline: plain cosine with one vector per concept."""

    def rank(texts: list[str]) -> list[list[str]]:
        out = []
        for start in range(0, len(texts), 256):
            sims = encoder.encode(texts[start : start + 256]) @ vectors.T
            top = np.argsort(-sims, axis=1)[:, :RANK_DEPTH]
            out.extend([list(uris[row]) for row in top])
        return out

    return rank


def advert_texts(adverts_dir: Path, n_sentences: int) -> list[str]:
    """Real advert descriptions (NHS Jobs 2020, HTML) holding about ``n_sentences`` sentences."""
    texts, total = [], 0
    with gzip.open(adverts_dir / "nhs-jobs-2020" / "vacancies.jsonl.gz", "rt") as fh:
        for line in fh:
            text = json.loads(line).get("description") or ""
            count = len(prepare(text).sentences)
            if count == 0 or total + count > n_sentences:
                continue
            texts.append(text)
            total += count
            if total >= n_sentences * 0.995:
                break
    return texts


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start(cache_dir: str, repeats: int) -> tuple[float, float]:
    """Median seconds from process start to the first linked sentence, and that process's
    peak RSS in MB. The peak is read from ``VmHWM``, which starts afresh with the new program;
    ``ru_maxrss`` would carry over this (larger) process's peak through fork and exec."""
    code = (
        "from skillsmatch.services.linking import get_skill_linker;"
        f"get_skill_linker({cache_dir!r}).link(['Experience of Python and SQL is essential.']);"
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    times, peaks = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        peaks.append(int(done.stdout.split()[-1]) / 1024)
    return statistics.median(times), statistics.median(peaks)


def tune_encoder(cache_dir: str, device: str) -> None:
    """Train the query encoder's low-rank update on ESCO alternative labels; name it in ml/."""
    from ml.encoder_tuning import tune_query_encoder

    skills = reference_data.read_esco_skills()
    plain = SkillLinker(
        cache_dir=cache_dir, taxonomy_version=reference_data.ESCO_VERSION, **CHOSEN
    ).fit(skills)
    texts, positives = [], []
    for row, alts in enumerate(skills["alt_labels"]):
        texts += alts
        positives += [[row]] * len(alts)
    say(f"tuning the query encoder on {len(texts)} ESCO alternative labels", sys.stderr)
    update = tune_query_encoder(
        plain.encoder_,
        texts,
        positives,
        plain.index_.vectors[plain.index_.is_preferred],
        device=device,
        progress=True,
        **ENCODER_TUNING,
    )
    path = PARAMS_FILE.with_name("skill_query_lora.npz")
    update.save(path)
    params = json.loads(PARAMS_FILE.read_text())
    params["query_update"] = path.name
    PARAMS_FILE.write_text(json.dumps(params, indent=2) + "\n")
    say(f"wrote {path.name} ({update.tag}); now re-run --calibrate and --train-filter")


def calibrate(dev_dir: Path, cache_dir: str) -> None:
    """Train the adapter, fit calibration and thresholds on SkillSkape train; write them to ml/."""
    skills = reference_data.read_esco_skills()
    uri_of = dict(zip(skills["label"], skills["uri"], strict=True))
    pairs = skillskape_gold(dev_dir / "skillskape" / "train.csv", uri_of)
    held = {p[0] for p in skillskape_gold(dev_dir / "skillskape" / "dev.csv", uri_of)}
    pairs = [p for p in pairs if p[0] not in held]
    order = np.random.default_rng(0).permutation(len(pairs))
    cut = int(0.8 * len(pairs))
    version = reference_data.ESCO_VERSION
    saved = json.loads(PARAMS_FILE.read_text())
    update = tuned_params().get("query_update")
    plain = SkillLinker(
        cache_dir=cache_dir,
        taxonomy_version=version,
        query_update=update,
        **CHOSEN,
    ).fit(skills)
    vectors = plain.query_encoder_.encode([p[0] for p in pairs])
    row = {uri: i for i, uri in enumerate(plain.uris_)}
    concepts = plain.index_.vectors[plain.index_.is_preferred]
    fit_rows = order[:cut]
    say(f"training the adapter on {len(fit_rows)} SkillSkape train sentences", sys.stderr)
    weight = train_adapter(
        vectors[fit_rows], [[row[u] for u in pairs[i][1]] for i in fit_rows], concepts, **ADAPTER
    )
    adapter = PARAMS_FILE.with_name("skill_adapter.npz")
    np.savez_compressed(adapter, weight=weight, model=np.array(plain.query_encoder_.name))

    linker = SkillLinker(
        cache_dir=cache_dir,
        taxonomy_version=version,
        query_update=update,
        adapter=adapter,
        **CHOSEN,
    )
    linker.fit(skills)
    cal_rows = order[cut:]
    raw = linker.raw_scores([pairs[i][0] for i in cal_rows], vectors[cal_rows])
    top = np.argsort(-raw, axis=1)[:, :10]
    scores = np.take_along_axis(raw, top, axis=1).ravel()
    correct = np.array(
        [linker.uris_[c] in pairs[i][1] for i, t in zip(cal_rows, top, strict=True) for c in t]
    )
    slope, intercept = calibration.fit_calibration(scores, correct)
    probs = 1 / (1 + np.exp(-(slope * scores + intercept)))
    high = calibration.precision_threshold(probs, correct, TARGET_PRECISION)
    low = min(calibration.recall_threshold(probs, correct, TARGET_RECALL), high)
    params = {
        **CHOSEN,
        **{k: v for k, v in saved.items() if k in ("sentence_filter", "query_update")},
        "adapter": adapter.name,
        "calibration": [round(slope, 4), round(intercept, 4)],
        "precision_threshold": round(high, 4),
        "suggestion_threshold": round(low, 4),
        "_how": (
            "python -m bench.bench_linking --tune-encoder, then --calibrate: query encoder tuned "
            "on ESCO alternative labels; adapter trained on 80% of SkillSkape "
            f"train, calibration and thresholds on the other {len(cal_rows)} sentences (top 10 "
            f"each); precision threshold for {TARGET_PRECISION:.0%} precision, suggestion "
            f"threshold keeping {TARGET_RECALL:.0%} of the correct skills in the top 10"
        ),
    }
    PARAMS_FILE.write_text(json.dumps(params, indent=2) + "\n")
    say(json.dumps(params, indent=2))


def train_filter(dev_dir: Path) -> None:
    """Train the skill-sentence filter on SkillSpan train and name it in ml/skill_linker.json."""
    from ml.encoder import get_encoder

    # The filter reads the vectors the linker reads sentences with: the tuned encoder's.
    update = tuned_params().get("query_update")

    records = [json.loads(line) for line in (dev_dir / "skillspan" / "train.json").open()]
    sentences = [" ".join(r["tokens"]) for r in records]
    names_skill = np.array(
        [any(t != "O" for t in r["tags_skill"] + r["tags_knowledge"]) for r in records]
    )
    groups = [f"{r['source']}-{r['idx']}" for r in records]
    encoder = get_encoder(update)
    say(f"training the sentence filter on {len(sentences)} SkillSpan sentences", sys.stderr)
    sentence_filter, figures = train_sentence_filter(
        encoder.encode(sentences), names_skill, groups, encoder.name
    )
    path = PARAMS_FILE.with_name("skill_sentence_filter.npz")
    sentence_filter.save(path)
    params = json.loads(PARAMS_FILE.read_text())
    params["sentence_filter"] = path.name
    PARAMS_FILE.write_text(json.dumps(params, indent=2) + "\n")
    say(
        f"held-out SkillSpan adverts ({figures['held_out_sentences']:.0f} sentences): ROC AUC "
        f"{figures['roc_auc']:.3f}; threshold {sentence_filter.threshold:.3f} keeps "
        f"{figures['skill_sentences_kept']:.1%} of skill sentences and drops "
        f"{figures['other_sentences_dropped']:.1%} of the others"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev-dir", type=Path, default=Path("/work/shared/data/dev-sets"))
    parser.add_argument(
        "--adverts",
        type=Path,
        default=Path("/work/shared/data"),
        help="folder holding nhs-jobs-2020/ (read at bench time, never copied)",
    )
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "cache"))
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="quality only, no speed runs")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="re-train the adapter and thresholds on SkillSkape train, then stop",
    )
    parser.add_argument(
        "--tune-encoder",
        action="store_true",
        help="re-train the query encoder's update on ESCO alternative labels, then stop",
    )
    parser.add_argument("--device", default="cpu", help="where --tune-encoder trains (cuda)")
    parser.add_argument(
        "--train-filter",
        action="store_true",
        help="re-train the skill-sentence filter on SkillSpan train, then stop",
    )
    args = parser.parse_args(argv)
    if args.tune_encoder:
        tune_encoder(args.cache_dir, args.device)
        return 0
    if not args.dev_dir.exists():
        say(f"skipped: no dev sets at {args.dev_dir} (give --dev-dir)", sys.stderr)
        return 0
    if args.calibrate:
        calibrate(args.dev_dir, args.cache_dir)
        return 0
    if args.train_filter:
        train_filter(args.dev_dir)
        return 0

    linker = get_skill_linker(args.cache_dir, progress=True)
    encoder = linker.encoder_
    skills = reference_data.read_esco_skills()
    uri_of = dict(zip(skills["label"], skills["uri"], strict=True))
    preferred = linker.index_.vectors[linker.index_.is_preferred]
    baseline = cosine_ranker(encoder, preferred, linker.uris_)

    # Without anything trained (encoder update, adapter, sentence filter): the training-free
    # methods alone.
    trained = ("adapter", "query_update", "sentence_filter")
    untrained = SkillLinker(
        cache_dir=args.cache_dir,
        taxonomy_version=reference_data.ESCO_VERSION,
        **{k: v for k, v in tuned_params().items() if k not in trained},
    ).fit(skills)
    unfiltered = SkillLinker(
        cache_dir=args.cache_dir,
        taxonomy_version=reference_data.ESCO_VERSION,
        **{k: v for k, v in tuned_params().items() if k != "sentence_filter"},
    ).fit(skills)

    def ranker(model: SkillLinker) -> Ranker:
        def rank(texts: list[str]) -> list[list[str]]:
            return [[s.uri for s in r] for r in model.link(texts, top_k=RANK_DEPTH)]

        return rank

    rows = []
    sets = {
        "TECH val": ("esco-sentence-skills/tech_validation_annotations.csv", "decorte"),
        "HOUSE val": ("esco-sentence-skills/house_validation_annotations.csv", "decorte"),
        "SkillSkape dev": ("skillskape/dev.csv", "skillskape"),
    }
    for name, (rel, kind) in sets.items():
        path = args.dev_dir / rel
        if not path.exists():
            say(f"skipped {name}: {path} not found", sys.stderr)
            continue
        pairs = (
            sentence_gold(pd.read_csv(path), uri_of)
            if kind == "decorte"
            else skillskape_gold(path, uri_of)
        )
        texts, gold = [p[0] for p in pairs], [p[1] for p in pairs]
        systems = (
            ("baseline", baseline),
            ("untrained", ranker(untrained)),
            ("no sentence filter", ranker(unfiltered)),
            ("SkillLinker", ranker(linker)),
        )
        for system, rank in systems:
            rows.append(
                {
                    "set": f"{name} (n={len(texts)})",
                    "system": system,
                    **ranking_metrics(rank(texts), gold),
                }
            )

    titles_path = args.dev_dir / "vacancy-titles" / "titles.csv"
    if titles_path.exists():
        frame = pd.read_csv(titles_path)
        normaliser = get_title_normaliser(args.cache_dir, progress=True)
        titles, gold_uri = frame["vacancyTitle"].astype(str).tolist(), frame["conceptUri"].tolist()
        occ_pref = normaliser.index_.vectors[normaliser.index_.is_preferred]
        title_baseline = cosine_ranker(encoder, occ_pref, normaliser.uris_)
        ours = [[o.uri for o in r] for r in normaliser.normalise(titles, top_k=RANK_DEPTH)]
        for system, ranked in (("baseline", title_baseline(titles)), ("TitleNormaliser", ours)):
            rows.append(
                {
                    "set": f"vacancy titles (n={len(titles)})",
                    "system": system,
                    **title_metrics(ranked, gold_uri),
                }
            )
    else:
        say(f"skipped vacancy titles: {titles_path} not found", sys.stderr)

    table = pd.DataFrame(rows).set_index(["set", "system"])
    say(table.to_string(float_format=lambda x: f"{x:.3f}", na_rep=""))
    say(
        f"thresholds: precision {linker.precision_threshold_:.3f}, "
        f"suggestion {linker.suggestion_threshold_:.3f}"
    )

    if args.quick:
        return 0
    if not (args.adverts / "nhs-jobs-2020").exists():
        say(f"skipped speed: no adverts under {args.adverts}", sys.stderr)
        return 0
    adverts = advert_texts(args.adverts, args.sentences)
    sentences = [s for text in adverts for s in prepare(text).sentences]
    encode_s = median_time(lambda: encoder.encode(sentences), args.repeats)
    link_s = median_time(lambda: linker.link(adverts), args.repeats)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start_s, linker_mb = cold_start(args.cache_dir, args.repeats)
    n = len(sentences)
    heading = f"speed on {n} sentences from {len(adverts)} NHS adverts, median of {args.repeats}:"
    say(heading)
    if linker.sentence_filter_ is not None:
        kept = linker.sentence_filter_.keeps(linker.query_encoder_.encode(sentences)).mean()
        say(f"  the sentence filter leaves out {1 - kept:.1%} of these sentences")
    say(f"  bare encode  {n / encode_s:7.1f} sentences/s")
    say(
        f"  link         {n / link_s:7.1f} sentences/s  ratio {encode_s / link_s:.2f} (goal >= 0.7)"
    )
    say(f"  peak RSS     {linker_mb:7.0f} MB in a process linking one sentence")
    say(f"  peak RSS     {peak_mb:7.0f} MB in this process (two linkers, titles, 5,000 sentences)")
    say(f"  cold start   {start_s:7.2f} s to first linked sentence, warm cache (goal < 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
