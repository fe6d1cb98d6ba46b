"""Schema versions: an existing journal is upgraded in place, and two processes may upgrade at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from skill.config import Settings
from skill.store import StoreUnavailable
from skill.store.engine import make_engine, open_store
from skill.store.migrate import current_revision, downgrade, head_revision, upgrade
from skill.store.schema import metadata
from skill.store.sql import SqlJournalStore
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
USER = "amzn1.ask.account.MIGRATED"
WHEN = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)


def write_first_version_data(url: str, key: str) -> None:
    """A journal at the first schema version, holding one person's data, written with plain SQL."""
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        assert not sa.inspect(conn).has_table("person_attributes")
        conn.execute(
            sa.text("INSERT INTO people (key, first_seen, last_seen) VALUES (:k, :t, :t)"), {"k": key, "t": WHEN}
        )
        conn.execute(
            sa.text("INSERT INTO gratitude_entries (person, text, created_at) VALUES (:k, 'the sea', :t)"),
            {"k": key, "t": WHEN},
        )
        conn.execute(
            sa.text(
                "INSERT INTO checkins (person, feeling_id, feeling_text, intensity, created_at) "
                "VALUES (:k, 'calm', 'calm', 3, :t)"
            ),
            {"k": key, "t": WHEN},
        )
        conn.execute(sa.text("INSERT INTO preferences (person, name, value) VALUES (:k, 'streak', 'off')"), {"k": key})
        conn.execute(
            sa.text(
                "INSERT INTO playback_state (person, token, offset_ms, finished, updated_at) "
                "VALUES (:k, 'meditation:body-scan:10', 4200, false, :t)"
            ),
            {"k": key, "t": WHEN},
        )
    engine.dispose()


def assert_data_survived(store: SqlJournalStore) -> None:
    entries = store.gratitude_between(USER, datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [(e.text, e.created_at) for e in entries] == [("the sea", WHEN)]
    assert [c.feeling_text for c in store.checkins_since(USER, datetime(2025, 1, 1, tzinfo=UTC))] == ["calm"]
    assert store.get_preference(USER, "streak") == "off"
    playback = store.get_playback(USER)
    assert playback is not None and playback.offset_ms == 4200
    assert store.holdings(USER).first_seen == WHEN
    store.save_attributes(USER, {"since": "0002"})  # the table the second version added
    assert store.get_attributes(USER) == {"since": "0002"}


def test_a_first_version_journal_is_upgraded_in_place(journal_settings: Settings) -> None:
    key = SqlJournalStore(make_engine(journal_settings.database_url), journal_settings.user_secret).person_key(USER)
    write_first_version_data(journal_settings.database_url, key)
    store = open_store(journal_settings)
    assert current_revision(store.engine) == head_revision() != "0001"
    assert_data_survived(store)
    store.engine.dispose()
    reopened = open_store(journal_settings)  # opening again changes nothing
    assert_data_survived(reopened)
    reopened.engine.dispose()


def test_a_journal_made_before_versions_existed_is_adopted(journal_settings: Settings) -> None:
    key = SqlJournalStore(make_engine(journal_settings.database_url), journal_settings.user_secret).person_key(USER)
    write_first_version_data(journal_settings.database_url, key)
    engine = make_engine(journal_settings.database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))  # as metadata.create_all left it
    engine.dispose()
    store = open_store(journal_settings)
    assert current_revision(store.engine) == head_revision()
    assert_data_survived(store)
    store.engine.dispose()


def test_the_migrated_schema_is_the_declared_schema(journal_settings: Settings) -> None:
    store = open_store(journal_settings)
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    store.engine.dispose()
    assert differences == []


@pytest.mark.slow
def test_processes_starting_together_upgrade_once(journal_settings: Settings, tmp_path: Path) -> None:
    """Four processes open the same brand-new journal at the same moment; all succeed, one schema."""
    go = tmp_path / "go"
    script = (
        "import os, sys, time\n"
        "from skill.store.engine import make_engine\n"
        "from skill.store.migrate import upgrade, current_revision\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.005)\n"
        "engine = make_engine(sys.argv[1], timeout_s=30)\n"
        "upgrade(engine)\n"
        "print(current_revision(engine))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, journal_settings.database_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-800:] for _, err in results]
    assert {out.strip() for out, _ in results} == {head_revision()}
    engine = make_engine(journal_settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert set(sa.inspect(conn).get_table_names()) >= {t.name for t in metadata.sorted_tables}
    engine.dispose()


def test_an_unreachable_database_fails_to_open_as_store_unavailable(settings: Settings) -> None:
    port = free_port()  # nothing listens there
    unreachable = settings.replace(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/kindness", db_timeout_s=1.0
    )
    with pytest.raises(StoreUnavailable):
        open_store(unreachable)


def test_an_unopenable_sqlite_file_fails_to_open_as_store_unavailable(settings: Settings, tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.sqlite3"
    directory.mkdir()
    with pytest.raises(StoreUnavailable):
        open_store(settings.replace(database_url=f"sqlite:///{directory}"))


def test_every_version_can_be_undone_and_redone(journal_settings: Settings) -> None:
    engine = make_engine(journal_settings.database_url)
    upgrade(engine)
    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("person_attributes")
    downgrade(engine, "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def index_names(engine: sa.Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {ix["name"] for ix in sa.inspect(conn).get_indexes(table) if ix["name"]}


def test_a_second_version_journal_gets_the_person_and_time_indexes_in_place(journal_settings: Settings) -> None:
    key = SqlJournalStore(make_engine(journal_settings.database_url), journal_settings.user_secret).person_key(USER)
    write_first_version_data(journal_settings.database_url, key)
    engine = make_engine(journal_settings.database_url)
    upgrade(engine, "0002")
    assert "ix_gratitude_entries_person" in index_names(engine, "gratitude_entries")
    engine.dispose()

    store = open_store(journal_settings)
    assert current_revision(store.engine) == head_revision()
    assert_data_survived(store)
    assert index_names(store.engine, "gratitude_entries") >= {"ix_gratitude_entries_person_created_at"}
    assert index_names(store.engine, "checkins") >= {"ix_checkins_person_created_at"}
    assert index_names(store.engine, "practices") >= {"ix_practices_person_started_at", "ix_practices_open_lookup"}
    for table, time_column in (
        ("gratitude_entries", "created_at"),
        ("checkins", "created_at"),
        ("practices", "started_at"),
    ):
        assert f"ix_{table}_person" not in index_names(store.engine, table)
        assert f"ix_{table}_{time_column}" not in index_names(store.engine, table)
    store.start_practice(USER, "breathing", "box", WHEN)
    store.complete_practice(USER, "breathing", "box", WHEN)
    assert store.streak(USER, WHEN.date()) == 1
    if store.engine.dialect.name == "sqlite":  # the planner uses them (PostgreSQL's choice depends on statistics)
        from skill.store.statements import statements_for

        with store.engine.connect() as conn:
            for name, index in (
                ("activity_days", "ix_practices_person_started_at"),
                ("open_practice", "ix_practices_open_lookup"),
            ):
                compiled = getattr(statements_for("sqlite"), name).compile(store.engine)
                params = compiled.construct_params(
                    {"person_key": key, "since": WHEN, "until": WHEN, "kind": "b", "item": "x"}
                )
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[k] for k in compiled.positiontup or [])
                    )
                )
                assert f"COVERING INDEX {index}" in plan and "SCAN practices" not in plan, (name, plan)
    store.engine.dispose()

    engine = make_engine(journal_settings.database_url)
    downgrade(engine, "0002")
    assert "ix_practices_person" in index_names(engine, "practices")
    assert "ix_practices_open_lookup" not in index_names(engine, "practices")
    assert "ix_practices_started_at" in index_names(engine, "practices")
    engine.dispose()
