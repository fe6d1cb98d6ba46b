"""kill -9 a gunicorn worker in the middle of a burst of gratitude entries (SQLite, then PostgreSQL).

Every entry that was answered 200 is stored exactly once; an entry whose request died with the
worker is stored at most once; nothing else appears; the database opens cleanly afterwards and the
server keeps answering (gunicorn replaces the worker).
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from skill.bench.process import Served
from skill.config import Settings
from skill.store.engine import open_store
from tests.conftest import envelope, intent
from tests.hardening.conftest import ServerFactory
from tests.hardening.harness import SECRET, post_json

WRITES = int(os.environ.get("KINDNESS_CRASH_WRITES", "240"))
CLIENTS = 8
KILLS = 2


def marker(n: int) -> str:
    return f"the quiet walk number {n} by the river"


def gratitude_request(n: int) -> dict[str, object]:
    # a new session each time, so the three-a-session limit never applies
    return envelope(intent("GratitudeIntent", thing=marker(n)), user=f"amzn1.ask.account.CRASH{n % 16:02d}")


@dataclass
class Burst:
    """The outcome of each write: its HTTP status, or 0 when the connection died with the worker."""

    status: dict[int, int] = field(default_factory=dict)
    answered: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))

    def ok(self) -> set[int]:
        return {n for n, s in self.status.items() if s == 200}

    def lost(self) -> set[int]:
        return {n for n, s in self.status.items() if s != 200}


def write(served: Served, n: int, burst: Burst) -> None:
    try:
        answer = post_json(served, gratitude_request(n), timeout_s=30)
        burst.status[n] = answer.status
        if answer.status == 200:
            assert answer.said[0] == "gratitude/thanks", answer.said
    except (ConnectionError, OSError, http.client.HTTPException):
        # the worker died before or while answering (a cut-off answer is an IncompleteRead)
        burst.status[n] = 0
    finally:
        burst.answered.release()


def burst_with_kills(served: Served) -> tuple[Burst, list[int]]:
    """WRITES entries from CLIENTS threads; a worker is killed with SIGKILL at 1/3 and 2/3 of the way."""
    burst = Burst()
    killed: list[int] = []
    with ThreadPoolExecutor(CLIENTS) as pool:
        writes = [pool.submit(write, served, n, burst) for n in range(WRITES)]
        for k in range(1, KILLS + 1):
            for _ in range(WRITES * k // (KILLS + 1) - (WRITES * (k - 1) // (KILLS + 1))):
                assert burst.answered.acquire(timeout=60), "the burst stalled"
            victim = served.wait_workers(2, exclude=tuple(killed))[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
    for done in writes:
        done.result()  # a failure in a client thread (a wrong answer, say) is raised here, not lost
    return burst, killed


def check_stored_exactly_once(burst: Burst, texts: list[str]) -> None:
    counts: dict[str, int] = {}
    for text in texts:
        counts[text] = counts.get(text, 0) + 1
    expected = {marker(n) for n in range(WRITES)}
    strangers = set(counts) - expected
    assert not strangers, f"entries nobody wrote: {sorted(strangers)[:5]}"
    missing = [n for n in sorted(burst.ok()) if counts.get(marker(n), 0) != 1]
    times = [counts.get(marker(n), 0) for n in missing[:5]]
    assert not missing, f"answered 200 but stored {times} times: {missing[:5]}"
    doubled = [n for n in burst.lost() if counts.get(marker(n), 0) > 1]
    assert not doubled, f"died with the worker but stored twice: {doubled}"
    assert len(burst.status) == WRITES


def after_the_crash(served: Served, workers: list[int]) -> None:
    """gunicorn replaced the killed workers and the server still writes."""
    live = served.wait_workers(2, exclude=tuple(workers))
    assert not set(live) & set(workers)
    answer = post_json(served, gratitude_request(WRITES))
    assert answer.status == 200 and answer.said[0] == "gratitude/thanks"


def run_crash(served: Served, texts: Callable[[], list[str]]) -> Burst:
    started = time.monotonic()
    burst, killed = burst_with_kills(served)
    print(
        f"crash: {WRITES} writes, {len(burst.ok())} answered 200, {len(burst.lost())} died with a worker,"
        f" {len(killed)} workers killed, {time.monotonic() - started:.1f}s"
    )
    assert len(killed) == KILLS
    assert len(burst.ok()) >= WRITES // 2, f"too few writes succeeded: {burst.status}"
    check_stored_exactly_once(burst, texts())
    after_the_crash(served, killed)
    return burst


@pytest.mark.slow
def test_sqlite_keeps_every_answered_entry_exactly_once_when_a_worker_is_killed(
    serve_skill: ServerFactory,
) -> None:
    served = serve_skill(workers=2)
    path = served.env["KINDNESS_DATABASE_URL"].removeprefix("sqlite:///")

    def texts() -> list[str]:
        engine = sa.create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                return [r[0] for r in conn.execute(sa.text("SELECT text FROM gratitude_entries"))]
        finally:
            engine.dispose()

    run_crash(served, texts)
    served.stop()
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    finally:
        engine.dispose()
    settings = Settings.from_env({"KINDNESS_DATABASE_URL": f"sqlite:///{path}"}).replace(user_secret=SECRET)
    store = open_store(settings)
    try:
        assert store.healthy()
    finally:
        store.engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_keeps_every_answered_entry_exactly_once_when_a_worker_is_killed(
    serve_skill: ServerFactory, fresh_postgres_url: str
) -> None:
    served = serve_skill(workers=2, database_url=fresh_postgres_url)
    engine = sa.create_engine(fresh_postgres_url, poolclass=sa.pool.NullPool)
    try:

        def texts() -> list[str]:
            with engine.connect() as conn:
                return [r[0] for r in conn.execute(sa.text("SELECT text FROM gratitude_entries"))]

        run_crash(served, texts)
        served.stop()
        # the killed workers' sessions are gone: nothing is left holding a transaction open
        deadline = time.monotonic() + 20
        while True:
            with engine.connect() as conn:
                stuck = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
            if stuck == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert stuck == 0
        with engine.connect() as conn:
            orphans = conn.execute(
                sa.text(
                    "SELECT count(*) FROM gratitude_entries g LEFT JOIN people p ON p.key = g.person"
                    " WHERE p.key IS NULL"
                )
            ).scalar()
        assert orphans == 0
    finally:
        engine.dispose()
    settings = Settings.from_env({"KINDNESS_DATABASE_URL": fresh_postgres_url}).replace(user_secret=SECRET)
    store = open_store(settings)
    try:
        assert store.healthy()
    finally:
        store.engine.dispose()
