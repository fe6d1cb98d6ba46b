"""Opening the journal: engine set-up for SQLite (WAL, busy timeout) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from skill.config import Settings
from skill.store.sql import SqlJournalStore


def make_engine(url: str, timeout_s: float = 5.0) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode and a busy timeout, created on first use."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": timeout_s}, pool_pre_ping=False)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=timeout_s,
        connect_args={"connect_timeout": max(1, int(timeout_s))},
    )


def open_store(settings: Settings) -> SqlJournalStore:
    """The journal store for these settings, its schema created or upgraded."""
    settings = settings.with_secret()
    store = SqlJournalStore(make_engine(settings.database_url, settings.db_timeout_s), settings.user_secret)
    store.create_all()
    return store
