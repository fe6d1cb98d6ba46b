"""Fixtures for the journal store: the same tests run on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.config import Settings
from skill.store.engine import open_store
from skill.store.sql import SqlJournalStore
from tests.pg import PgCluster

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh empty database on the backend under test (SQLite file, or a new PostgreSQL database)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'journal' / 'journal.sqlite3'}"
    cluster: PgCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture
def journal_settings(settings: Settings, database_url: str) -> Settings:
    return settings.replace(database_url=database_url)


@pytest.fixture
def journal(journal_settings: Settings) -> Iterator[SqlJournalStore]:
    """The real store on the backend under test, its schema at the newest version."""
    store = open_store(journal_settings)
    yield store
    store.engine.dispose()
