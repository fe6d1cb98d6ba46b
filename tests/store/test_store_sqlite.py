"""The SQLite default: created on first use, WAL mode, writers wait on a lock up to the busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.config import Settings
from skill.store import StoreUnavailable
from skill.store.engine import open_store

USER = "amzn1.ask.account.SQLITE"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@contextmanager
def write_lock(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the journal's write lock until the block ends."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_default_journal_is_a_sqlite_file_in_the_data_dir_created_on_first_use(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"
    settings = Settings.from_env({"KINDNESS_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    store.add_gratitude(USER, "first light", NOW)
    assert (data_dir / "journal.sqlite3").is_file()
    assert (data_dir / "secret.key").is_file()  # the HMAC secret, made once
    store.engine.dispose()
    again = open_store(Settings.from_env({"KINDNESS_DATA_DIR": str(data_dir)}))
    assert [e.text for e in again.gratitude_between(USER, *EVER)] == ["first light"]  # same secret, same key
    again.engine.dispose()


def test_the_file_is_in_wal_mode_with_the_configured_busy_timeout(tmp_path: Path) -> None:
    settings = Settings.from_env({"KINDNESS_DATA_DIR": str(tmp_path), "KINDNESS_DB_TIMEOUT": "0.25"})
    assert settings.db_timeout_s == 0.25
    store = open_store(settings.replace(user_secret="s"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.add_gratitude(USER, "a", NOW)
    outside = sqlite3.connect(tmp_path / "journal.sqlite3")  # a fresh connection reads the file's mode
    assert outside.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    outside.close()
    assert (tmp_path / "journal.sqlite3-wal").exists()
    store.engine.dispose()


def test_a_writer_waits_for_the_lock_rather_than_failing(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    store = open_store(settings.replace(database_url=f"sqlite:///{path}", db_timeout_s=30))
    lock_held = threading.Event()
    about_to_release = threading.Event()

    def hold() -> None:
        with write_lock(path):
            lock_held.set()
            time.sleep(0.5)  # long enough for the writer below to be waiting
            about_to_release.set()  # the lock goes only after this

    holder = threading.Thread(target=hold)
    holder.start()
    assert lock_held.wait(10)
    entry = store.add_gratitude(USER, "patience", NOW)  # waits on the lock, then writes
    assert about_to_release.is_set()  # so it did not fail, nor write while the lock was held
    holder.join()
    assert [e.text for e in store.gratitude_between(USER, *EVER)] == ["patience"] and entry.id > 0
    store.engine.dispose()


def test_locked_past_the_timeout_raises_store_unavailable_then_recovers(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    store = open_store(settings.replace(database_url=f"sqlite:///{path}", db_timeout_s=0.2))
    store.add_gratitude(USER, "before the lock", NOW)
    with write_lock(path):
        for write in (
            lambda: store.add_gratitude(USER, "during the lock", NOW),
            lambda: store.visit(USER, NOW),
            lambda: store.add_checkin(USER, "calm", "calm", 2, NOW),
            lambda: store.start_practice(USER, "breathing", "box", NOW),
            lambda: store.complete_practice(USER, "breathing", "box", NOW),
            lambda: store.set_preference(USER, "streak", "off"),
            lambda: store.save_playback(USER, "t", 1, False, NOW),
            lambda: store.save_attributes(USER, {"a": 1}),
            lambda: store.forget(USER),
        ):
            with pytest.raises(StoreUnavailable):
                write()
        # WAL: readers are not blocked by a writer
        assert [e.text for e in store.gratitude_between(USER, *EVER)] == ["before the lock"]
        assert store.healthy() is True
    store.add_gratitude(USER, "after the lock", NOW)
    assert [e.text for e in store.gratitude_between(USER, *EVER)] == ["before the lock", "after the lock"]
    store.engine.dispose()


def test_a_vanished_database_directory_is_store_unavailable(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "gone" / "journal.sqlite3"
    store = open_store(settings.replace(database_url=f"sqlite:///{path}"))
    store.engine.dispose()
    for f in path.parent.iterdir():
        f.unlink()
    path.parent.rmdir()
    with pytest.raises(StoreUnavailable):
        store.add_gratitude(USER, "nowhere to go", NOW)
    assert store.healthy() is False
    store.engine.dispose()


def _rollback_mode_file_locked_by_a_writer(path: Path) -> sqlite3.Connection:
    """A journal file still in rollback mode (as a brand-new one is), another connection writing to it."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)
    assert other.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE being_written (x)")
    return other


def test_opening_waits_for_a_writer_before_switching_the_file_to_wal(settings: Settings, tmp_path: Path) -> None:
    # SQLite refuses the switch to WAL at once, busy timeout or not, while another connection writes to
    # a file in rollback mode: a second worker starting on a new journal met this and failed to boot.
    path = tmp_path / "journal.sqlite3"
    other = _rollback_mode_file_locked_by_a_writer(path)
    released = threading.Event()

    def release_soon() -> None:
        time.sleep(0.3)
        released.set()
        other.execute("COMMIT")

    releaser = threading.Thread(target=release_soon)
    releaser.start()
    store = open_store(settings.replace(database_url=f"sqlite:///{path}", db_timeout_s=10))
    releaser.join()
    other.close()
    assert released.is_set()
    store.add_gratitude(USER, "after the wait", NOW)
    assert [e.text for e in store.gratitude_between(USER, *EVER)] == ["after the wait"]
    outside = sqlite3.connect(path)
    assert outside.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    outside.close()
    store.engine.dispose()


def test_a_file_locked_past_the_timeout_while_switching_to_wal_is_store_unavailable(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "journal.sqlite3"
    other = _rollback_mode_file_locked_by_a_writer(path)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            open_store(settings.replace(database_url=f"sqlite:///{path}", db_timeout_s=0.2))
        assert time.monotonic() - started >= 0.2  # it did wait for the lock first
    finally:
        other.execute("ROLLBACK")
        other.close()
