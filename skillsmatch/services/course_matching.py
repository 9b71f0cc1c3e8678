"""The course matcher, fitted on the database's courses or, with none loaded, the shipped standards.

Apprenticeship standards are known by their reference (ST0123); other courses by their public id,
the only identifier of a course that leaves the database.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ml.course_matching import CourseMatcher, tuned_params
from skillsmatch import reference_data
from skillsmatch.config import DATA_DIR
from skillsmatch.loaders.standards import approved_standards
from skillsmatch.models import Course

COLUMNS = ["ref", "title", "overview", "job_titles", "level", "route", "kind"]
SHIPPED = "shipped approved standards"
DATABASE = "database"

_lock = threading.Lock()
_matchers: dict[tuple[str, str], CourseMatcher] = {}


def _level(value: object) -> int | None:
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def standards_table(data_dir: Path = DATA_DIR, supplement: bool = True) -> pd.DataFrame:
    """The approved standards (newest versions) as a course table, ordered by reference.

    ``supplement=False`` keeps only the job titles the standards list themselves, the gold of
    the catalogue benchmarks.
    """
    frame = approved_standards(data_dir, supplement).sort_values("Reference")
    return pd.DataFrame(
        {
            "ref": frame["Reference"].str.strip(),
            "title": frame["Name"].str.strip(),
            "overview": frame["Overview of role"].str.strip(),
            "job_titles": [
                [t.strip() for t in titles.split(";") if t.strip()]
                for titles in frame["Job Titles"]
            ],
            "level": [_level(v) for v in frame["Level"]],
            "route": frame["Route"].replace("", None),
            "kind": "apprenticeship",
        },
        columns=COLUMNS,
    ).reset_index(drop=True)


def occupation_index(data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """The ONS SOC 2020 coding index as ``title -> group`` (unit group), for ``CourseMatcher``.

    The titles are those the title normaliser indexes (ISCO groups that ESCO uses), so both read
    the same cached embeddings.
    """
    soc = reference_data.read_soc_index(data_dir)
    isco = set(reference_data.read_esco_occupations(data_dir)["isco08"])
    return (
        soc.loc[soc["isco08"].isin(isco), ["title", "soc2020"]]
        .rename(columns={"soc2020": "group"})
        .reset_index(drop=True)
    )


def _has_course_table(engine: Engine) -> bool:
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # Inspecting a SQLite file that is not there would create it, empty.
        if not Path(url.database).exists():
            return False
    return sa.inspect(engine).has_table(Course.__tablename__)


def course_ref(kind: str, reference: str, public_id: object) -> str:
    """How a course is known outside the database: a standard by its reference, another course
    by its public id."""
    return reference if kind == "apprenticeship" else str(public_id)


def database_table(session: Session) -> pd.DataFrame:
    """The database's courses as a course table (empty when none are loaded)."""
    rows = session.execute(
        sa.select(
            Course.reference,
            Course.public_id,
            Course.kind,
            Course.title,
            Course.overview,
            Course.job_titles,
            Course.level,
            Course.route,
        ).order_by(Course.kind, Course.reference)
    ).all()
    return pd.DataFrame(
        [
            {
                "ref": course_ref(r.kind, r.reference, r.public_id),
                "title": r.title,
                "overview": r.overview or "",
                "job_titles": list(r.job_titles or []),
                "level": r.level,
                "route": r.route,
                "kind": r.kind,
            }
            for r in rows
        ],
        columns=COLUMNS,
    )


def course_table(session: Session | None, data_dir: Path = DATA_DIR) -> tuple[pd.DataFrame, str]:
    """The courses to match against and where they came from (``DATABASE`` or ``SHIPPED``).

    The database is used when it holds courses; without a database, without the schema or with no
    course loaded, the shipped approved standards are.
    """
    if session is not None:
        try:
            if _has_course_table(session.get_bind()):
                table = database_table(session)
                if not table.empty:
                    return table, DATABASE
        except sa.exc.OperationalError:
            # No server to answer: the shipped data still gives an answer.
            session.rollback()
    return standards_table(data_dir), SHIPPED


def _fingerprint(table: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for row in table[["ref", "title", "overview", "job_titles"]].itertuples(index=False):
        digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def get_course_matcher(
    cache_dir: str | os.PathLike[str],
    session: Session | None = None,
    data_dir: Path = DATA_DIR,
) -> tuple[CourseMatcher, str]:
    """A fitted matcher over ``course_table(session)`` and the source of its courses.

    Course-side embeddings are cached in ``cache_dir``; a matcher is refitted only when the
    courses change.
    """
    table, source = course_table(session, data_dir)
    key = (os.fspath(cache_dir), _fingerprint(table))
    with _lock:
        if key not in _matchers:
            matcher = CourseMatcher(cache_dir=key[0], **tuned_params())  # type: ignore[arg-type]
            _matchers[key] = matcher.fit(table, occupations=occupation_index(data_dir))
        return _matchers[key], source
