"""Saved pathways and finding one pathway for a learner, on SQLite and PostgreSQL.

Built on the constructed data of ``test_pathways`` (a care occupation, courses in and out of
reach, learners), with the occupation given an ESCO-style URI ending in a UUID.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from test_pathways import TODAY, World, build_world, index_for

from skillsmatch.extensions import db
from skillsmatch.models import Course, SavedPathway
from skillsmatch.services import saved_pathways
from skillsmatch.services.pathways import recommend_pathways
from skillsmatch.services.saved_pathways import UnknownPathway

OCCUPATION = uuid.UUID("0b8f4a55-3c2d-4e0a-9d51-2f0c5b7e9a10")


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    with app.app_context():
        found = build_world()
        found.occupation.uri = f"http://data.europa.eu/esco/occupation/{OCCUPATION}"
        db.session.commit()
        yield found


def _course(world: World, key: str) -> uuid.UUID:
    return world.courses[key].public_id


def test_the_saved_pathway_migration_matches_the_model_and_downgrades(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, db.metadata) if "saved_pathway" in repr(d)
            ]
        assert differences == []
        columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("saved_pathway")}
        assert columns["second_course_id"]["nullable"] and not columns["course_id"]["nullable"]
        foreign = {
            tuple(fk["constrained_columns"]): fk["options"].get("ondelete")
            for fk in sa.inspect(db.engine).get_foreign_keys("saved_pathway")
        }
        assert {k: (v or "").upper() for k, v in foreign.items()} == {
            ("learner_id",): "CASCADE",
            ("course_id",): "CASCADE",
            ("second_course_id",): "CASCADE",
            ("occupation_id",): "CASCADE",
        }

        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision="8ee03fbc61ee")
        assert "saved_pathway" not in sa.inspect(db.engine).get_table_names()
        assert "gap_snapshot" in sa.inspect(db.engine).get_table_names()
        upgrade(directory=directory)
        assert "saved_pathway" in sa.inspect(db.engine).get_table_names()


def test_resolve_names_what_is_unknown(world: World) -> None:
    target = saved_pathways.resolve(db.session, _course(world, "certificate"), OCCUPATION)
    assert (target.course.title, target.occupation.label, target.second_course) == (
        "Care certificate",
        "home care aide",
        None,
    )
    unknown = uuid.uuid4()
    with pytest.raises(UnknownPathway, match=f"no course {unknown}"):
        saved_pathways.resolve(db.session, unknown, OCCUPATION)
    with pytest.raises(UnknownPathway, match=f"no occupation {unknown}"):
        saved_pathways.resolve(db.session, _course(world, "certificate"), unknown)
    with pytest.raises(UnknownPathway, match="two different courses"):
        saved_pathways.resolve(
            db.session, _course(world, "certificate"), OCCUPATION, _course(world, "certificate")
        )
    assert saved_pathways.occupation_key("http://example.org/occ/1") is None
    assert saved_pathways.occupation_key(world.occupation.uri) == OCCUPATION


def test_find_pathway_picks_the_recommended_one_or_none(world: World) -> None:
    index = index_for()
    result = recommend_pathways(index, world.learners["amy"], today=TODAY)
    one = saved_pathways.resolve(db.session, _course(world, "certificate"), OCCUPATION)
    found = saved_pathways.find_pathway(result, one)
    assert found is not None and [c.title for c in found.courses] == ["Care certificate"]
    two = saved_pathways.resolve(
        db.session, _course(world, "certificate"), OCCUPATION, _course(world, "infection")
    )
    found_two = saved_pathways.find_pathway(result, two)
    assert found_two is not None
    assert [c.title for c in found_two.courses] == ["Care certificate", "Infection control"]
    # Out of reach (Tendring only): never recommended to a Chelmsford learner.
    far = saved_pathways.resolve(db.session, _course(world, "far"), OCCUPATION)
    assert saved_pathways.find_pathway(result, far) is None

    rows = saved_pathways.score_rows(index, found_two.score)
    assert abs(sum(r.points for r in rows) - found_two.score.score) <= 0.6
    assert [r.label for r in rows if r.value is None] == ["needs two courses"]
    assert sum(r.out_of for r in rows if r.out_of is not None) == 100


def test_offerings_in_reach_follow_the_learners_district(world: World) -> None:
    index = index_for()
    infection = world.courses["infection"]  # Tendring and online
    amy = world.learners["amy"]  # Chelmsford
    found = saved_pathways.offerings_in_reach(db.session, index, amy, infection, today=TODAY)
    assert [(o.district, o.travel, o.places) for o in found] == [("Online", "online", 20)]
    cal = world.learners["cal"]  # Tendring
    found = saved_pathways.offerings_in_reach(db.session, index, cal, infection, today=TODAY)
    assert [o.travel for o in found] == ["same district", "online"]
    assert all(o.start_dates and o.start_dates[0] >= TODAY for o in found)


def test_a_pathway_is_saved_once_per_learner_with_or_without_a_second_course(
    world: World,
) -> None:
    amy, ben = world.learners["amy"], world.learners["ben"]
    one = saved_pathways.resolve(db.session, _course(world, "certificate"), OCCUPATION)
    two = saved_pathways.resolve(
        db.session, _course(world, "certificate"), OCCUPATION, _course(world, "infection")
    )
    first, created = saved_pathways.save(db.session, amy, one)
    again, created_again = saved_pathways.save(db.session, amy, one)
    assert created and not created_again and again.id == first.id
    _, created_two = saved_pathways.save(db.session, amy, two)
    _, created_ben = saved_pathways.save(db.session, ben, one)
    db.session.commit()
    assert created_two and created_ben
    assert [
        (v.course, v.second_course, v.occupation, v.sector, v.occupation_id)
        for v in saved_pathways.saved_for(db.session, amy)
    ] == [
        ("Care certificate", "Infection control", "home care aide", "Health and care", OCCUPATION),
        ("Care certificate", None, "home care aide", "Health and care", OCCUPATION),
    ]
    assert set(saved_pathways.saved_keys(db.session, amy)) == {one.key, two.key}
    assert saved_pathways.parse_key(two.key) == (
        _course(world, "certificate"),
        OCCUPATION,
        _course(world, "infection"),
    )
    # The database refuses a second copy, NULL second course included.
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.add(
                SavedPathway(
                    learner_id=amy.id,
                    course_id=one.course.id,
                    occupation_id=one.occupation.id,
                    pathway_key=one.key,
                )
            )
            db.session.flush()


def test_removing_acts_only_on_the_learners_own_saved_pathway(world: World) -> None:
    amy, ben = world.learners["amy"], world.learners["ben"]
    one = saved_pathways.resolve(db.session, _course(world, "certificate"), OCCUPATION)
    saved, _ = saved_pathways.save(db.session, amy, one)
    db.session.commit()
    with pytest.raises(UnknownPathway):
        saved_pathways.remove(db.session, ben, saved.public_id)
    assert saved_pathways.find_saved(db.session, amy, one) is not None
    saved_pathways.remove(db.session, amy, saved.public_id)
    db.session.commit()
    assert saved_pathways.saved_for(db.session, amy) == []


def test_saved_pathways_go_with_their_course(world: World) -> None:
    amy = world.learners["amy"]
    for key in ("certificate", "infection"):
        target = saved_pathways.resolve(db.session, _course(world, key), OCCUPATION)
        saved_pathways.save(db.session, amy, target)
    db.session.commit()
    course = db.session.get(Course, world.courses["infection"].id)
    db.session.delete(course)
    db.session.commit()
    assert [v.course for v in saved_pathways.saved_for(db.session, amy)] == ["Care certificate"]


def test_learners_with_a_saved_pathway_are_counted_per_occupation(world: World) -> None:
    occupation = world.occupation.id
    assert saved_pathways.saved_pathway_counts(db.session) == {}
    for name in ("amy", "ben"):
        for key in ("certificate", "infection"):
            target = saved_pathways.resolve(db.session, _course(world, key), OCCUPATION)
            saved_pathways.save(db.session, world.learners[name], target)
    db.session.commit()
    # Learners, not saved pathways: two each.
    assert saved_pathways.saved_pathway_counts(db.session) == {occupation: 2}
    assert saved_pathways.saved_pathway_counts(db.session, [occupation, -1]) == {occupation: 2}
    assert saved_pathways.saved_pathway_counts(db.session, []) == {}
