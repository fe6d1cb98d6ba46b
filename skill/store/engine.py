"""Opening the journal: engine set-up for SQLite (WAL, busy timeout) or PostgreSQL, then the schema."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from skill.config import Settings
from skill.store.driver import sqlite_file
from skill.store.sql import WRITE_OPTION, SqlJournalStore

_BEGIN_KEY = "kindness_begin"  # the BEGIN statement the next transaction on a pooled connection sends
_WAL_RETRY_S = 0.005  # pause between attempts to switch a busy file to WAL
# SQLite's own checkpoint runs inside the COMMIT of whichever request crosses it (5 ms at 1,000 pages
# under load); the server checkpoints after its responses instead (SqlJournalStore.checkpoint_when_due),
# and this is the backstop for processes that do not.
WAL_AUTOCHECKPOINT_PAGES = 4000


def _switch_to_wal(cursor: Any, timeout_s: float) -> None:
    """``PRAGMA journal_mode=WAL``, waiting up to ``timeout_s`` for a lock like any other statement.

    SQLite answers "database is locked" at once, without its busy handler, when another connection
    holds a write lock on a file still in rollback mode: two workers starting on a new journal meet
    exactly that, and the second failed to boot.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(_WAL_RETRY_S)


def _sqlite_engine(url: sa.engine.URL, timeout_s: float) -> Engine:
    journal = sqlite_file(url.database)
    if journal is not None:
        journal.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": timeout_s})

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is off: we BEGIN ourselves (below), so DDL is
        # transactional and writers take the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={max(1, int(timeout_s * 1000))}")
        _switch_to_wal(cursor, timeout_s)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        # A write transaction that began as a reader cannot wait for the lock in WAL mode (it fails
        # at once with SQLITE_BUSY when another process wrote meanwhile): writers BEGIN IMMEDIATE,
        # so they queue on the busy timeout instead. The dialect's do_begin (below) sends it.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.connection.info[_BEGIN_KEY] = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def _do_begin(dbapi_connection: Any) -> None:
        # Straight to the driver, from inside SQLAlchemy's own begin: a failure (SQLITE_BUSY past the
        # busy timeout) is still wrapped by SQLAlchemy as an OperationalError, as for any statement.
        dbapi_connection.driver_connection.execute(dbapi_connection.info.pop(_BEGIN_KEY, "BEGIN"))

    engine.dialect.do_begin = _do_begin  # type: ignore[method-assign]
    return engine


def _postgres_engine(url: sa.engine.URL, timeout_s: float) -> Engine:
    wait_ms = max(1, int(timeout_s * 1000))
    return sa.create_engine(
        url,
        pool_pre_ping=True,  # connections broken by a database restart are replaced, not used
        pool_size=5,
        max_overflow=5,
        pool_timeout=timeout_s,
        connect_args={
            "connect_timeout": max(1, round(timeout_s)),
            # waiting on a row lock or a slow statement past the timeout fails (-> StoreUnavailable)
            "options": f"-c lock_timeout={wait_ms} -c statement_timeout={wait_ms * 4}",
        },
    )


def make_engine(url: str, timeout_s: float = 5.0) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and a busy timeout, created on first use."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, timeout_s)
    return _postgres_engine(parsed, timeout_s)


def open_store(settings: Settings) -> SqlJournalStore:
    """The journal store for these settings, its schema created or upgraded to the newest version."""
    from skill.store.migrate import upgrade

    settings = settings.with_secret()
    engine = make_engine(settings.database_url, settings.db_timeout_s)
    upgrade(engine)
    return SqlJournalStore(engine, settings.user_secret, settings.db_timeout_s)
