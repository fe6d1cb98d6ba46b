"""The journal's statements are built once per dialect, and a turn runs few of them (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from skill.store.sql import SqlJournalStore
from skill.store.statements import statements_for

ALICE = "amzn1.ask.account.ALICE-STATEMENTS"
BOB = "amzn1.ask.account.BOB-STATEMENTS"
T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@contextmanager
def statements_run(journal: SqlJournalStore) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block, as the database saw them (SQLite's
    trace callback: the store runs its statements straight on the driver there) or as SQLAlchemy sent
    them (PostgreSQL)."""
    seen: list[str] = []

    def record(statement: str) -> None:
        seen.append(" ".join(statement.split()))

    if journal.engine.dialect.name == "sqlite":
        traced: list[Any] = []

        def checkout(dbapi_connection: Any, *args: Any) -> None:
            dbapi_connection.set_trace_callback(record)
            traced.append(dbapi_connection)

        sa.event.listen(journal.engine.pool, "checkout", checkout)
        assert journal._driver is not None
        journal._driver.release_connection()  # so the next transaction checks one out (and is traced)
        try:
            yield seen
        finally:
            sa.event.remove(journal.engine.pool, "checkout", checkout)
            for connection in traced:
                connection.set_trace_callback(None)
        return

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        record(statement)

    sa.event.listen(journal.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(journal.engine, "before_cursor_execute", before)


def _work(seen: list[str]) -> list[str]:
    """The statements that do the work (the transaction's own BEGIN, COMMIT and resets left out)."""
    return [
        s
        for s in seen
        if s.split()[0].upper() in {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE"}
    ]


def test_statements_are_built_once_per_dialect(journal: SqlJournalStore) -> None:
    dialect = journal.engine.dialect.name
    assert statements_for(dialect) is statements_for(dialect)
    assert SqlJournalStore(journal.engine, "another-secret")._sql is statements_for(dialect)


def test_a_returning_visit_is_a_look_up_an_update_and_the_streak(journal: SqlJournalStore) -> None:
    journal.visit(ALICE, T0)
    with statements_run(journal) as seen:
        visit = journal.visit(ALICE, T0 + timedelta(hours=1))
    assert visit.first_visit is False and visit.last_seen == T0 and visit.streak_enabled is True
    work = _work(seen)
    assert len(work) == 3, work
    assert work[0].startswith("SELECT people.last_seen") and "preferences" in work[0]  # the streak switch too
    assert work[1].startswith("UPDATE people")
    assert "UNION" in work[2]  # the three tables in one query (SQLite: WITH RECURSIVE, the streak's days)


def test_a_first_visit_creates_the_person_without_a_savepoint(journal: SqlJournalStore) -> None:
    sqlite = journal.engine.dialect.name == "sqlite"
    with statements_run(journal) as seen:
        assert journal.visit(ALICE, T0).first_visit is True
    work = _work(seen)
    assert not any("SAVEPOINT" in s for s in work), work
    assert [s.split()[0] for s in work] == ["SELECT", "INSERT", "WITH" if sqlite else "SELECT"], work
    assert "ON CONFLICT" in work[1]


def test_an_entry_is_one_insert_and_the_person_is_made_when_missing(journal: SqlJournalStore) -> None:
    """SQLite: the entry alone (the foreign key tells when the person is missing); PostgreSQL: the
    person made sure of first (INSERT ... ON CONFLICT DO NOTHING), then the entry. Never a savepoint."""
    sqlite = journal.engine.dialect.name == "sqlite"
    journal.visit(ALICE, T0)
    with statements_run(journal) as seen:
        journal.add_gratitude(ALICE, "the sea", T0)
        journal.add_checkin(ALICE, "calm", "calm", 3, T0)
    work = _work(seen)
    assert not any("SAVEPOINT" in s for s in work) and all(s.startswith("INSERT") for s in work), work
    if sqlite:
        assert len(work) == 2 and not any("ON CONFLICT" in s for s in work), work
    else:
        assert len(work) == 4 and "ON CONFLICT" in work[0] and "ON CONFLICT" in work[2], work

    # someone new: the entry's first try is refused (SQLite), the person is made, the entry written
    with statements_run(journal) as seen:
        entry = journal.add_gratitude(BOB, "a letter", T0 + timedelta(hours=1))
    work = _work(seen)
    assert [s.split()[2] for s in work] == (
        ["gratitude_entries", "people", "gratitude_entries"] if sqlite else ["people", "gratitude_entries"]
    ), work
    assert journal.holdings(BOB).first_seen == T0 + timedelta(hours=1)
    assert journal.gratitude_between(BOB, T0, T0 + timedelta(days=1)) == [entry]
    later = journal.visit(BOB, T0 + timedelta(hours=2))
    assert later.first_visit is False and later.last_seen == T0 + timedelta(hours=1)


def test_every_write_for_someone_new_makes_the_person_once(journal: SqlJournalStore) -> None:
    writes = [
        lambda user: journal.add_checkin(user, "calm", "calm", 3, T0),
        lambda user: journal.start_practice(user, "breathing", "box", T0),
        lambda user: journal.complete_practice(user, "breathing", "box", T0),
        lambda user: journal.set_preference(user, "streak", "off"),
        lambda user: journal.save_playback(user, "med:body-scan:10:1", 5, False, T0),
        lambda user: journal.save_attributes(user, {"a": 1}, T0),
    ]
    for n, write in enumerate(writes):
        user = f"amzn1.ask.account.NEW{n}"
        write(user)
        write(user)
        assert journal.holdings(user).first_seen is not None, n
        with journal.engine.connect() as conn:
            people = conn.exec_driver_sql("SELECT count(*) FROM people").scalar_one()
        assert people == n + 1, n


def test_a_bug_is_still_an_integrity_error_for_a_known_person(journal: SqlJournalStore) -> None:
    journal.visit(ALICE, T0)
    with pytest.raises(sa.exc.IntegrityError):
        journal.add_gratitude(ALICE, None, T0)  # type: ignore[arg-type]
    assert journal.gratitude_between(ALICE, T0 - timedelta(days=1), T0 + timedelta(days=1)) == []


def test_a_person_made_by_another_process_meanwhile_is_not_a_first_visit(journal: SqlJournalStore) -> None:
    """The look-up finds nobody, then the insert meets the row another process wrote: a returning visit,
    and last_seen is still brought up to date."""
    key = journal.person_key(ALICE)
    original = journal._sql
    row = {"key": key, "first_seen": T0, "last_seen": T0}

    class Blind:
        """The store's statements, except that the look-up finds nobody; on PostgreSQL the other
        process's row is written (and committed) between the look-up and the insert."""

        def __getattr__(self, name: str) -> Any:
            return getattr(original, name)

        @property
        def visit_lookup(self) -> Any:
            return sa.select(sa.null().label("last_seen"), sa.null().label("streak")).where(sa.false())

        @property
        def create_person(self) -> Any:
            if journal.engine.dialect.name == "postgresql":
                with journal.engine.begin() as other:
                    other.execute(original.create_person, row)
            return original.create_person

    if journal.engine.dialect.name == "sqlite":
        # a SQLite writer holds the lock from BEGIN IMMEDIATE, so the other process wrote before it began
        with journal.engine.begin() as conn:
            conn.execute(original.create_person, row)
    journal._sql = Blind()  # type: ignore[assignment]
    try:
        visit = journal.visit(ALICE, T0 + timedelta(hours=1))
    finally:
        journal._sql = original
    assert visit.first_visit is False
    assert journal.visit(ALICE, T0 + timedelta(hours=2)).last_seen == T0 + timedelta(hours=1)
