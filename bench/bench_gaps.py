"""Gap report: time to build a full snapshot, how it grows with demand, and page reads from it.

    .venv/bin/python -m bench.bench_gaps [--scales 1,10,100] [--runs 3] [--reads 50] [--keep DIR]

Data, in a temporary SQLite database built through the project's loaders:
- ``load-reference`` (districts, sectors, SOC, SIC, ESCO) as shipped;
- the approved apprenticeship standards through ``load_standards``, with a word-overlap title
  matcher in place of the embedding model, so each course gets the essential skills of the ESCO
  occupation its job titles name (provenance ``esco-occupation``) and no KSB-linked skills;
- ``generate-demo`` (seed 2026): demo colleges, offerings, employers and skill demands;
- the shipped NHS adverts as vacancies (occupation from the title, its essential skills), with
  their closing dates moved to after today so that they count as live demand.

Scales: the demo's skill demands copied 10x and 100x (each copy moved to another district and
given a fresh level, so copies are not identical). For each scale: the median over ``--runs`` of
building the report and of writing it as a snapshot, in wall-clock and CPU seconds (CPU time is
the steadier figure on a shared machine); then, from one stored snapshot, the time a board page
takes to read its data (heatmap + top 20 gaps + collections + skill groups, in a fresh session),
p50 and p95 over ``--reads`` reads, and a cell drill-down (the trace of the top gap). The
baseline is the 1x run in the same process.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from skillsmatch import create_app  # noqa: E402
from skillsmatch.extensions import db  # noqa: E402
from skillsmatch.loaders import reference as ref  # noqa: E402
from skillsmatch.loaders.demo import generate_demo_data  # noqa: E402
from skillsmatch.loaders.standards import Readers, load_standards  # noqa: E402
from skillsmatch.loaders.vacancies import NHS_SIC, NHS_SOURCE, build_vacancies, read_nhs_extract  # noqa: E402
from skillsmatch.models import (  # noqa: E402
    District,
    Occupation,
    OccupationSkill,
    SkillDemand,
    SkillDemandSkill,
    Vacancy,
    VacancySkill,
)
from skillsmatch.services.gaps import (  # noqa: E402
    GapParameters,
    SnapshotReport,
    build_report,
    save_snapshot,
)

SEED = 2026


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# -- stand-ins for the embedding model ---------------------------------------------------------


class _NoLinker:
    """Links nothing: the bench does not load the embedding model."""

    precision_threshold_ = 1.0

    def link(self, texts: list[str], top_k: int, min_score: float) -> list[list[object]]:
        return [[] for _ in texts]


class _WordOverlapTitles:
    """Job title -> the ESCO occupation whose label shares the most words (Jaccard >= 0.5)."""

    def __init__(self, occupations: list[tuple[str, str, str | None]]) -> None:
        self.occupations = occupations
        self.words = [self._words(label) for _, label, _ in occupations]
        self.index: dict[str, list[int]] = defaultdict(list)
        for i, words in enumerate(self.words):
            for w in words:
                self.index[w].append(i)

    @staticmethod
    def _words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"[a-z]+", text.lower())) - {"and", "of", "the", "a", "in"}

    def normalise(self, titles: list[str], top_k: int) -> list[list[object]]:
        from ml.titles import NormalisedTitle

        results: list[list[object]] = []
        for title in titles:
            words = self._words(title)
            best, score = -1, 0.0
            for i in {i for w in words for i in self.index.get(w, [])}:
                s = len(words & self.words[i]) / len(words | self.words[i])
                if s > score:
                    best, score = i, s
            if best >= 0 and score >= 0.5:
                uri, label, soc = self.occupations[best]
                results.append([NormalisedTitle(uri, label, round(score, 3), soc or "")])
            else:
                results.append([])
        return results


# -- data ----------------------------------------------------------------------------------------


def _app(path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"}
    )


def build_base(path: Path, instance: Path) -> dict[str, float]:
    """Reference data, courses, demo data and live NHS vacancies; seconds per step."""
    app = _app(path)
    timings: dict[str, float] = {}
    with app.app_context():
        start = time.perf_counter()
        upgrade(directory=app.extensions["migrate"].directory)
        for step in (
            ref.load_districts,
            ref.load_sectors,
            ref.load_soc,
            ref.load_sic,
            ref.load_esco,
        ):
            step(db.session)
            db.session.commit()
        timings["reference"] = time.perf_counter() - start

        start = time.perf_counter()
        occupations = list(
            db.session.execute(sa.select(Occupation.uri, Occupation.label, Occupation.soc2020))
        )
        readers = Readers(_NoLinker(), _WordOverlapTitles([tuple(o) for o in occupations]))
        load_standards(db.session, readers)
        db.session.commit()
        timings["courses"] = time.perf_counter() - start

        start = time.perf_counter()
        generate_demo_data(db.session, seed=SEED, instance=instance)
        db.session.commit()
        timings["demo"] = time.perf_counter() - start

        start = time.perf_counter()
        vacancies = build_vacancies(
            db.session, readers, list(read_nhs_extract()), NHS_SOURCE, NHS_SIC
        )
        essential: dict[int, list[int]] = defaultdict(list)
        for occ, skill in db.session.execute(
            sa.select(OccupationSkill.occupation_id, OccupationSkill.skill_id).where(
                OccupationSkill.relation == "essential"
            )
        ):
            essential[occ].append(skill)
        for v in vacancies:
            v.closing_date = date.today() + timedelta(days=30)
            v.date_posted = date.today() - timedelta(days=7)
            for skill_id in essential.get(v.occupation_id or -1, [])[:15]:
                v.skills.append(
                    VacancySkill(skill_id=skill_id, provenance="esco-occupation", score=0.5)
                )
        db.session.add_all(vacancies)
        db.session.commit()
        timings["vacancies"] = time.perf_counter() - start
        db.engine.dispose()
    return timings


def scale_demand(app: Flask, factor: int) -> None:
    """Add ``factor - 1`` copies of every skill demand, each in another district at a new level."""
    if factor <= 1:
        return
    rng = random.Random(SEED + factor)
    with app.app_context():
        districts = list(db.session.scalars(sa.select(District.id).order_by(District.id)))
        demands = db.session.execute(
            sa.select(
                SkillDemand.id,
                SkillDemand.employer_id,
                SkillDemand.title,
                SkillDemand.district_id,
                SkillDemand.sector_id,
                SkillDemand.occupation_id,
                SkillDemand.headcount,
                SkillDemand.timeframe_months,
            ).order_by(SkillDemand.id)
        ).all()
        skills: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for demand_id, skill_id, importance in db.session.execute(
            sa.select(
                SkillDemandSkill.demand_id, SkillDemandSkill.skill_id, SkillDemandSkill.importance
            )
        ):
            skills[demand_id].append((skill_id, importance))
        next_id = (db.session.scalar(sa.select(sa.func.max(SkillDemand.id))) or 0) + 1
        for copy in range(1, factor):
            rows, links = [], []
            for d in demands:
                position = districts.index(d.district_id)
                rows.append(
                    {
                        "id": next_id,
                        "public_id": uuid.uuid4(),
                        "employer_id": d.employer_id,
                        "title": d.title,
                        "district_id": districts[(position + copy) % len(districts)],
                        "sector_id": d.sector_id,
                        "occupation_id": d.occupation_id,
                        "headcount": d.headcount,
                        "timeframe_months": d.timeframe_months,
                        "level": rng.choice([2, 2, 3, 3, 4]),
                        "is_demo": True,
                    }
                )
                links += [
                    {"demand_id": next_id, "skill_id": s, "importance": i} for s, i in skills[d.id]
                ]
                next_id += 1
            db.session.execute(sa.insert(SkillDemand), rows)
            db.session.execute(sa.insert(SkillDemandSkill), links)
        db.session.commit()
        db.engine.dispose()


# -- timing --------------------------------------------------------------------------------------


def _median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median wall-clock and CPU seconds of ``runs`` calls, and the last result.

    SQLite runs inside the process, so CPU time is the work done, whatever else the machine
    is busy with; wall-clock time is what a person waits.
    """
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(app: Flask, runs: int, reads: int, parameters: GapParameters) -> dict[str, Any]:
    with app.app_context():
        counts = {
            "demands": db.session.scalar(sa.select(sa.func.count()).select_from(SkillDemand)),
            "demand_skills": db.session.scalar(
                sa.select(sa.func.count()).select_from(SkillDemandSkill)
            ),
            "vacancies": db.session.scalar(sa.select(sa.func.count()).select_from(Vacancy)),
        }
        build_s, build_cpu, report = _median_of(runs, lambda: build_report(db.session, parameters))

        def save() -> None:
            save_snapshot(db.session, report, "bench")
            db.session.flush()
            db.session.rollback()

        save_s, save_cpu, _ = _median_of(runs, save)
        snapshot = save_snapshot(db.session, report, "bench")
        db.session.commit()
        snapshot_id = snapshot.id
        db.session.remove()

        page, trace = [], []
        # The first read (imports, statement compilation, a cold page cache) is not timed.
        for attempt in range(reads + 1):
            start = time.perf_counter()
            stored = SnapshotReport(db.session, db.session.get(type(snapshot), snapshot_id))
            heatmap = stored.heatmap()
            top = stored.top_gaps(20)
            stored.collections()
            stored.skill_groups(1)
            page_s = time.perf_counter() - start
            start = time.perf_counter()
            if top:
                stored.trace(top[0])
            if attempt:
                page.append(page_s)
                trace.append(time.perf_counter() - start)
            db.session.remove()
        size = os.path.getsize(db.engine.url.database or "")
        db.engine.dispose()
    return {
        **counts,
        "rows": len(report.all_rows),
        "gaps": report.summary["gap_rows"],
        "items": report.summary["demand_items"],
        "cells": len(heatmap),
        "build_s": build_s,
        "save_s": save_s,
        "build_cpu": build_cpu,
        "save_cpu": save_cpu,
        "page_p50_ms": 1000 * statistics.median(page),
        "page_p95_ms": 1000 * _percentile(page, 0.95),
        "trace_p95_ms": 1000 * _percentile(trace, 0.95),
        "db_mb": size / 1e6,
        "report": report,
    }


def _snapshot_cpu(r: dict[str, Any]) -> float:
    return float(r["build_cpu"] + r["save_cpu"])


# (header, width, cell) for the results table; ``base`` is the 1x snapshot CPU time.
_COLUMNS: list[tuple[str, int, Callable[[int, dict[str, Any], float], str]]] = [
    ("scale", 5, lambda f, r, b: f"{f}x"),
    ("demands", 8, lambda f, r, b: str(r["demands"])),
    ("demand-skills", 13, lambda f, r, b: str(r["demand_skills"])),
    ("rows", 7, lambda f, r, b: str(r["rows"])),
    ("gaps", 7, lambda f, r, b: str(r["gaps"])),
    ("build s", 8, lambda f, r, b: f"{r['build_s']:.2f}"),
    ("save s", 7, lambda f, r, b: f"{r['save_s']:.2f}"),
    ("build cpu", 9, lambda f, r, b: f"{r['build_cpu']:.2f}"),
    ("save cpu", 8, lambda f, r, b: f"{r['save_cpu']:.2f}"),
    ("snapshot cpu", 12, lambda f, r, b: f"{_snapshot_cpu(r):.2f}"),
    ("x 1x", 5, lambda f, r, b: f"{_snapshot_cpu(r) / b:.1f}"),
    ("page p50 ms", 11, lambda f, r, b: f"{r['page_p50_ms']:.1f}"),
    ("page p95 ms", 11, lambda f, r, b: f"{r['page_p95_ms']:.1f}"),
    ("trace p95 ms", 12, lambda f, r, b: f"{r['trace_p95_ms']:.1f}"),
    ("db MB", 6, lambda f, r, b: f"{r['db_mb']:.1f}"),
]


def _table(results: list[tuple[int, dict[str, Any]]]) -> None:
    base = _snapshot_cpu(results[0][1])
    header = " ".join(f"{name:>{width}}" for name, width, _ in _COLUMNS)
    _out()
    _out(header)
    _out("-" * len(header))
    for factor, r in results:
        _out(" ".join(f"{cell(factor, r, base):>{width}}" for _, width, cell in _COLUMNS))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1,10,100", help="demand multipliers, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per scale for the medians")
    parser.add_argument("--reads", type=int, default=50, help="page reads per scale for p50/p95")
    parser.add_argument(
        "--keep", type=Path, help="keep (and reuse) the base database in this folder"
    )
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]

    work = Path(tempfile.mkdtemp(prefix="bench-gaps-"))
    base = (args.keep or work) / "base.sqlite3"
    try:
        if not base.exists():
            base.parent.mkdir(parents=True, exist_ok=True)
            timings = build_base(base, work)
            _out("Base data (seconds): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
        parameters = GapParameters()
        _out(
            f"Parameters: as of {parameters.as_of}, intake window to "
            f"{parameters.intake_window_end}; medians of {args.runs} runs, page reads: "
            f"{args.reads}; SQLite, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        )
        results = []
        for factor in scales:
            path = work / f"scale-{factor}.sqlite3"
            shutil.copy(base, path)
            app = _app(path)
            scale_demand(app, factor)
            results.append((factor, measure(app, args.runs, args.reads, parameters)))
            path.unlink()

        _table(results)
        first = results[0][1]["report"].summary
        _out()
        _out(
            f"At 1x: {first['demand_items']} demand items ({first['vacancies_live']} live "
            f"vacancies, {first['vacancies_merged']} merged into a demand), {first['rows']} rows, "
            f"{first['gap_rows']} with a shortfall, {first['pathway_gaps']} pathway gaps."
        )
        for row in results[0][1]["report"].top_gaps(5):
            _out(f"  {row.sector_name} / {row.district_name} / {row.skill_label}: {row.reason}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
