"""SQLite: statements run straight on the driver store and read exactly what SQLAlchemy would."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from skill.config import Settings
from skill.store import StoreUnavailable
from skill.store.driver import DriverConnection
from skill.store.engine import open_store
from skill.store.sql import SqlJournalStore, consecutive_days

T0 = datetime(2026, 3, 10, 9, 30, 15, 123456, tzinfo=UTC)
USERS = ["amzn1.ask.account.A", "amzn1.ask.account.B"]


def exercise(store: SqlJournalStore) -> list[object]:
    """Every method, twice over two people and odd times; what each returned."""
    out: list[object] = []
    for n, user in enumerate(USERS):
        t = T0 + timedelta(days=n, microseconds=n)
        out.append(store.add_gratitude(user, "tea <&> 'quoted' \\u00e9", t))
        out.append(store.visit(user, t.astimezone(timezone(timedelta(hours=-5)))))
        out.append(store.visit(user, t + timedelta(hours=3)))
        out.append(store.add_checkin(user, None if n else "calm", "calm-ish", None if n else 4, t))
        out.append(store.start_practice(user, "breathing", "box", t))
        store.complete_practice(user, "breathing", "box", t + timedelta(minutes=4))
        store.complete_practice(user, "meditation", "body-scan", t + timedelta(minutes=9))
        store.set_preference(user, "streak", "off" if n else "on")
        store.save_playback(user, "med:body-scan:10:1", 4200 + n, bool(n), t)
        store.save_playback(user, "med:body-scan:10:2", 10, False, t + timedelta(seconds=1))
        store.save_attributes(user, {"n": n, "last": "x"}, t)
        out += [
            store.visit(user, t + timedelta(days=1)),
            store.gratitude_between(user, T0 - timedelta(days=1), T0 + timedelta(days=5)),
            store.random_gratitude(user, T0 + timedelta(days=5)),
            store.checkins_since(user, T0 - timedelta(days=1)),
            store.streak(user, (t + timedelta(days=1)).date()),
            store.streak(user, date(2020, 1, 1)),
            store.get_preference(user, "streak"),
            store.get_preference(user, "missing", "default"),
            store.get_playback(user),
            store.holdings(user),
            store.get_attributes(user),
            store.healthy(),
        ]
    store.delete_attributes(USERS[0])
    store.forget(USERS[1])
    out += [store.holdings(u) for u in USERS]
    return out


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in sorted(tables)}


def test_the_driver_path_stores_and_returns_exactly_what_sqlalchemy_does(settings: Settings, tmp_path: Path) -> None:
    results, files = [], []
    for name in ("driver", "sqlalchemy"):
        path = tmp_path / name / "journal.sqlite3"
        store = open_store(settings.replace(database_url=f"sqlite:///{path}"))
        if name == "sqlalchemy":
            store._driver = None
            store._row_first = False
        else:
            assert store._driver is not None
            with store._tx(write=False) as conn:
                assert isinstance(conn, DriverConnection)
        results.append(exercise(store))
        store.engine.dispose()
        files.append(dump(path))
    assert results[0] == results[1]
    assert files[0] == files[1]
    assert files[0]["gratitude_entries"]  # something was stored, as text times like '2026-03-10 09:30:15.123456'
    assert files[0]["gratitude_entries"][0][3] == "2026-03-10 09:30:15.123456"


def test_driver_errors_are_sqlalchemy_errors(settings: Settings, tmp_path: Path) -> None:
    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    with pytest.raises(sa.exc.IntegrityError):  # a bug stays a bug (NOT NULL), not an outage
        store.add_checkin(USERS[0], "calm", None, 3, T0)  # type: ignore[arg-type]
    assert store._driver is not None
    with pytest.raises(sa.exc.OperationalError), store._driver.transaction(write=True) as conn:
        conn.execute(sa.select(sa.text("nonsense FROM nowhere")))
    with pytest.raises(StoreUnavailable), store._tx(write=True) as conn:  # what the store makes of it
        conn.execute(sa.select(sa.text("nonsense FROM nowhere")))
    assert store.healthy() and store.holdings(USERS[0]).checkins == 0
    store.engine.dispose()


def test_the_streak_from_the_day_run_is_the_streak_from_every_row(settings: Settings, tmp_path: Path) -> None:
    """SQLite reads only the run of days the streak needs; the streak is the one every row's day gives."""
    import random

    from skill.store.statements import activity_union

    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    rng = random.Random(5)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    users = [f"amzn1.ask.account.S{n}" for n in range(6)]
    for n, user in enumerate(users):
        day = start
        for _ in range(rng.randrange(20, 120)):
            day += timedelta(days=rng.choice([0, 1, 1, 1, 1, 2, 5]) if n else 1)
            when = day + timedelta(
                seconds=rng.choice([0, 86399, rng.randrange(86400)]), microseconds=rng.randrange(10**6)
            )
            [
                store.add_gratitude,
                lambda u, t, w: store.add_checkin(u, None, t, None, w),
                lambda u, t, w: store.start_practice(u, "breathing", t, w),
            ][rng.randrange(3)](user, "x", when)

    def reference(user: str, today: date) -> int:
        since = datetime.combine(today - timedelta(days=366), datetime.min.time(), UTC)
        with store.engine.connect() as conn:
            rows = conn.execute(activity_union("sqlite"), {"person_key": store.person_key(user), "since": since})
            days = {date.fromisoformat(r[0]) for r in rows}
        return consecutive_days(days, today)  # the same count, from every row's day

    found = []
    for user in [*users, "amzn1.ask.account.NOBODY"]:
        for offset in range(0, 700, 7):
            today = (start + timedelta(days=offset)).date()
            streak = store.streak(user, today)
            assert streak == reference(user, today), (user, today)
            found.append(streak)
    assert max(found) > 30 and 0 in found  # long runs and none were both met
    store.engine.dispose()


# ---- each thread keeps its connection -----------------------------------------------------------


def _checkouts(store: SqlJournalStore) -> list[int]:
    counted: list[int] = []
    sa.event.listen(store.engine.pool, "checkout", lambda *args: counted.append(1))
    return counted


def test_a_thread_keeps_one_connection_across_its_transactions(settings: Settings, tmp_path: Path) -> None:
    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    store.add_gratitude(USERS[0], "first", T0)
    counted = _checkouts(store)
    for n in range(10):
        store.add_gratitude(USERS[0], f"entry {n}", T0)
        store.gratitude_between(USERS[0], T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert counted == []  # no pool check-out (or check-in) per transaction
    assert store.holdings(USERS[0]).gratitude_entries == 11
    store.engine.dispose()


def test_after_a_failed_transaction_the_connection_goes_back_and_the_next_is_fresh(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "j.sqlite3"
    store = open_store(settings.replace(database_url=f"sqlite:///{path}", db_timeout_s=0.1))
    store.add_gratitude(USERS[0], "before", T0)
    counted = _checkouts(store)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreUnavailable):
        store.add_gratitude(USERS[0], "while locked", T0)
    other.execute("ROLLBACK")
    other.close()
    with pytest.raises(sa.exc.IntegrityError):  # a bug, in the middle of a transaction
        store.add_checkin(USERS[0], "calm", None, 3, T0)  # type: ignore[arg-type]
    store.add_gratitude(USERS[0], "after", T0)
    assert counted == [1, 1]  # a fresh connection after each failure, none otherwise
    assert [e.text for e in store.gratitude_between(USERS[0], T0 - timedelta(days=1), T0 + timedelta(days=1))] == [
        "before",
        "after",
    ]
    store.engine.dispose()


def test_a_disposed_engine_closes_the_kept_connection_at_the_next_transaction(
    settings: Settings, tmp_path: Path
) -> None:
    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    store.add_gratitude(USERS[0], "before", T0)
    assert store._driver is not None
    kept = store._driver._checkout()
    kept_db = kept.driver_connection
    store.engine.dispose()
    store.add_gratitude(USERS[0], "after", T0)
    with pytest.raises(sqlite3.ProgrammingError):  # closed, not left open on a pool that is gone
        kept_db.execute("SELECT 1")
    assert store.holdings(USERS[0]).gratitude_entries == 2
    store.engine.dispose()


def test_a_thread_that_ends_gives_its_connection_back(settings: Settings, tmp_path: Path) -> None:
    import gc
    import threading

    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    pool = store.engine.pool
    threads = [threading.Thread(target=store.add_gratitude, args=(USERS[0], f"from thread {n}", T0)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gc.collect()
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    assert store.holdings(USERS[0]).gratitude_entries == 4
    store.engine.dispose()


def test_a_forked_child_writes_on_a_connection_of_its_own(settings: Settings, tmp_path: Path) -> None:
    import os

    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    store.add_gratitude(USERS[0], "parent, before", T0)
    assert store._driver is not None
    parent_db = store._driver._checkout().driver_connection
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn worker forked from a master that had opened the journal
        code = 1
        try:
            child_db = store._driver._checkout().driver_connection
            store.add_gratitude(USERS[0], "child", T0)
            code = 0 if child_db is not parent_db else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.add_gratitude(USERS[0], "parent, after", T0)  # the parent's connection is untouched
    assert store._driver._checkout().driver_connection is parent_db
    assert store.holdings(USERS[0]).gratitude_entries == 3
    store.engine.dispose()


@contextmanager
def a_failure_then_a_fresh_connection(settings: Settings, tmp_path: Path) -> Iterator[SqlJournalStore]:
    """A journal with one entry, for a block that makes one transaction (or checkpoint) fail; after it,
    the next entry is written on a connection checked out afresh (exactly one check-out)."""
    store = open_store(settings.replace(database_url=f"sqlite:///{tmp_path / 'j.sqlite3'}"))
    try:
        store.add_gratitude(USERS[0], "before", T0)
        assert store._driver is not None
        counted = _checkouts(store)
        yield store
        store.add_gratitude(USERS[0], "after", T0)
        assert counted == [1]
        assert store.holdings(USERS[0]).gratitude_entries == 2
    finally:
        store.engine.dispose()


def rows_where(path: Path, sql: str) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute(sql).fetchone()[0])


def test_a_commit_that_fails_writes_nothing_and_raises_what_sqlalchemy_would(
    settings: Settings, tmp_path: Path
) -> None:
    with a_failure_then_a_fresh_connection(settings, tmp_path) as store:
        assert store._driver is not None
        with pytest.raises(sa.exc.IntegrityError, match="COMMIT"), store._driver.transaction(write=True) as conn:
            # foreign keys checked at COMMIT: the entry's person does not exist, so the COMMIT itself fails
            conn.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
            conn.execute(
                sa.text("INSERT INTO gratitude_entries (person, text, created_at) VALUES ('nobody', 'orphan', :t)"),
                {"t": "2026-03-10 09:30:15.000000"},
            )
    orphans = "SELECT count(*) FROM gratitude_entries WHERE text = 'orphan'"
    assert rows_where(tmp_path / "j.sqlite3", orphans) == 0


def test_a_connection_closed_in_the_middle_of_a_transaction_is_an_outage_not_a_crash(
    settings: Settings, tmp_path: Path
) -> None:
    with (
        a_failure_then_a_fresh_connection(settings, tmp_path) as store,
        pytest.raises(StoreUnavailable),
        store._tx(write=True) as conn,
    ):
        conn.execute(sa.text("INSERT INTO people (key, first_seen, last_seen) VALUES ('k', 'x', 'x')"))
        conn._db.close()  # as if the connection were torn down under the transaction
        raise RuntimeError("the work failed too")
    assert rows_where(tmp_path / "j.sqlite3", "SELECT count(*) FROM people WHERE key = 'k'") == 0  # nothing half-done


def test_a_checkpoint_on_a_broken_connection_is_an_error_and_the_next_write_gets_a_fresh_one(
    settings: Settings, tmp_path: Path
) -> None:
    with a_failure_then_a_fresh_connection(settings, tmp_path) as store:
        assert store._driver is not None
        store._driver._checkout().driver_connection.close()  # this thread's kept connection, broken
        with pytest.raises(sa.exc.DBAPIError, match="wal_checkpoint") as failure, warnings.catch_warnings():
            # invalidated while still checked out, then given back: SQLAlchemy has nothing to warn about
            warnings.simplefilter("error", sa.exc.SAWarning)
            store._driver.checkpoint()
        assert failure.value.connection_invalidated
