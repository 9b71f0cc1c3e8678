"""Gap analysis on constructed scenarios with exact figures, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from gap_factories import AS_OF, LATE, PARAMETERS, GapWorld

from skillsmatch.extensions import db
from skillsmatch.models import GapSnapshot, GapSnapshotRow, GapSnapshotSource, Skill
from skillsmatch.models.gaps import GapSnapshotIsImmutable
from skillsmatch.services.gaps import (
    DemandSource,
    GapParameters,
    GapReport,
    GapRow,
    SnapshotReport,
    UnknownSelection,
    build_report,
    diff_reports,
    diff_snapshots,
    get_snapshot,
    list_snapshots,
    previous_snapshot,
    resolve_district,
    resolve_sector,
    save_snapshot,
)
from skillsmatch.services.gaps.analysis import allocate
from skillsmatch.services.reach import NEIGHBOURING, ONLINE, SAME_DISTRICT


def _report(parameters: GapParameters = PARAMETERS) -> GapReport:
    db.session.flush()
    return build_report(db.session, parameters)


def _row(report: GapReport, sector: str, district: str, skill: Skill) -> GapRow:
    found = report.rows(sector=sector, district=district, skill=skill.uri)
    assert len(found) == 1, found
    return found[0]


def _figures(row: GapRow) -> tuple[float, int, float, str]:
    return (row.demand, row.supply, row.shortfall, row.reason_code)


# -- gap or not --------------------------------------------------------------------------------


def test_demand_that_no_course_covers_is_a_gap(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        lifting = w.skill("move people safely")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [lifting], headcount=10)
        # Taught only two districts away from Alpha: not in reach.
        w.offering(w.course("Moving and handling", [lifting]), w.gamma, places=30)
        row = _row(_report(), "care", "E07000901", lifting)
        assert _figures(row) == (10.0, 0, 10.0, "no-course")
        assert (
            row.reason
            == "No course in reach of Alpha teaches move people safely. It is taught in Gamma."
        )
        assert row.is_gap


def test_demand_that_a_course_in_the_district_covers_is_not_a_gap(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        lifting = w.skill("move people safely")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [lifting], headcount=10)
        w.offering(w.course("Moving and handling", [lifting]), w.alpha, places=20)
        row = _row(_report(), "care", "E07000901", lifting)
        assert _figures(row) == (10.0, 20, 0.0, "covered")
        assert row.usable_supply == 10.0
        assert row.reason == "Covered: 20 places in reach for 10 needed."
        assert not row.is_gap


def test_capacity_shortfall(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        bricks = w.skill("lay bricks")
        w.demand(
            w.employer("Alpha Build", w.construction, w.alpha),
            [bricks],
            headcount=80,
            title="Bricklayer",
        )
        w.offering(w.course("Bricklayer", [bricks]), w.alpha, places=12)
        row = _row(_report(), "construction", "E07000901", bricks)
        assert _figures(row) == (80.0, 12, 68.0, "capacity")
        assert row.reason == "Courses exist but 12 places for 80 needed."


def test_a_course_one_district_away_covers_a_neighbour_two_away_does_not(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        lifting = w.skill("move people safely")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [lifting], headcount=10)
        w.demand(w.employer("Gamma Care", w.care, w.gamma), [lifting], headcount=4)
        w.offering(w.course("Moving and handling", [lifting]), w.beta, places=8)
        w.offering(w.course("Care certificate", [lifting]), w.gamma, places=5)
        report = _report()
        alpha = _row(report, "care", "E07000901", lifting)
        # Beta (neighbour) counts for Alpha; Gamma, two districts away, does not.
        assert _figures(alpha) == (10.0, 8, 2.0, "capacity")
        assert [(t.offering.district_name, t.travel) for t in report.trace(alpha).offerings] == [
            ("Beta", NEIGHBOURING)
        ]
        gamma = _row(report, "care", "E07000903", lifting)
        assert _figures(gamma) == (4.0, 13, 0.0, "covered")
        assert sorted(
            (t.offering.district_name, t.travel) for t in report.trace(gamma).offerings
        ) == [("Beta", NEIGHBOURING), ("Gamma", SAME_DISTRICT)]


def test_online_offerings_are_in_reach_of_every_district(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        sheets = w.skill("use spreadsheets", is_digital=True)
        for district in (w.alpha, w.gamma, w.delta):
            w.demand(w.employer(f"{district.name} Care", w.care, district), [sheets], headcount=3)
        w.offering(w.course("Digital skills", [sheets]), None, places=50)
        report = _report()
        for code in ("E07000901", "E07000903", "E07000904"):
            row = _row(report, "care", code, sheets)
            assert _figures(row) == (3.0, 50, 0.0, "covered")
            assert [t.travel for t in report.trace(row).offerings] == [ONLINE]


def test_supply_is_shared_not_divided_and_says_so_when_other_sectors_compete(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        safety = w.skill("health and safety")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [safety], headcount=6)
        w.demand(
            w.employer("Alpha Build", w.construction, w.alpha),
            [safety],
            headcount=9,
            title="Labourer",
        )
        w.offering(w.course("Safety at work", [safety]), w.alpha, places=10)
        report = _report()
        care = _row(report, "care", "E07000901", safety)
        assert _figures(care) == (6.0, 10, 0.0, "covered")
        assert care.other_sectors_demand == 9.0
        assert care.reason == (
            "Covered: 10 places in reach for 6 needed. The same places are also wanted by other "
            "sectors here (9 more)."
        )


# -- levels and intakes --------------------------------------------------------------------------


def test_supply_more_than_one_level_above_the_demand_does_not_count(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        meds = w.skill("administer medication")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [meds], headcount=5, level=2)
        w.offering(w.course("Nursing associate", [meds], level=4), w.alpha, places=20)
        row = _row(_report(), "care", "E07000901", meds)
        assert _figures(row) == (5.0, 0, 5.0, "level")
        assert row.supply_level_mismatch == 20
        assert row.reason == "Only at level 4; demand is at level 2."

        # One level above still fits.
        w.offering(w.course("Senior care worker", [meds], level=3), w.beta, places=7)
        row = _row(_report(), "care", "E07000901", meds)
        assert _figures(row) == (5.0, 7, 0.0, "covered")
        assert row.supply_level_mismatch == 20


def test_places_go_only_to_demand_at_a_level_they_fit(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        meds = w.skill("administer medication")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [meds], headcount=5, level=2)
        w.demand(
            w.employer("Alpha Home", w.care, w.alpha),
            [meds],
            headcount=5,
            level=3,
            title="Senior carer",
        )
        w.offering(w.course("Nursing associate", [meds], level=4), w.alpha, places=20)
        row = _row(_report(), "care", "E07000901", meds)
        # The level 4 course fits the level 3 demand only: 5 usable places, 5 short.
        assert _figures(row) == (10.0, 20, 5.0, "capacity")
        assert row.usable_supply == 5.0
        assert row.demand_levels == {"2": 5.0, "3": 5.0}
        assert row.reason == (
            "Courses exist but only 5 of their 20 places are at a level that fits the demand "
            "(levels 2 and 3); 10 needed."
        )


def test_allocation_serves_restrictive_places_first() -> None:
    # Level 4 places fit only level 3 demand; level 2 places fit both: all 10 are served.
    assert allocate({2: 5.0, 3: 5.0}, [(2, 5), (4, 5)], max_above=1) == 10.0
    assert allocate({2: 5.0, None: 2.0}, [(5, 4)], max_above=1) == 2.0
    assert allocate({3: 1.0}, [(None, 3)], max_above=1) == 1.0


def test_only_offerings_with_an_intake_in_the_window_count(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        roofs = w.skill("install roofing")
        w.demand(
            w.employer("Alpha Build", w.construction, w.alpha), [roofs], headcount=4, title="Roofer"
        )
        w.offering(w.course("Roofer", [roofs]), w.alpha, places=10, start_dates=[LATE])
        w.offering(w.course("Roof slater", [roofs]), w.alpha, places=6, start_dates=["2020-09-07"])
        row = _row(_report(), "construction", "E07000901", roofs)
        assert _figures(row) == (4.0, 0, 4.0, "no-intake")
        assert row.supply_outside_window == 16
        assert row.reason == (
            "Courses in reach teach install roofing, but none starts between 4 January 2027 "
            "and 4 January 2028."
        )
        # Offerings without published dates count unless the parameters say otherwise.
        w.offering(w.course("Roofing skills", [roofs]), w.alpha, places=3, start_dates=[])
        assert _figures(_row(_report(), "construction", "E07000901", roofs)) == (
            4.0,
            3,
            1.0,
            "capacity",
        )
        strict = replace(PARAMETERS, count_undated_offerings=False)
        assert _figures(_row(_report(strict), "construction", "E07000901", roofs))[3] == "no-intake"


def test_course_skill_provenance_decides_what_counts(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        wiring = w.skill("install wiring")
        w.demand(
            w.employer("Alpha Build", w.construction, w.alpha),
            [wiring],
            headcount=2,
            title="Electrician",
        )
        w.offering(
            w.course("Electrician", [wiring], provenance="esco-occupation"), w.alpha, places=9
        )
        assert _row(_report(), "construction", "E07000901", wiring).supply == 9
        confirmed_only = replace(PARAMETERS, supply_provenances=("ksb", "confirmed"))
        assert _figures(_row(_report(confirmed_only), "construction", "E07000901", wiring)) == (
            2.0,
            0,
            2.0,
            "no-course",
        )


# -- demand: weights, horizon, vacancies, de-duplication -----------------------------------------


def test_essential_skills_weigh_more_than_optional_ones(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care, welsh = w.skill("personal care"), w.skill("speak Welsh")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [care], optional=[welsh], headcount=10)
        report = _report()
        assert _row(report, "care", "E07000901", care).demand == 10.0
        optional = _row(report, "care", "E07000901", welsh)
        assert (optional.demand, optional.demand_essential, optional.demand_optional) == (
            5.0,
            0.0,
            5.0,
        )
        lighter = replace(PARAMETERS, optional_weight=0.25)
        assert _row(_report(lighter), "care", "E07000901", welsh).demand == 2.5


def test_headcount_over_a_longer_timeframe_counts_the_share_within_the_horizon(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care = w.skill("personal care")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [care], headcount=10, timeframe=24)
        w.demand(w.employer("Alpha Home", w.care, w.alpha), [care], headcount=3, timeframe=3)
        assert _row(_report(), "care", "E07000901", care).demand == 8.0  # 10 * 12/24 + 3


def test_a_vacancy_and_a_demand_for_the_same_need_count_once(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care, nights = w.skill("personal care"), w.skill("work night shifts")
        carer = w.occupation("care assistant")
        alpha = w.employer("Alpha Care", w.care, w.alpha, named=True)
        w.demand(alpha, [care], headcount=3, title="Care assistant")
        # Same employer, same district, overlapping title: the same need, with one more skill.
        w.vacancy("Care Assistant (nights)", w.care, w.alpha, [care, nights], employer=alpha)
        report = _report()
        row = _row(report, "care", "E07000901", care)
        assert row.demand == 3.0
        assert _row(report, "care", "E07000901", nights).demand == 3.0
        assert report.summary["vacancies_merged"] == 1
        ((source, contribution),) = report.trace(row).demands
        assert (source.kind, source.title, contribution) == ("demand", "Care assistant", 3.0)
        assert [v["title"] for v in source.merged_vacancies] == ["Care Assistant (nights)"]

        # Named by name only (no employer link), same occupation under another title: merged too.
        w.demand(alpha, [care], headcount=1, title="Support worker", occupation=carer)
        w.vacancy(
            "Domiciliary worker",
            w.care,
            w.alpha,
            [care],
            employer_name="alpha care",
            occupation=carer,
        )
        # Not the same need: another title, another district, another employer.
        w.vacancy("Cook", w.care, w.alpha, [care], employer=alpha)
        w.vacancy("Care assistant", w.care, w.beta, [care], employer=alpha)
        w.vacancy(
            "Care assistant", w.care, w.alpha, [care], employer=w.employer("Other", w.care, w.alpha)
        )
        report = _report()
        assert report.summary["vacancies_merged"] == 2
        assert _row(report, "care", "E07000901", care).demand == 3.0 + 1.0 + 1.0 + 1.0
        assert _row(report, "care", "E07000902", care).demand == 1.0


def test_a_demand_merging_more_vacancies_than_its_headcount_counts_each_post(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care = w.skill("personal care")
        alpha = w.employer("Alpha Care", w.care, w.alpha)
        w.demand(alpha, [care], headcount=1, title="Care assistant")
        w.vacancy("Care assistant", w.care, w.alpha, [care], employer=alpha)
        w.vacancy("Care assistant days", w.care, w.alpha, [care], employer=alpha)
        assert _row(_report(), "care", "E07000901", care).demand == 2.0


def test_only_live_vacancies_count(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care = w.skill("personal care")
        w.vacancy("Carer", w.care, w.alpha, [care], closing=None)
        w.vacancy("Carer", w.care, w.alpha, [care], closing=AS_OF)
        w.vacancy("Carer", w.care, w.alpha, [care], closing=AS_OF - timedelta(days=1))
        report = _report()
        assert _row(report, "care", "E07000901", care).demand == 2.0
        assert (report.summary["vacancies_live"], report.summary["vacancies_not_live"]) == (2, 1)
        grace = replace(PARAMETERS, vacancy_grace_days=7)
        assert _row(_report(grace), "care", "E07000901", care).demand == 3.0


# -- people and names ----------------------------------------------------------------------------


def test_employers_are_named_only_with_their_consent(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care = w.skill("personal care")
        w.demand(w.employer("Named Homes Ltd", w.care, w.alpha, named=True), [care], headcount=2)
        w.demand(
            w.employer("Private Carers Ltd", w.care, w.alpha, named=False), [care], headcount=3
        )
        w.vacancy("Carer", w.care, w.alpha, [care], employer_name="Unregistered Agency")
        report = _report()
        demands = report.trace(_row(report, "care", "E07000901", care)).demands
        assert sorted((s.employer or "-", c) for s, c in demands) == [
            ("-", 1.0),
            ("-", 3.0),
            ("Named Homes Ltd", 2.0),
        ]
        snapshot = save_snapshot(db.session, report, "names")
        db.session.commit()
        stored = json.dumps(
            [d for d in db.session.scalars(sa.select(GapSnapshotSource.detail))]
            + [snapshot.summary]
        )
        assert "Named Homes Ltd" in stored
        assert "Private Carers" not in stored and "Unregistered Agency" not in stored


def test_learner_pipeline_counts_learners_in_reach_holding_the_skill(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care = w.skill("personal care")
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [care], headcount=2)
        w.learner(w.alpha, [care], sectors=[w.care])
        w.learner(w.beta, [care], sectors=[w.care])
        w.learner(w.gamma, [care], sectors=[w.care])  # two districts away
        w.learner(w.alpha, [], sectors=[w.construction])
        report = _report()
        assert _row(report, "care", "E07000901", care).pipeline == 2
        cell = report.cell("care", "E07000901")
        assert cell is not None and cell.learners_interested == 2


# -- pathways ------------------------------------------------------------------------------------


def test_pathway_gaps_list_demands_no_course_in_reach_starts_and_their_missing_skills(
    app: Flask,
) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        bricks, mortar, plans, crane = (
            w.skill(s) for s in ("lay bricks", "mix mortar", "read plans", "operate crane")
        )
        build = w.employer("Alpha Build", w.construction, w.alpha)
        w.demand(build, [bricks, mortar, plans], headcount=4, title="Bricklayer", level=2)
        w.demand(build, [crane], optional=[plans], headcount=2, title="Crane operator", level=2)
        w.offering(w.course("Bricklayer", [bricks], level=2), w.beta, places=10)
        w.offering(
            w.course("Site planning", [plans], level=6), w.alpha, places=10
        )  # level too high
        report = _report()
        gaps = report.pathway_gaps()
        assert [(g.title, g.pathway_gap) for g in gaps] == [("Crane operator", True)]
        assert [label for _, label in gaps[0].missing_essential] == ["operate crane"]
        bricklayer = next(
            s
            for s in report.sources.values()
            if isinstance(s, DemandSource) and s.title == "Bricklayer"
        )
        assert (
            bricklayer.best_course is not None
            and bricklayer.best_course["essential_share"] == 0.3333
        )
        assert [label for _, label in bricklayer.missing_essential] == ["mix mortar", "read plans"]
        cell = report.cell("construction", "E07000901")
        assert cell is not None and (cell.demand_items, cell.pathway_gaps) == (2, 1)

        # Asking a course to cover half of the essential skills makes the bricklayer a gap too.
        half = _report(replace(PARAMETERS, pathway_min_share=0.5))
        assert [g.title for g in half.pathway_gaps()] == ["Bricklayer", "Crane operator"]


# -- roll-ups ------------------------------------------------------------------------------------


def test_heatmap_has_every_cell_with_severity_and_figures_per_10k_residents(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        care, sheets = w.skill("personal care"), w.skill("use spreadsheets", is_digital=True)
        w.demand(w.employer("Alpha Care", w.care, w.alpha), [care, sheets], headcount=10)
        w.offering(w.course("Care", [care]), w.alpha, places=4)
        report = _report()
        cells = report.heatmap()
        assert len(cells) == 2 * 4
        alpha = report.cell("care", "E07000901")
        assert alpha is not None
        assert (alpha.headcount, alpha.demand, alpha.shortfall, alpha.skills, alpha.gap_skills) == (
            10.0,
            20.0,
            16.0,
            2,
            2,
        )
        assert alpha.severity == 0.8
        assert alpha.shortfall_per_10k == 8.0  # 16 short among 20,000 working-age residents
        assert alpha.headcount_per_10k == 5.0
        empty = report.cell("construction", "E07000904")
        assert empty is not None and empty.severity is None and empty.demand == 0
        district = {r.key: r for r in report.districts()}["E07000901"]
        assert (
            district.extra["shortfall_per_10k"] == 8.0 and district.extra["working_age"] == 20_000
        )


def test_roll_ups_by_skill_group_and_collection(app: Flask) -> None:
    with app.app_context():
        w = GapWorld(db.session)
        digital = w.group("digital competences", level=1, parent=w.top_group)
        caring = w.group("assisting and caring", level=1, parent=w.top_group)
        sheets = w.skill(
            "use spreadsheets", group=w.group("spreadsheets", 2, digital), is_digital=True
        )
        solar = w.skill("fit solar panels", group=digital, is_green=True, is_digital=True)
        care = w.skill("personal care", group=caring)
        teamwork = w.skill("work in teams", is_transversal=True)
        w.demand(
            w.employer("Alpha Care", w.care, w.alpha), [sheets, solar, care, teamwork], headcount=2
        )
        w.offering(w.course("Care", [care, sheets]), w.alpha, places=1)
        report = _report()
        groups = {
            (g.label, g.demand, g.shortfall, g.skills, g.gap_skills) for g in report.skill_groups(1)
        }
        assert groups == {
            ("digital competences", 4.0, 3.0, 2, 2),
            ("assisting and caring", 2.0, 1.0, 1, 1),
            ("Not in the ESCO skills hierarchy", 2.0, 2.0, 1, 1),
        }
        deep = {g.label for g in report.skill_groups(2)}
        assert deep == {
            "spreadsheets",
            "digital competences",
            "assisting and caring",
            "Not in the ESCO skills hierarchy",
        }
        collections = {c.key: (c.demand, c.shortfall, c.skills) for c in report.collections()}
        assert collections == {
            "digital": (4.0, 3.0, 2),
            "green": (2.0, 2.0, 1),
            "transversal": (2.0, 2.0, 1),
        }
        assert [r.skill_label for r in report.top_gaps(10, collection="green")] == [
            "fit solar panels"
        ]


# -- snapshots -----------------------------------------------------------------------------------


def _world_with_gaps() -> GapWorld:
    w = GapWorld(db.session)
    care, meds = w.skill("personal care"), w.skill("administer medication")
    w.care_skill, w.meds_skill = care, meds  # type: ignore[attr-defined]
    w.demand(
        w.employer("Alpha Care", w.care, w.alpha, named=True), [care, meds], headcount=10, level=2
    )
    w.offering(w.course("Care", [care]), w.alpha, places=4)
    db.session.flush()
    return w


def test_a_snapshot_reads_back_as_the_report_it_stored(app: Flask) -> None:
    with app.app_context():
        w = _world_with_gaps()
        crane = w.skill("operate crane")
        w.demand(
            w.employer("Beta Build", w.construction, w.beta), [crane], headcount=3, title="Crane"
        )
        report = _report()
        crane_uri = crane.uri
        public_id = save_snapshot(db.session, report, " 2027 Q1 ").public_id
        db.session.commit()
        db.session.expunge_all()

        stored = get_snapshot(db.session, str(public_id))
        assert stored is not None and stored.label == "2027 Q1" and stored.as_of == AS_OF
        view = SnapshotReport(db.session, stored)
        assert view.parameters == PARAMETERS
        assert [r.figures() for r in view.rows()] == [r.figures() for r in report.rows()]
        assert [c.as_dict() for c in view.heatmap()] == [c.as_dict() for c in report.heatmap()]
        assert [r.key for r in view.top_gaps(5)] == [r.key for r in report.top_gaps(5)]
        assert [r.as_dict() for r in view.skill_groups(1)] == [
            r.as_dict() for r in report.skill_groups(1)
        ]
        assert [r.as_dict() for r in view.collections()] == [
            r.as_dict() for r in report.collections()
        ]
        top = view.top_gaps(1)[0]
        live, kept = report.trace(report.top_gaps(1)[0]), view.trace(top)
        assert kept.demands == live.demands and kept.offerings == live.offerings
        assert kept.row == live.row
        assert view.pathway_gaps() == report.pathway_gaps()
        assert [(g.title, g.missing_essential) for g in view.pathway_gaps()] == [
            ("Crane", ((crane_uri, "operate crane"),))
        ]
        assert view.demands(sector="care") == report.demands(sector="care")
        assert [(d.title, d.employer, d.headcount) for d in view.demands(district="E07000901")] == [
            ("Care assistant", "Alpha Care", 10.0)
        ]
        assert [d.title for d in view.demands(sector="construction")] == ["Crane"]
        assert [
            r.key for r in view.rows(sector="care", district="E07000901", skill=top.skill_uri)
        ] == [top.key]
        assert get_snapshot(db.session, "not-a-uuid") is None


def test_snapshots_cannot_be_changed_or_deleted(app: Flask) -> None:
    with app.app_context():
        _world_with_gaps()
        snapshot = save_snapshot(db.session, _report(), "fixed")
        db.session.commit()

        row = db.session.scalars(sa.select(GapSnapshotRow)).first()
        assert row is not None
        row.shortfall = 0.0
        with pytest.raises(GapSnapshotIsImmutable):
            db.session.flush()
        db.session.rollback()

        snapshot.label = "edited"
        with pytest.raises(GapSnapshotIsImmutable):
            db.session.commit()
        db.session.rollback()

        db.session.delete(snapshot)
        with pytest.raises(GapSnapshotIsImmutable):
            db.session.commit()
        db.session.rollback()

        with pytest.raises(GapSnapshotIsImmutable):
            db.session.execute(sa.update(GapSnapshotRow).values(shortfall=0.0))
        with pytest.raises(GapSnapshotIsImmutable):
            db.session.execute(sa.delete(GapSnapshot))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.sum(GapSnapshotRow.shortfall))) == 16.0
        assert db.session.scalar(sa.select(GapSnapshot.label)) == "fixed"


def test_diff_between_snapshots_lists_new_closed_and_changed_gaps(app: Flask) -> None:
    with app.app_context():
        w = _world_with_gaps()
        first = save_snapshot(db.session, _report(), "Q1")
        db.session.commit()

        # Next quarter: medication gets a course (gap closed), demand for care grows (changed),
        # and a new need appears with nothing in reach (new gap).
        w.offering(w.course("Medicines", [w.meds_skill]), w.beta, places=15)  # type: ignore[attr-defined]
        w.demand(w.employer("Alpha Home", w.care, w.alpha), [w.care_skill], headcount=2, level=2)  # type: ignore[attr-defined]
        w.demand(
            w.employer("Delta Build", w.construction, w.delta), [w.skill("lay bricks")], headcount=3
        )
        second = save_snapshot(db.session, _report(), "Q2")
        db.session.commit()

        change = diff_snapshots(db.session, first, second)
        assert [
            (c.skill_label, c.district_code, c.old_shortfall, c.new_shortfall)
            for c in change.new_gaps
        ] == [("lay bricks", "E07000904", None, 3.0)]
        assert [(c.skill_label, c.old_shortfall, c.new_shortfall) for c in change.closed_gaps] == [
            ("administer medication", 10.0, 0.0)
        ]
        assert [
            (c.skill_label, c.old_shortfall, c.new_shortfall, c.change) for c in change.changed
        ] == [("personal care", 6.0, 8.0, 2.0)]
        assert (change.old_shortfall, change.new_shortfall) == (16.0, 11.0)
        assert {(c.sector_slug, c.district_code, c.change) for c in change.cells} == {
            ("care", "E07000901", -8.0),
            ("construction", "E07000904", 3.0),
        }
        assert previous_snapshot(db.session, second) == first
        assert previous_snapshot(db.session, first) is None
        assert [s.label for s in list_snapshots(db.session)] == ["Q2", "Q1"]
        # A live report compares with a stored one the same way.
        assert diff_reports(SnapshotReport(db.session, second), _report()).new_gaps == []


# -- inputs --------------------------------------------------------------------------------------


def test_parameters_refuse_contradictions_and_round_trip_through_json() -> None:
    with pytest.raises(ValueError, match="optional_weight must not exceed essential_weight"):
        GapParameters(essential_weight=0.5, optional_weight=1.0)
    with pytest.raises(ValueError, match="unknown supply provenance"):
        GapParameters(supply_provenances=("rumour",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        GapParameters(pathway_min_share=2.0)
    assert GapParameters.from_json(json.loads(json.dumps(PARAMETERS.to_json()))) == PARAMETERS


def test_sector_and_district_are_resolved_from_what_people_type(app: Flask) -> None:
    with app.app_context():
        GapWorld(db.session)
        assert resolve_sector(db.session, " CARE ").slug == "care"
        assert resolve_sector(db.session, "Construction").slug == "construction"
        assert resolve_district(db.session, "e07000902").name == "Beta"
        with pytest.raises(
            UnknownSelection, match=r"unknown sector 'Farming'. Valid sectors: care \(Care\); "
        ):
            resolve_sector(db.session, "Farming")
        with pytest.raises(UnknownSelection, match="Valid district codes: E07000901 \\(Alpha\\)"):
            resolve_district(db.session, "W06000001")


# -- schema --------------------------------------------------------------------------------------


def test_the_snapshot_migration_matches_the_models_and_downgrades(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    gap_tables = {"gap_snapshot", "gap_snapshot_row", "gap_snapshot_source"}
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, db.metadata) if gap_tables & _tables_named(d)
            ]
        assert differences == []

        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision="1542a98b90f3")
        assert not gap_tables & set(sa.inspect(db.engine).get_table_names())
        upgrade(directory=directory)
        assert gap_tables <= set(sa.inspect(db.engine).get_table_names())


def _tables_named(difference: object) -> set[str]:
    """Table names mentioned anywhere in one autogenerate difference."""
    found: set[str] = set()
    stack = [difference]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, sa.Table):
            found.add(item.name)
        elif isinstance(item, str):
            found.add(item)
        elif hasattr(item, "table") and isinstance(item.table, sa.Table):
            found.add(item.table.name)
    return found
