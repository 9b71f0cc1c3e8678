"""Loaded adverts with a course: how many `match-courses` answers, and how many in reach.

    .venv/bin/python -m bench.bench_advert_coverage

Reads the site's database after ``skillsmatch load-all`` (the NHS adverts located in Greater
Essex, the standards and the demo offerings). For each advert's title it asks the course matcher
the site uses, then counts the adverts given at least one course, and those for which one of
those courses has an offering in reach of the advert's district (there, next door or online).
Offerings are demo data, so the second share says how the demo provision meets real demand, not
how Essex's real provision does. The baseline, in the same run, is the same matcher without the
job titles of ``job_titles_supplement.csv`` (the standards' own lists only).
"""

from __future__ import annotations

import os
import time

import pandas as pd
import sqlalchemy as sa

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.console import say  # noqa: E402
from ml.course_matching import CourseMatcher, tuned_params  # noqa: E402
from skillsmatch import create_app  # noqa: E402
from skillsmatch.extensions import db  # noqa: E402
from skillsmatch.loaders.standards import has_supplied_job_titles  # noqa: E402
from skillsmatch.models import Course, CourseOffering, Vacancy  # noqa: E402
from skillsmatch.services.course_matching import (  # noqa: E402
    course_ref,
    database_table,
    occupation_index,
)
from skillsmatch.services.reach import ReachMap  # noqa: E402


def without_supplement(table: pd.DataFrame) -> pd.DataFrame:
    """The course table with the supplement's titles taken off the standards that carry them."""
    out = table.copy()
    out["job_titles"] = [
        [] if has_supplied_job_titles(kind, ref, titles) else titles
        for ref, kind, titles in zip(table["ref"], table["kind"], table["job_titles"], strict=True)
    ]
    return out


def main() -> int:
    t0 = time.perf_counter()
    app = create_app()
    with app.app_context():
        session = db.session
        table = database_table(session)
        if table.empty:
            raise SystemExit("no courses loaded: run `skillsmatch load-all` first")
        reach = ReachMap.load(session)
        offered: dict[str, list[int | None]] = {}
        for course, offering in session.execute(sa.select(Course, CourseOffering).join(Course)):
            ref = course_ref(course.kind, course.reference, course.public_id)
            offered.setdefault(ref, []).append(offering.district_id)
        adverts = list(session.scalars(sa.select(Vacancy).order_by(Vacancy.id)))
        occupations = occupation_index()
        cache_dir = app.config["CACHE_DIR"]
        rows = []
        for name, courses in (
            ("standards' own job titles (baseline)", without_supplement(table)),
            ("with the job-title supplement", table),
        ):
            matcher = CourseMatcher(cache_dir=cache_dir, **tuned_params())
            found = matcher.fit(courses, occupations=occupations).match([a.title for a in adverts])
            with_course = in_reach = 0
            for advert, matches in zip(adverts, found, strict=True):
                with_course += bool(matches)
                near = reach.districts_in_reach(advert.district_id) if advert.district_id else ()
                districts = (d for m in matches for d in offered.get(m.ref, []))
                in_reach += any(d is None or d in near for d in districts)
            shares = [f"{k} ({k / len(adverts):.0%})" for k in (with_course, in_reach)]
            rows.append(f"| {name} | {' | '.join(shares)} |")
    say(f"{len(adverts)} loaded adverts, by title:")
    say("| courses | with a course | with one offered in reach (demo offerings) |")
    say("|---|---|---|")
    for row in rows:
        say(row)
    say(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
