"""The journal through HTTP: two `kindness serve` processes share one database (SQLite file, then
PostgreSQL); concurrent clients lose nothing, and an outage is a spoken apology, never an error."""

from __future__ import annotations

import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from skill.config import Settings
from skill.store.engine import open_store
from tests.pg import PgCluster, start_cluster
from tests.store.serving import (
    Server,
    assert_valid_speech_response,
    gratitude_request,
    post,
    server_env,
    serving,
)

pytestmark = pytest.mark.slow

CLIENTS = 8
ENTRIES = 50
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
APOLOGY_KEY = "errors/store_unavailable"


def client_user(n: int) -> str:
    return f"amzn1.ask.account.CONCURRENT-{n:02d}"


def run_client(n: int, servers: list[Server]) -> list[tuple[int, list[str]]]:
    """One person saying ENTRIES gratitude entries, alternating between the servers."""
    results = []
    with requests.Session() as session:
        for i in range(ENTRIES):
            status, payload, said = post(
                session, servers[i % len(servers)], gratitude_request(client_user(n), thing(n, i))
            )
            if status == 200:
                assert_valid_speech_response(payload)
            results.append((status, said))
    return results


def thing(n: int, i: int) -> str:
    return f"friend number {n} and kindness {i}"


def concurrent_gratitude(data_dir: Path, database_url: str | None, log_dir: Path) -> None:
    with serving(2, server_env(data_dir, database_url), log_dir) as servers:
        with ThreadPoolExecutor(CLIENTS) as pool:
            outcomes = list(pool.map(lambda n: run_client(n, servers), range(CLIENTS)))
        logs = "\n".join(s.log() for s in servers)
    answers = [answer for client in outcomes for answer in client]
    assert len(answers) == CLIENTS * ENTRIES
    assert {status for status, _ in answers} == {200}, logs
    assert not [said for _, said in answers if any(k.startswith("errors/") for k in said)], logs
    store = open_store(Settings.from_env(server_env(data_dir, database_url)))
    for n in range(CLIENTS):
        saved = Counter(e.text for e in store.gratitude_between(client_user(n), *EVER))
        assert saved == Counter(thing(n, i) for i in range(ENTRIES)), f"client {n}"
    store.engine.dispose()


def test_concurrent_clients_lose_nothing_on_a_shared_sqlite_file(tmp_path: Path) -> None:
    concurrent_gratitude(tmp_path / "data", None, tmp_path)


@pytest.mark.postgres
def test_concurrent_clients_lose_nothing_on_postgresql(tmp_path: Path, postgres_cluster: PgCluster) -> None:
    concurrent_gratitude(tmp_path / "data", postgres_cluster.create_database(), tmp_path)


# ---- outages -----------------------------------------------------------------------------------------
def say_gratitude(server: Server, user: str, text: str) -> tuple[str, list[str]]:
    with requests.Session() as session:
        status, payload, said = post(session, server, gratitude_request(user, text))
    assert status == 200
    ssml = assert_valid_speech_response(payload)
    assert payload["response"].get("shouldEndSession") in (False, None)  # they can try again
    return ssml, said


def assert_apology(server: Server, user: str) -> None:
    ssml, said = say_gratitude(server, user, "a lost thought")
    assert APOLOGY_KEY in said, server.log()
    assert "can't reach your journal" in ssml


def test_a_locked_sqlite_journal_is_an_apology_then_works_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    user = "amzn1.ask.account.LOCKED"
    with serving(1, server_env(data_dir, KINDNESS_DB_TIMEOUT="0.3"), tmp_path) as (server,):
        say_gratitude(server, user, "the first coffee")
        holder = sqlite3.connect(data_dir / "journal.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # held well past the server's 0.3 s busy timeout
        try:
            assert_apology(server, user)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        ssml, said = say_gratitude(server, user, "the second coffee")
        assert APOLOGY_KEY not in said
    store = open_store(Settings.from_env(server_env(data_dir)))
    assert [e.text for e in store.gratitude_between(user, *EVER)] == ["the first coffee", "the second coffee"]
    store.engine.dispose()


@pytest.mark.postgres
def test_a_stopped_postgresql_is_an_apology_then_works_again(tmp_path: Path) -> None:
    cluster = start_cluster()  # its own, since it is stopped midway
    try:
        url = cluster.create_database()
        data_dir = tmp_path / "data"
        user = "amzn1.ask.account.PG-OUTAGE"
        with serving(1, server_env(data_dir, url, KINDNESS_DB_TIMEOUT="1"), tmp_path) as (server,):
            say_gratitude(server, user, "the morning light")
            cluster.stop()
            try:
                assert_apology(server, user)
                assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 503
            finally:
                cluster.start()
            assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
            ssml, said = say_gratitude(server, user, "the evening rain")
            assert APOLOGY_KEY not in said
        store = open_store(Settings.from_env(server_env(data_dir, url)))
        assert [e.text for e in store.gratitude_between(user, *EVER)] == ["the morning light", "the evening rain"]
        store.engine.dispose()
    finally:
        cluster.destroy()
