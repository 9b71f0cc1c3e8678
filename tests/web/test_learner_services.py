"""The learner's profile and personal-data services, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from learnertest import (
    ABOUT,
    CODE,
    FORKLIFT,
    RECORDS,
    WELLBEING,
    add_extra_skills,
    install_linker,
    skill_uri,
)
from sitetest import CHELMSFORD, PASSWORD, TENDRING, build_catalogue

from skillsmatch.extensions import db
from skillsmatch.models import AuditEvent, Base, Learner, LearnerSkill, Skill, User
from skillsmatch.services import accounts, learner_profile, personal_data
from skillsmatch.services.learner_profile import LearnerNotVisible, ProfileError, UnknownSkill
from skillsmatch.services.personal_data import PersonalDataMap, Subject


@pytest.fixture
def site(app: Flask) -> Flask:
    with app.app_context():
        build_catalogue()
    add_extra_skills(app)
    install_linker(app)
    return app


def _learner(email: str = "ada@example.com", district: str | None = CHELMSFORD) -> Learner:
    user = accounts.register_learner(
        db.session, email=email, password=PASSWORD, name="Ada", district_code=district
    )
    db.session.commit()
    return learner_profile.learner_for_user(db.session, user)


def _rows(learner: Learner) -> dict[str, tuple[str, float | None, bool]]:
    return {
        label: (row.provenance, row.score, row.confirmed)
        for row, label in db.session.execute(
            sa.select(LearnerSkill, Skill.label)
            .join(Skill)
            .where(LearnerSkill.learner_id == learner.id)
        )
    }


def test_saving_the_profile_stores_suggestions_unconfirmed(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        saved = learner_profile.save_profile(
            db.session,
            learner,
            about=ABOUT,
            district_code=TENDRING,
            level="3",
            sector_slugs=["care", "health", ""],
        )
        db.session.commit()
        assert (saved.about_changed, saved.suggested, saved.reason) == (True, 3, None)
        rows = _rows(learner)
        assert set(rows) == {WELLBEING, RECORDS, CODE}
        assert all(
            p == "text" and s is not None and 0.3 <= s <= 1 and not c for p, s, c in rows.values()
        )
        assert learner.district is not None and learner.district.code == TENDRING
        assert learner.level == 3
        assert sorted(s.slug for s in learner.sectors) == ["care", "health"]

        view = learner_profile.profile_skills(db.session, learner)
        assert view.confirmed == []
        by_label = {s.label: s for s in view.suggested}
        assert by_label[WELLBEING].confidence == "likely"
        assert by_label[RECORDS].confidence == "possible"
        assert by_label[WELLBEING].evidence == "Every day I would support people's wellbeing."
        assert by_label[RECORDS].evidence.startswith("I maintain records of medication")
        # The surest suggestions first.
        assert view.suggested[-1].label == RECORDS

        # Saving the same text again suggests nothing new: a removed suggestion stays removed.
        learner_profile.remove_skill(db.session, learner, skill_uri(site, CODE))
        again = learner_profile.save_profile(
            db.session,
            learner,
            about=ABOUT + "\n",
            district_code=None,
            level="",
            sector_slugs=[],
        )
        db.session.commit()
        assert not again.about_changed and set(_rows(learner)) == {WELLBEING, RECORDS}
        assert learner.district is None and learner.level is None and learner.sectors == []


def test_new_text_replaces_pending_suggestions_and_keeps_confirmed_skills(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        learner_profile.save_profile(
            db.session, learner, about=ABOUT, district_code=None, level=None, sector_slugs=[]
        )
        learner_profile.confirm_skill(db.session, learner, skill_uri(site, CODE))
        learner_profile.add_skill(db.session, learner, skill_uri(site, FORKLIFT))
        saved = learner_profile.save_profile(
            db.session,
            learner,
            about="I maintain records in an office.",
            district_code=None,
            level=None,
            sector_slugs=[],
        )
        db.session.commit()
        assert saved.suggested == 1
        rows = _rows(learner)
        assert rows[CODE] == ("text", pytest.approx(0.707, abs=1e-3), True)
        assert rows[FORKLIFT] == ("added", None, True)
        assert rows[RECORDS][0] == "text" and rows[RECORDS][2] is False
        assert WELLBEING not in rows  # no longer in the text, never confirmed

        cleared = learner_profile.save_profile(
            db.session, learner, about="  ", district_code=None, level=None, sector_slugs=[]
        )
        db.session.commit()
        assert cleared.about_changed and learner.about == ""
        assert set(_rows(learner)) == {CODE, FORKLIFT}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"about": "x" * 5001}, "about", "Your description must be 5,000 characters or fewer"),
        ({"district_code": "E99999999"}, "district", "Select a district from the list"),
        ({"level": "9"}, "level", "Select a qualification level from the list"),
        ({"level": "two"}, "level", "Select a qualification level from the list"),
        ({"sector_slugs": ["care", "farming"]}, "sectors", "Select sectors from the list"),
    ],
)
def test_a_refused_profile_names_the_field_and_changes_nothing(
    site: Flask, changes: dict[str, object], field: str, message: str
) -> None:
    with site.app_context():
        learner = _learner()
        values: dict[str, object] = {
            "about": "Hello",
            "district_code": TENDRING,
            "level": "2",
            "sector_slugs": ["care"],
            **changes,
        }
        with pytest.raises(ProfileError) as refused:
            learner_profile.save_profile(db.session, learner, **values)  # type: ignore[arg-type]
        assert (refused.value.field, refused.value.message) == (field, message)
        db.session.rollback()
        assert learner.about == "" and learner.level is None and learner.sectors == []
        assert learner.district is not None and learner.district.code == CHELMSFORD


def test_confirm_remove_add_act_on_this_learner_only(site: Flask) -> None:
    with site.app_context():
        ada, bob = _learner(), _learner("bob@example.com")
        learner_profile.save_profile(
            db.session, bob, about=ABOUT, district_code=None, level=None, sector_slugs=[]
        )
        wellbeing, forklift = skill_uri(site, WELLBEING), skill_uri(site, FORKLIFT)
        for act in (learner_profile.confirm_skill, learner_profile.remove_skill):
            with pytest.raises(UnknownSkill):
                act(db.session, ada, wellbeing)  # Bob's suggestion, not Ada's
            with pytest.raises(UnknownSkill):
                act(db.session, ada, "http://data.europa.eu/esco/skill/no-such-skill")
        with pytest.raises(UnknownSkill):
            learner_profile.add_skill(db.session, ada, "not a skill")
        assert _rows(ada) == {} and _rows(bob)[WELLBEING][2] is False

        skill, added = learner_profile.add_skill(db.session, ada, forklift)
        assert (skill.label, added) == (FORKLIFT, True)
        assert learner_profile.add_skill(db.session, ada, forklift)[1] is False
        # Adding a pending suggestion confirms it and keeps where it came from.
        assert learner_profile.add_skill(db.session, bob, wellbeing)[1] is True
        assert _rows(bob)[WELLBEING][::2] == ("text", True)
        learner_profile.remove_skill(db.session, ada, forklift)
        assert _rows(ada) == {}


def test_skill_search_marks_skills_already_held(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        learner_profile.add_skill(db.session, learner, skill_uri(site, RECORDS))
        found = learner_profile.search(db.session, learner, "  MAINTAIN  ")
        assert [(r.label, r.in_profile) for r in found] == [(RECORDS, True)]
        found = learner_profile.search(db.session, learner, "safety")
        assert [(r.label, r.skill_type) for r in found] == [
            ("health and safety regulations", "knowledge")
        ]
        assert learner_profile.search(db.session, learner, "%") == []
        assert learner_profile.search(db.session, learner, "") == []
        with pytest.raises(ProfileError, match="100 characters or fewer"):
            learner_profile.search(db.session, learner, "x" * 101)


def test_consent_changes_are_timestamped_and_audited(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        user = db.session.get(User, learner.user_id)
        assert user is not None
        first = datetime(2000, 3, 1, 9, 0, tzinfo=UTC)
        # A first "no" is a choice too: recorded, though the stored flag does not change.
        assert learner_profile.set_consent(db.session, learner, False, actor=user, now=first)
        assert learner_profile.set_consent(
            db.session, learner, True, actor=user, request_id="req-1"
        )
        assert learner.visible_to_employers and learner.consent_changed_at > first
        assert not learner_profile.set_consent(db.session, learner, True, actor=user)
        db.session.commit()
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.target_id, e.detail) for e in events] == [
            ("change-consent", learner.public_id, {"visible_to_employers": False}),
            ("change-consent", learner.public_id, {"visible_to_employers": True}),
        ]
        assert events[1].actor_id == user.public_id and events[1].request_id == "req-1"
        with pytest.raises(TypeError):
            learner_profile.set_consent(db.session, learner, "yes", actor=user)  # type: ignore[arg-type]


def _other_user(role: str, email: str) -> User:
    user = User(email=email, password_hash="x", role=role, display_name=role)
    db.session.add(user)
    db.session.flush()
    return user


def test_reads_of_a_learner_by_someone_else_are_checked_and_audited(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        own = db.session.get(User, learner.user_id)
        other_learner = _learner("bob@example.com")
        employer, board, provider = (
            _other_user(r, f"{r}@example.com") for r in ("employer", "board", "provider")
        )
        other = db.session.get(User, other_learner.user_id)
        assert own is not None and other is not None

        def reads() -> list[tuple[str, uuid.UUID | None]]:
            return [
                (e.actor_role, e.target_id)
                for e in db.session.scalars(
                    sa.select(AuditEvent).where(AuditEvent.action == "read").order_by(AuditEvent.id)
                )
            ]

        assert learner_profile.read_learner(db.session, own, learner.public_id) is learner
        assert reads() == []  # one's own record is not audited
        for viewer in (employer, board, provider, other):  # no consent yet
            with pytest.raises(LearnerNotVisible):
                learner_profile.read_learner(db.session, viewer, learner.public_id)
        with pytest.raises(LearnerNotVisible):
            learner_profile.read_learner(db.session, employer, uuid.uuid4())
        assert reads() == []

        learner_profile.set_consent(db.session, learner, True, actor=own)
        assert (
            learner_profile.read_learner(db.session, employer, learner.public_id, request_id="r1")
            is learner
        )
        for viewer in (board, provider, other):  # consent is for employers only
            with pytest.raises(LearnerNotVisible):
                learner_profile.read_learner(db.session, viewer, learner.public_id)
        learner_profile.set_consent(db.session, learner, False, actor=own)
        with pytest.raises(LearnerNotVisible):  # withdrawn: no longer visible
            learner_profile.read_learner(db.session, employer, learner.public_id)
        db.session.commit()
        assert reads() == [("employer", learner.public_id)]
        (read,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "read"))
        assert read.actor_id == employer.public_id and read.request_id == "r1"


# --- personal data ---------------------------------------------------------------------------


def _tables_referencing_people(metadata: sa.MetaData) -> set[str]:
    """Tables with a foreign key to a learner or a user account, found independently."""
    return {
        table.name
        for table in metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name in {"learner", "user_account"}
    }


def _everything_about(site: Flask, learner: Learner, about: str = ABOUT) -> None:
    learner_profile.save_profile(
        db.session,
        learner,
        about=about,
        district_code=TENDRING,
        level=4,
        sector_slugs=["care", "construction"],
    )
    learner_profile.confirm_skill(db.session, learner, skill_uri(site, WELLBEING))
    learner_profile.add_skill(db.session, learner, skill_uri(site, FORKLIFT))
    user = db.session.get(User, learner.user_id)
    assert user is not None
    learner_profile.set_consent(db.session, learner, True, actor=user)
    db.session.commit()


def test_the_export_covers_every_table_referencing_a_learner(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        _everything_about(site, learner)
        _everything_about(site, _learner("bob@example.com"))
        user = db.session.get(User, learner.user_id)
        assert user is not None
        download = personal_data.export(db.session, learner, "json", actor=user, request_id="r2")
        db.session.commit()
        assert download.filename.startswith("skillsmatch-your-data-")
        assert download.filename.endswith(".json") and download.mimetype == "application/json"
        document = json.loads(download.body)
        tables = document["tables"]
        referencing = _tables_referencing_people(Base.metadata)
        assert referencing >= {"learner", "learner_skill", "learner_sector"}
        assert referencing <= set(tables)
        assert set(tables) == set(personal_data.personal_data_map().table_names)

        (account,) = tables["user_account"]
        assert account["email"] == "ada@example.com" and account["public_id"] == str(user.public_id)
        assert "password_hash" not in account and "id" not in account
        assert datetime.fromisoformat(account["created_at"]).utcoffset().total_seconds() == 0
        (profile,) = tables["learner"]
        assert profile["about"] == ABOUT and profile["level"] == 4
        assert profile["district"] == {"code": TENDRING, "name": "Tendring"}
        assert profile["user"] == {"public_id": str(user.public_id)}
        assert profile["visible_to_employers"] is True
        assert {s["sector"]["slug"] for s in tables["learner_sector"]} == {"care", "construction"}
        skills = {s["skill"]["label"]: s for s in tables["learner_skill"]}
        assert set(skills) == {WELLBEING, RECORDS, CODE, FORKLIFT}  # Ada's only
        assert skills[WELLBEING]["confirmed"] and skills[WELLBEING]["provenance"] == "text"
        assert skills[FORKLIFT]["provenance"] == "added" and skills[FORKLIFT]["score"] is None
        assert "bob@example.com" not in download.body.decode()
        # Who did what to the record: so far, the learner's own consent change.
        assert [(e["by"], e["action"]) for e in document["access_log"]] == [
            ("you", "change-consent")
        ]
        (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export"))
        assert event.target_id == learner.public_id and event.request_id == "r2"
        assert event.detail == {"format": "json", "tables": len(tables), "rows": 1 + 1 + 2 + 4}


def test_the_csv_export_is_a_zip_of_one_file_per_table(site: Flask) -> None:
    with site.app_context():
        learner = _learner()
        _everything_about(site, learner)
        learner.about = '=HYPERLINK("http://evil.example","click") and "quotes", commas'
        user = db.session.get(User, learner.user_id)
        assert user is not None
        download = personal_data.export(db.session, learner, "csv", actor=user)
        assert download.mimetype == "application/zip" and download.filename.endswith(".zip")
        archive = zipfile.ZipFile(io.BytesIO(download.body))
        names = set(archive.namelist())
        assert names == {f"{t}.csv" for t in personal_data.personal_data_map().table_names} | {
            "access_log.csv"
        }
        assert _tables_referencing_people(Base.metadata) <= {n[:-4] for n in names}

        def read(name: str) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

        (profile,) = read("learner.csv")
        # A formula is written as text, not run by spreadsheet programs.
        assert profile["about"].startswith("'=HYPERLINK(") and profile["about"].endswith("commas")
        assert profile["district.code"] == TENDRING and profile["visible_to_employers"] == "true"
        skills = read("learner_skill.csv")
        assert {s["skill.label"] for s in skills} == {WELLBEING, RECORDS, CODE, FORKLIFT}
        assert list(skills[0]) == [
            "learner.public_id",
            "skill.uri",
            "skill.label",
            "provenance",
            "score",
            "confirmed",
        ]
        assert "password_hash" not in read("user_account.csv")[0]
        with pytest.raises(ValueError, match="unknown export format"):
            personal_data.export(db.session, learner, "xml", actor=user)


def _tables_holding(texts: list[str], ids: list[uuid.UUID]) -> set[str]:
    """Tables with a cell containing one of ``texts`` or equal to one of ``ids``."""
    found = set()
    for table in Base.metadata.sorted_tables:
        conditions = []
        for column in table.columns:
            if isinstance(column.type, sa.Uuid):
                conditions.append(column.in_(ids))
            elif isinstance(column.type, sa.String | sa.Text | sa.JSON):
                text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
                conditions.extend(text.contains(t, autoescape=True) for t in texts)
        if conditions and db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(sa.or_(*conditions))
        ):
            found.add(table.name)
    return found


def test_erasure_leaves_no_row_about_the_learner_and_one_audit_event(site: Flask) -> None:
    with site.app_context():
        learner = _learner("erase.me@example.com")
        words = ABOUT + " My name is Erin Example."
        _everything_about(site, learner, words)
        bob = _learner("bob@example.com")
        _everything_about(site, bob)
        user = db.session.get(User, learner.user_id)
        assert user is not None
        personal_data.export(db.session, learner, "json", actor=user)
        db.session.commit()
        subject = Subject.of(learner)
        learner_id, user_id = learner.public_id, user.public_id
        events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        bob_before = personal_data.personal_data_map().remaining(db.session, Subject.of(bob))

        deleted = personal_data.erase(db.session, learner, actor=user, request_id="r3")
        db.session.commit()
        db.session.expire_all()

        mapping = personal_data.personal_data_map()
        assert deleted == 1 + 1 + 2 + 4
        assert set(mapping.remaining(db.session, subject).values()) == {0}
        # Every table with a foreign key to a learner or an account, checked directly.
        for name in _tables_referencing_people(Base.metadata):
            table = Base.metadata.tables[name]
            for fk in table.foreign_keys:
                if fk.column.table.name in {"learner", "user_account"}:
                    key = (
                        subject.learner_id if fk.column.table.name == "learner" else subject.user_id
                    )
                    count = db.session.scalar(
                        sa.select(sa.func.count()).select_from(table).where(fk.parent == key)
                    )
                    assert count == 0, name
        # Nothing anywhere holds their address or words; only the audit log keeps the opaque id.
        assert _tables_holding(["erase.me@example.com", words], []) == set()
        assert _tables_holding([], [learner_id, user_id]) == {"audit_event"}
        assert mapping.remaining(db.session, Subject.of(bob)) == bob_before

        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert len(events) == events_before + 1
        erasure = events[-1]
        assert (erasure.action, erasure.target_type, erasure.target_id) == (
            "delete",
            "learner",
            learner_id,
        )
        assert erasure.detail == {"rows": deleted, "tables": 4}
        assert erasure.request_id == "r3"
        assert (
            db.session.scalar(sa.select(User).where(User.email == "erase.me@example.com")) is None
        )
        assert accounts.authenticate(db.session, "erase.me@example.com", PASSWORD) is None


def test_tables_added_later_are_exported_and_erased_without_a_change(tmp_path: object) -> None:
    """A new table referencing a learner, one referencing that, and one referencing accounts."""
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    note = sa.Table(
        "learner_note",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.ForeignKey("learner.id"), nullable=False),
        sa.Column("text", sa.Text),
    )
    sa.Table(
        "learner_note_tag",
        metadata,
        sa.Column("note_id", sa.ForeignKey("learner_note.id"), primary_key=True),
        sa.Column("tag", sa.String(20), primary_key=True),
    )
    sa.Table(
        "sign_in_record",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("district_id", sa.ForeignKey("district.id")),
    )
    mapping = PersonalDataMap(metadata)
    assert set(mapping.table_names) >= {"learner_note", "learner_note_tag", "sign_in_record"}
    # Referenced tables come before the tables referencing them.
    order = mapping.table_names
    assert order.index("learner") < order.index("learner_note") < order.index("learner_note_tag")

    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    t = metadata.tables
    with engine.begin() as conn:
        conn.execute(
            t["district"].insert(),
            [
                {
                    "id": 1,
                    "code": CHELMSFORD,
                    "name": "Chelmsford",
                    "population_2011": 1,
                    "population_2021": 1,
                    "working_age_2021": 1,
                }
            ],
        )
        for n in (1, 2):
            conn.execute(
                t["user_account"].insert(),
                [
                    {
                        "id": n,
                        "email": f"u{n}@example.com",
                        "password_hash": "h",
                        "role": "learner",
                        "display_name": f"U{n}",
                        "session_version": 1,
                        "public_id": uuid.uuid4(),
                        "is_demo": False,
                        "created_at": datetime.now(UTC),
                    }
                ],
            )
            conn.execute(
                t["learner"].insert(),
                [
                    {
                        "id": n,
                        "user_id": n,
                        "about": f"about {n}",
                        "visible_to_employers": False,
                        "public_id": uuid.uuid4(),
                        "is_demo": False,
                    }
                ],
            )
            conn.execute(note.insert(), [{"id": n, "learner_id": n, "text": f"note {n}"}])
            conn.execute(t["learner_note_tag"].insert(), [{"note_id": n, "tag": f"tag{n}"}])
            conn.execute(t["sign_in_record"].insert(), [{"id": n, "user_id": n, "district_id": 1}])
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        data = mapping.export(session, Subject(user_id=1, learner_id=1))
        assert data.tables["learner_note"] == [
            {
                "id": 1,
                "learner": {"public_id": mapping_id(session, t["learner"], 1)},
                "text": "note 1",
            }
        ]
        assert data.tables["learner_note_tag"] == [{"note_id": 1, "tag": "tag1"}]
        assert data.tables["sign_in_record"][0]["district"] == {
            "code": CHELMSFORD,
            "name": "Chelmsford",
        }
        deleted = mapping.erase(session, Subject(user_id=1, learner_id=1))
        session.commit()
        assert deleted["learner_note_tag"] == deleted["learner_note"] == 1
        assert set(mapping.remaining(session, Subject(user_id=1, learner_id=1)).values()) == {0}
        kept = mapping.remaining(session, Subject(user_id=2, learner_id=2))
        for name in (
            "user_account",
            "learner",
            "learner_note",
            "learner_note_tag",
            "sign_in_record",
        ):
            assert kept[name] == 1, name
    engine.dispose()


def mapping_id(session: object, table: sa.Table, key: int) -> str:
    return str(session.scalar(sa.select(table.c.public_id).where(table.c.id == key)))  # type: ignore[attr-defined]


def test_the_audit_log_may_not_reference_people() -> None:
    metadata = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["audit_event"].append_column(
        sa.Column("learner_id", sa.ForeignKey("learner.id"))
    )
    with pytest.raises(ValueError, match="append-only"):
        PersonalDataMap(metadata)
