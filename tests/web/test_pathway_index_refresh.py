"""The pathway index follows the catalogue: rebuilt after a change or on a new day, only then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask
from sitetest import Account

from skillsmatch.extensions import db
from skillsmatch.models import CourseOffering, Learner
from skillsmatch.services.pathways import get_pathway_index
from skillsmatch.services.pathways.index import REFRESH_KEY


def _change_places(app: Flask) -> None:
    with app.app_context():
        offering = db.session.scalars(sa.select(CourseOffering).order_by(CourseOffering.id)).first()
        assert offering is not None
        offering.places += 1
        db.session.commit()


def test_an_unchanged_catalogue_keeps_its_index(
    web_app: Flask, make_account: Callable[..., Account]
) -> None:
    with web_app.test_request_context():
        first = get_pathway_index()
        make_account("learner")  # learners are read per request, not indexed
        with web_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 1
        assert get_pathway_index() is first


def test_a_catalogue_change_is_picked_up_by_the_next_request(web_app: Flask) -> None:
    with web_app.test_request_context():
        first = get_pathway_index()
    _change_places(web_app)
    with web_app.test_request_context():
        second = get_pathway_index()
        assert second is not first and second.revision > first.revision
        offering = db.session.scalars(sa.select(CourseOffering).order_by(CourseOffering.id)).first()
        assert offering is not None
        row = next(o for o in second.offerings if o.id == offering.id)
        assert row.places == offering.places
        assert get_pathway_index() is second


def test_a_new_day_rebuilds_the_index(web_app: Flask) -> None:
    with web_app.test_request_context():
        first = get_pathway_index()
        first.built_on = date.today() - timedelta(days=1)  # closing dates are judged by the day
        assert get_pathway_index() is not first


def test_in_the_background_the_old_index_answers_until_the_new_one_is_ready(
    web_app: Flask,
) -> None:
    web_app.config["PATHWAY_INDEX_REFRESH"] = "background"
    with web_app.test_request_context():
        first = get_pathway_index()
    _change_places(web_app)
    with web_app.test_request_context():
        assert get_pathway_index() is first  # answered at once, from the index it had
        refresh = web_app.extensions[REFRESH_KEY]
        refresh.join(timeout=60)
        assert not refresh.is_alive()
        second = get_pathway_index()
        assert second is not first and second.revision > first.revision
