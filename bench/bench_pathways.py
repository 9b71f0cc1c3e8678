"""Pathway recommendation speed: learner -> pathways and vacancies, vacancy -> provision.

    .venv/bin/python -m bench.bench_pathways [--sizes 10000,50000,100000,1000000] [--queries 200]

The catalogue is real where the data allow and synthetic where they do not:
- target occupations, their essential/optional skills and the skill hierarchy are ESCO v1.1.1;
  occupation vectors are all-MiniLM-L6-v2 embeddings of their preferred labels (read from the
  label cache in var/cache, embedded once otherwise);
- 5,000 synthetic courses and N synthetic vacancies are each built on a random occupation of a
  priority sector: a vector near the occupation's (unit noise added, cosine about 0.7) and a
  random subset of its skills, spread over the 14 districts (and online);
- learners are synthetic in the same way (a third to two thirds of an occupation's essential
  skills, a home district, a level, one or two sectors). One real profile text is embedded with
  the model to show what embedding a learner costs; the timed queries start from vectors.

Latency is wall-clock time; the CPU time of the (single-threaded) query is printed beside it,
since on a shared machine waiting for a core can cost more than the work itself.

For each N the same queries run against exact search (numpy over the districts in reach, the
baseline) and against FAISS IVF indexes per district, with recall@10 of the IVF search against
exact search and the agreement of the final vacancy lists. The 1M case stores IVF vectors as
float16 (``--ivf-storage``) to halve the index memory. Vacancy -> provision is timed for all
vacancies of the 50k case in a batch, with a one-vacancy-at-a-time loop as baseline.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import scipy.sparse as sp

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# One query is a handful of small matrix-vector products: BLAS and OpenMP threads gain nothing
# there, and on a shared two-core machine threads waiting for each other cost tens of ms.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bench.console import say  # noqa: E402
from ml.pathway_scoring import (  # noqa: E402
    Catalogue,
    LearnerQuery,
    PathwayScorer,
    Recommendation,
    SkillSets,
)
from skillsmatch import reference_data  # noqa: E402
from skillsmatch.config import PROJECT_ROOT  # noqa: E402
from skillsmatch.sectors import SectorMap  # noqa: E402

N_DISTRICTS = 14
ONLINE = N_DISTRICTS
N_COURSES = 5_000
# A ring of districts with two neighbours each, close to Greater Essex's real 2-5 neighbours.
NEIGHBOURS = {d: {(d - 1) % N_DISTRICTS, (d + 1) % N_DISTRICTS} for d in range(N_DISTRICTS)}
TODAY = date(2026, 7, 1).toordinal()


def travel_from(home: int) -> list[str | None]:
    """How each partition is reached from ``home``: the same rule as skillsmatch.services.reach."""
    out: list[str | None] = []
    for p in range(N_DISTRICTS + 1):
        if p == ONLINE:
            out.append("online")
        elif p == home:
            out.append("same district")
        elif p in NEIGHBOURS[home]:
            out.append("neighbouring district")
        else:
            out.append(None)
    return out


class Esco:
    """ESCO skills, hierarchy, occupations with their skills, sectors and label vectors."""

    def __init__(self) -> None:
        skills = reference_data.read_esco_skills()
        self.col = {u: i for i, u in enumerate(skills["uri"])}
        self.n_skills = len(skills)
        broader = reference_data.read_skill_broader()
        pairs = broader[~broader["is_group"] & ~broader["broader_is_group"]]
        self.broader = np.array(
            [
                (self.col[a], self.col[b])
                for a, b in zip(pairs["uri"], pairs["broader_uri"], strict=True)
                if a in self.col and b in self.col
            ],
            dtype=np.int64,
        )
        occ = reference_data.read_esco_occupations()
        sectors = SectorMap.from_definitions(reference_data.read_sector_definitions())
        slugs = sorted({str(s["slug"]) for s in reference_data.read_sector_definitions()})
        self.sector = np.array(
            [slugs.index(s) if (s := sectors.for_isco(g)) else -1 for g in occ["isco08"]]
        )
        row = {u: i for i, u in enumerate(occ["uri"])}
        rel = reference_data.read_occupation_skills()
        rel = rel[rel["occupation_uri"].isin(row) & rel["skill_uri"].isin(self.col)]
        self.ess: list[list[int]] = [[] for _ in range(len(occ))]
        self.opt: list[list[int]] = [[] for _ in range(len(occ))]
        for o, s, r in zip(rel["occupation_uri"], rel["skill_uri"], rel["relation"], strict=True):
            (self.ess if r == "essential" else self.opt)[row[o]].append(self.col[s])
        self.vectors = self._vectors(occ)
        self.in_sector = np.flatnonzero(
            (self.sector >= 0) & np.array([len(e) >= 3 for e in self.ess])
        )

    @staticmethod
    def _vectors(occ: object) -> np.ndarray:
        from ml.encoder import get_encoder
        from ml.taxonomy import build_label_index

        cache = os.environ.get("SKILLSMATCH_CACHE_DIR", str(PROJECT_ROOT / "var" / "cache"))
        labels = [[lab, *alt] for lab, alt in zip(occ["label"], occ["alt_labels"], strict=True)]  # type: ignore[index]
        index = build_label_index(
            labels, get_encoder(), cache, f"{reference_data.ESCO_VERSION}-occupation-labels"
        )
        return np.ascontiguousarray(index.preferred_only().vectors, dtype=np.float32)

    def targets(self) -> SkillSets:
        return SkillSets.from_lists(
            [e + o for e, o in zip(self.ess, self.opt, strict=True)],
            essential=[
                [True] * len(e) + [False] * len(o) for e, o in zip(self.ess, self.opt, strict=True)
            ],
        )


def _near(vectors: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors near ``vectors[rows]``: unit-norm noise added, so cosine is about 0.7."""
    out = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(rows), 100_000):
        part = rows[start : start + 100_000]
        noise = rng.standard_normal((len(part), vectors.shape[1]), dtype=np.float32)
        noise *= np.float32(1.0 / np.sqrt(vectors.shape[1]))
        v = vectors[part] + noise
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[start : start + len(part)] = v
    return out


def _padded(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists as a -1 padded matrix, and their lengths."""
    lengths = np.array([len(x) for x in lists], dtype=np.int64)
    out = np.full((len(lists), max(int(lengths.max()), 1)), -1, dtype=np.int64)
    for i, x in enumerate(lists):
        out[i, : len(x)] = x
    return out, lengths


def _sample(
    table: np.ndarray,
    lengths: np.ndarray,
    occ: np.ndarray,
    take: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """For each row, ``take[i]`` distinct entries of ``table[occ[i]]``: (row, column) pairs."""
    keys = rng.random((len(occ), table.shape[1]), dtype=np.float32)
    keys[np.arange(table.shape[1])[None, :] >= lengths[occ][:, None]] = 2.0  # padding last
    order = np.argsort(keys, axis=1)
    keep = np.arange(table.shape[1])[None, :] < np.minimum(take, lengths[occ])[:, None]
    picked = np.take_along_axis(table[occ], order, axis=1)
    rows = np.broadcast_to(np.arange(len(occ))[:, None], picked.shape)
    return rows[keep], picked[keep]


def _subsets(
    esco: Esco,
    occupations: np.ndarray,
    rng: np.random.Generator,
    share: tuple[float, float],
    max_ess: int,
    max_opt: int,
) -> SkillSets:
    """For each occupation row, a random share of its essential skills and a few optional."""
    ess_t, ess_n = _padded(esco.ess)
    opt_t, opt_n = _padded(esco.opt)
    rows, cols, flags = [], [], []
    for start in range(0, len(occupations), 50_000):
        occ = occupations[start : start + 50_000]
        share_i = rng.uniform(*share, size=len(occ))
        take = np.minimum(max_ess, np.maximum(1, np.round(share_i * ess_n[occ]))).astype(np.int64)
        r, c = _sample(ess_t, ess_n, occ, take, rng)
        ro, co = _sample(opt_t, opt_n, occ, rng.integers(0, max_opt + 1, len(occ)), rng)
        rows += [r + start, ro + start]
        cols += [c, co]
        flags += [np.ones(len(c), bool), np.zeros(len(co), bool)]
    return SkillSets.from_coo(
        len(occupations), np.concatenate(rows), np.concatenate(cols), np.concatenate(flags)
    )


def build_catalogue(esco: Esco, n_vacancies: int, seed: int) -> tuple[Catalogue, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.choice(esco.in_sector, N_COURSES)
    course_skills = _subsets(esco, base, rng, (0.5, 1.0), 40, 6)
    strength = rng.uniform(0.3, 1.0, len(course_skills.indices)).astype(np.float32)
    course_skills = SkillSets(
        course_skills.indptr, course_skills.indices, course_skills.essential, strength
    )
    n_off = rng.integers(1, 5, N_COURSES)
    off_course = np.repeat(np.arange(N_COURSES), n_off)
    off_part = rng.integers(0, N_DISTRICTS, len(off_course))
    off_part[rng.random(len(off_course)) < 0.05] = ONLINE
    places = rng.integers(0, 31, len(off_course))
    starts = TODAY + rng.integers(-30, 330, (len(off_course), 3))
    links = sp.csr_matrix(
        (np.full(N_COURSES, 0.8, dtype=np.float32), (np.arange(N_COURSES), base)),
        shape=(N_COURSES, len(esco.vectors)),
    )
    # Vacancies generated district by district, so they are stored grouped without a copy.
    vac_occ = rng.choice(esco.in_sector, n_vacancies)
    vac_part = np.sort(rng.integers(0, N_DISTRICTS + 1, n_vacancies))
    vac_skills = _subsets(esco, vac_occ, rng, (0.6, 1.0), 12, 4)
    catalogue = Catalogue(
        n_skills=esco.n_skills,
        n_partitions=N_DISTRICTS,
        broader=esco.broader,
        course_vectors=_near(esco.vectors, base, rng),
        course_skills=course_skills,
        course_level=rng.integers(2, 7, N_COURSES),
        course_targets=links,
        offering_course=off_course,
        offering_partition=off_part,
        offering_places=places,
        offering_starts=starts,
        target_vectors=esco.vectors,
        target_skills=esco.targets(),
        target_sector=esco.sector,
        vacancy_vectors=_near(esco.vectors, vac_occ, rng),
        vacancy_skills=vac_skills,
        vacancy_partition=vac_part,
        vacancy_target=vac_occ,
        vacancy_sector=esco.sector[vac_occ],
        vacancy_closing=np.full(n_vacancies, TODAY + 60),
    )
    return catalogue, vac_occ


def learners(esco: Esco, n: int, seed: int) -> list[LearnerQuery]:
    rng = np.random.default_rng(seed)
    occ = rng.choice(esco.in_sector, n)
    skills = _subsets(esco, occ, rng, (0.3, 0.7), 20, 3)
    vectors = _near(esco.vectors, occ, rng)
    out = []
    for i, o in enumerate(occ.tolist()):
        cols, _, _ = skills.row(i)
        sectors = {int(esco.sector[o])}
        if rng.random() < 0.5:
            sectors.add(int(rng.integers(0, 7)))
        out.append(
            LearnerQuery(
                vector=vectors[i],
                skills=cols.astype(np.int64),
                strength=np.ones(len(cols), dtype=np.float32),
                level=int(rng.integers(1, 4)),
                sectors=frozenset(sectors),
                travel=travel_from(int(rng.integers(0, N_DISTRICTS))),
                today=TODAY,
            )
        )
    return out


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], list[object]]:
    times, results = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        results.append(fn())
        times.append((time.perf_counter() - t0) * 1000)
    return times, results


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(
    esco: Esco,
    n: int,
    queries: list[LearnerQuery],
    n_queries: int,
    storage: str,
    rows: list[list[str]],
    provision_rows: list[list[str]],
) -> None:
    catalogue, _ = build_catalogue(esco, n, seed=n)
    scorers: dict[str, PathwayScorer] = {}
    fit_s: dict[str, float] = {}
    for method in ("exact", "ivf"):
        t0 = time.perf_counter()
        scorers[method] = PathwayScorer(
            vacancy_search=method, vector_storage=storage if method == "ivf" else "float32"
        ).fit(catalogue)
        fit_s[method] = time.perf_counter() - t0
        scorers[method].recommend(queries[0])  # warm caches
    # The two searches take turns on each query, so a change in machine load hits both alike.
    times: dict[str, list[float]] = {"exact": [], "ivf": []}
    cpu: dict[str, list[float]] = {"exact": [], "ivf": []}
    recs: dict[str, list[Recommendation]] = {"exact": [], "ivf": []}
    for q in queries[:n_queries]:
        for method, scorer in scorers.items():
            t, c = time.perf_counter(), time.process_time()
            recs[method].append(scorer.recommend(q))
            times[method].append((time.perf_counter() - t) * 1000)
            cpu[method].append((time.process_time() - c) * 1000)
    exact, ivf = scorers["exact"], scorers["ivf"]
    # recall@10 of the vector search alone, within each learner's reach, and agreement of the
    # final vacancy lists (ready now and close) with those from exact search.
    recall, agree = [], []
    search_ms: dict[str, list[float]] = {"exact": [], "ivf": []}
    for q, r_exact, r_ivf in zip(queries[:n_queries], recs["exact"], recs["ivf"], strict=True):
        reach = [p for p, t in enumerate(q.travel) if t is not None]
        t = time.perf_counter()
        _, a = exact.vacancy_index_.search(q.vector, 10, reach)
        search_ms["exact"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _, b = ivf.vacancy_index_.search(q.vector, 10, reach)
        search_ms["ivf"].append((time.perf_counter() - t) * 1000)
        recall.append(len(set(a.tolist()) & set(b.tolist())) / max(len(a), 1))
        la = {m.vacancy for m in r_exact.ready_now + r_exact.close}
        lb = {m.vacancy for m in r_ivf.ready_now + r_ivf.close}
        agree.append(len(la & lb) / max(len(la), 1))
    for method, scorer in scorers.items():
        n_path = statistics.mean(len(r.pathways) for r in recs[method])
        n_ready = statistics.mean(len(r.ready_now) for r in recs[method])
        rows.append(
            [
                f"{n:,}",
                method if method == "exact" else f"ivf ({storage}, nprobe {scorer.n_probe})",
                f"{statistics.median(times[method]):.1f}",
                f"{pct(times[method], 95):.1f}",
                f"{statistics.median(cpu[method]):.1f} / {pct(cpu[method], 95):.1f}",
                f"{statistics.median(search_ms[method]):.2f}",
                f"{fit_s[method]:.1f}",
                f"{scorer.vacancy_index_.build_seconds_:.1f}",
                "1.000" if method == "exact" else f"{statistics.mean(recall):.3f}",
                "1.000" if method == "exact" else f"{statistics.mean(agree):.3f}",
                f"{n_path:.1f} / {n_ready:.1f}",
                f"{rss_mb():,.0f}",
            ]
        )
        say("  " + " | ".join(rows[-1]))
    if n == 50_000:
        provision_rows.extend(bench_provision(exact, catalogue))
    del scorers, exact, ivf, catalogue, recs
    gc.collect()


def bench_provision(scorer: PathwayScorer, catalogue: Catalogue) -> list[list[str]]:
    n = catalogue.vacancy_skills.n_rows
    # A vacancy with no district reaches online courses only, as in reach.py.
    table = [
        travel_from(h) if h < N_DISTRICTS else [None] * N_DISTRICTS + ["online"]
        for h in range(N_DISTRICTS + 1)
    ]
    reqs, vecs, parts = (
        catalogue.vacancy_skills,
        catalogue.vacancy_vectors,
        catalogue.vacancy_partition,
    )
    t0 = time.perf_counter()
    courses, _, ess = scorer.provision_batch(reqs, vecs, parts, table, top_k_courses=10)
    batch_s = time.perf_counter() - t0
    loop_n = 500
    t0 = time.perf_counter()
    for i in range(loop_n):
        scorer.provision(reqs.take(np.array([i])), vecs[i], table[int(parts[i])])
    loop_s = time.perf_counter() - t0
    with_course = float((courses[:, 0] >= 0).mean())
    return [
        ["one at a time (baseline)", f"{loop_n:,}", f"{loop_n / loop_s:,.0f}", ""],
        [
            "batch",
            f"{n:,}",
            f"{n / batch_s:,.0f}",
            f"{with_course:.1%} with a course in reach; mean best essential coverage "
            f"{float(ess[:, 0][courses[:, 0] >= 0].mean()):.0%}",
        ],
    ]


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    say("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    say("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        say("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--queries-1m", type=int, default=100)
    parser.add_argument("--ivf-storage", default="float16", choices=["float32", "float16"])
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    say(f"Load average: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1, 5, 15 min)")
    t0 = time.perf_counter()
    esco = Esco()
    say(
        f"ESCO: {esco.n_skills:,} skills, {len(esco.broader):,} hierarchy links, "
        f"{len(esco.vectors):,} occupations ({len(esco.in_sector):,} in priority sectors), "
        f"loaded in {time.perf_counter() - t0:.1f} s"
    )
    from ml.encoder import get_encoder

    encoder = get_encoder()
    text = (
        "I looked after my grandmother for two years and volunteer at a lunch club. "
        "Skills: provide personal care; communicate with patients; prepare meals."
    )
    encoder.encode([text])
    times, _ = timed(lambda: encoder.encode([text]), 20)
    say(
        f"Embedding one learner profile (done once per query, not in the timings below): "
        f"median {statistics.median(times):.1f} ms"
    )

    queries = learners(esco, max(args.queries, args.queries_1m) + 1, seed=7)
    header = [
        "vacancies",
        "vacancy search",
        "p50 ms",
        "p95 ms",
        "CPU p50 / p95 ms",
        "search p50 ms",
        "fit s",
        "ANN build s",
        "search recall@10",
        "list agreement",
        "pathways / ready",
        "peak RSS MB",
    ]
    rows: list[list[str]] = []
    provision_rows: list[list[str]] = []
    for n in sizes:
        say(f"{n:,} vacancies, {N_COURSES:,} courses ...")
        storage = args.ivf_storage if n >= 1_000_000 else "float32"
        n_q = args.queries_1m if n >= 1_000_000 else args.queries
        run_size(esco, n, queries, n_q, storage, rows, provision_rows)
    say("")
    say(f"Load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    say(
        f"Learner recommendations ({N_COURSES:,} courses, {len(esco.vectors):,} occupations; "
        "medians over the same learners for both searches):"
    )
    table(header, rows)
    if provision_rows:
        say("")
        say("Vacancy -> provision (top 10 courses in reach of each vacancy):")
        table(["method", "vacancies", "vacancies/s", "result"], provision_rows)


if __name__ == "__main__":
    main()
