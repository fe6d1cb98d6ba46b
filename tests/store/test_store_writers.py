"""SQLite writers: the writer gate beside the journal, and WAL checkpoints run when the server asks."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.config import Settings
from skill.store import StoreUnavailable
from skill.store.engine import WAL_AUTOCHECKPOINT_PAGES, open_store
from skill.store.gate import SUFFIX
from skill.store.sql import CHECKPOINT_EVERY_WRITES, SqlJournalStore

USER = "amzn1.ask.account.WRITERS"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal" / "journal.sqlite3"


@pytest.fixture
def journal(settings: Settings, journal_path: Path) -> Iterator[SqlJournalStore]:
    store = open_store(settings.replace(database_url=f"sqlite:///{journal_path}", db_timeout_s=10))
    yield store
    store.engine.dispose()


def entries_in(path: Path) -> list[str]:
    """The gratitude entries as any other process reads the journal (WAL included)."""
    with closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT text FROM gratitude_entries ORDER BY id")]


def entries_in_the_file_alone(path: Path, scratch: Path) -> int:
    """How many entries the journal file itself holds, without its WAL (what a checkpoint copies in)."""
    scratch.mkdir(exist_ok=True)
    copy = scratch / "copy.sqlite3"
    for leftover in scratch.iterdir():
        leftover.unlink()
    shutil.copyfile(path, copy)
    with closing(sqlite3.connect(copy)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "gratitude_entries" not in tables:
            return 0
        return int(db.execute("SELECT count(*) FROM gratitude_entries").fetchone()[0])


@contextmanager
def gate_held_by_another_process(journal_path: Path) -> Iterator[None]:
    """The writer gate taken as another server process takes it (its own open file, flock)."""
    fd = os.open(journal_path.with_name(journal_path.name + SUFFIX), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


# ---- the writer gate ----------------------------------------------------------------------------


def test_a_writer_waits_at_the_gate_and_writes_once_it_is_free(journal: SqlJournalStore, journal_path: Path) -> None:
    journal.add_gratitude(USER, "before", NOW)
    done = threading.Event()

    def write() -> None:
        journal.add_gratitude(USER, "after the gate", NOW)
        done.set()

    with gate_held_by_another_process(journal_path):
        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.4)  # waiting at the gate: SQLite's own lock is free all along
        assert entries_in(journal_path) == ["before"]
        # readers never wait for the gate
        assert [e.text for e in journal.gratitude_between(USER, *EVER)] == ["before"]
    assert done.wait(10)
    writer.join()
    assert entries_in(journal_path) == ["before", "after the gate"]


def test_a_gate_held_past_the_timeout_is_store_unavailable_and_writes_nothing(
    settings: Settings, journal_path: Path
) -> None:
    store = open_store(settings.replace(database_url=f"sqlite:///{journal_path}", db_timeout_s=0.2))
    try:
        with gate_held_by_another_process(journal_path):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                store.add_gratitude(USER, "not now", NOW)
            assert time.monotonic() - started >= 0.2
            with pytest.raises(StoreUnavailable):
                store.visit(USER, NOW)
            assert store.healthy() is True  # a read: the gate is for writers only
        assert entries_in(journal_path) == []
        store.add_gratitude(USER, "once it is free", NOW)
        assert entries_in(journal_path) == ["once it is free"]
    finally:
        store.engine.dispose()


def test_a_thread_kept_waiting_past_the_timeout_by_another_thread_is_store_unavailable(
    settings: Settings, journal_path: Path
) -> None:
    store = open_store(settings.replace(database_url=f"sqlite:///{journal_path}", db_timeout_s=0.2))
    writing, finish = threading.Event(), threading.Event()

    def slow_writer() -> None:  # another thread of this process, in the middle of a write
        assert store._driver is not None
        with store._driver.transaction(write=True):
            writing.set()
            finish.wait(10)

    other = threading.Thread(target=slow_writer)
    other.start()
    try:
        assert writing.wait(10)
        with pytest.raises(StoreUnavailable):
            store.add_gratitude(USER, "not now", NOW)
    finally:
        finish.set()
        other.join()
    store.add_gratitude(USER, "now", NOW)
    assert entries_in(journal_path) == ["now"]
    store.engine.dispose()


def test_the_gate_of_a_killed_process_is_free_at_once(journal: SqlJournalStore, journal_path: Path) -> None:
    gate = journal_path.with_name(journal_path.name + SUFFIX)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(gate)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        journal.add_gratitude(USER, "after the kill", NOW)  # the timeout is 10 s: this must not need it
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
    assert entries_in(journal_path) == ["after the kill"]


def test_threads_of_one_process_all_write_through_the_gate(journal: SqlJournalStore, journal_path: Path) -> None:
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for n in range(25):
                journal.add_gratitude(USER, f"thread {thread} entry {n}", NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = entries_in(journal_path)
    assert len(stored) == 150 and len(set(stored)) == 150


def test_without_a_gate_file_writers_still_write_under_sqlites_lock(
    journal: SqlJournalStore, journal_path: Path
) -> None:
    gate = journal_path.with_name(journal_path.name + SUFFIX)
    if gate.exists():
        gate.unlink()
    gate.mkdir()  # the gate cannot be opened as a file
    journal.add_gratitude(USER, "no gate", NOW)
    assert entries_in(journal_path) == ["no gate"]


# ---- checkpoints --------------------------------------------------------------------------------


def test_sqlite_checkpoints_by_itself_only_as_a_backstop(journal: SqlJournalStore) -> None:
    with journal.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
    assert journal.checkpoint_every == CHECKPOINT_EVERY_WRITES
    assert WAL_AUTOCHECKPOINT_PAGES > CHECKPOINT_EVERY_WRITES * 6  # a write is about six pages


def test_the_wal_is_copied_into_the_journal_file_once_enough_is_written(
    journal: SqlJournalStore, journal_path: Path, tmp_path: Path
) -> None:
    journal.checkpoint_every = 5
    journal.checkpoint_when_due()  # whatever opening the journal wrote
    assert journal.checkpoints is not None and journal.checkpoints.wait_idle(10)
    for n in range(4):
        journal.add_gratitude(USER, f"entry {n}", NOW)
    assert journal.checkpoint_when_due() is False  # four writes: not due
    assert entries_in_the_file_alone(journal_path, tmp_path / "scratch") == 0  # all still in the WAL
    journal.add_gratitude(USER, "entry 4", NOW)
    assert entries_in_the_file_alone(journal_path, tmp_path / "scratch") == 0  # the COMMIT did not checkpoint
    assert journal.checkpoint_when_due() is True
    assert journal.checkpoints.wait_idle(10)
    assert entries_in_the_file_alone(journal_path, tmp_path / "scratch") == 5
    assert journal.checkpoint_when_due() is False  # counted afresh
    assert len(entries_in(journal_path)) == 5


def test_the_checkpoint_runs_on_its_own_thread_while_the_caller_goes_on(
    journal: SqlJournalStore, journal_path: Path, tmp_path: Path
) -> None:
    assert journal.checkpoints is not None and journal._driver is not None
    started, release = threading.Event(), threading.Event()
    ran_on: list[str] = []
    checkpoint = journal._driver.checkpoint

    def slow_checkpoint() -> None:
        ran_on.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        checkpoint()

    journal._driver.checkpoint = slow_checkpoint  # type: ignore[method-assign]
    journal.checkpoint_every = 1
    journal.add_gratitude(USER, "first", NOW)
    assert journal.checkpoint_when_due() is True  # returns while the checkpoint waits
    assert started.wait(10)
    journal.add_gratitude(USER, "written meanwhile", NOW)  # the journal is not held up by it
    assert journal.checkpoint_when_due() is True  # asked again while one runs: one more run after it
    release.set()
    assert journal.checkpoints.wait_idle(10)
    assert ran_on == ["kindness-checkpoint", "kindness-checkpoint"]
    assert entries_in_the_file_alone(journal_path, tmp_path / "scratch") == 2
    assert journal.checkpoints.completed == 2


def test_reads_do_not_count_towards_a_checkpoint(journal: SqlJournalStore) -> None:
    journal.checkpoint_every = 2
    journal.checkpoint_when_due()
    journal.add_gratitude(USER, "one", NOW)
    for _ in range(5):
        journal.gratitude_between(USER, *EVER)
        journal.healthy()
    assert journal.checkpoint_when_due() is False


def test_a_checkpoint_that_cannot_reach_the_journal_is_skipped_quietly(
    journal: SqlJournalStore, journal_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal.checkpoint_every = 1
    journal.add_gratitude(USER, "private words", NOW)
    journal.engine.dispose()
    shutil.rmtree(journal_path.parent)
    assert journal.checkpoint_when_due() is True
    assert journal.checkpoints is not None and journal.checkpoints.wait_idle(10)
    assert "WAL checkpoint skipped: OperationalError" in caplog.text
    assert "private words" not in caplog.text and USER not in caplog.text


@pytest.mark.postgres
def test_postgresql_has_no_checkpoint_to_run(fresh_postgres_url: str, settings: Settings) -> None:
    store = open_store(settings.replace(database_url=fresh_postgres_url))
    try:
        store.checkpoint_every = 1
        store.add_gratitude(USER, "on postgres", NOW)
        assert store.checkpoint_when_due() is False
    finally:
        store.engine.dispose()
