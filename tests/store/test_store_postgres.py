"""PostgreSQL outages: a stopped server or a held lock is StoreUnavailable; the store recovers by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from skill.config import Settings
from skill.store import StoreUnavailable
from skill.store.engine import open_store
from skill.store.sql import SqlJournalStore
from tests.pg import PgCluster, start_cluster

pytestmark = pytest.mark.postgres

USER = "amzn1.ask.account.PG"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PgCluster]:
    """A cluster of this module's own, so stopping it disturbs no other test."""
    cluster = start_cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_store(own_cluster: PgCluster, settings: Settings) -> Iterator[SqlJournalStore]:
    if not own_cluster.running():
        own_cluster.start()
    store = open_store(settings.replace(database_url=own_cluster.create_database(), db_timeout_s=1.0))
    yield store
    store.engine.dispose()


def every_method(store: SqlJournalStore) -> list[Callable[[], object]]:
    return [
        lambda: store.visit(USER, NOW),
        lambda: store.add_gratitude(USER, "x", NOW),
        lambda: store.gratitude_between(USER, *EVER),
        lambda: store.random_gratitude(USER, NOW),
        lambda: store.add_checkin(USER, "calm", "calm", 1, NOW),
        lambda: store.checkins_since(USER, NOW),
        lambda: store.start_practice(USER, "breathing", "box", NOW),
        lambda: store.complete_practice(USER, "breathing", "box", NOW),
        lambda: store.streak(USER, NOW.date()),
        lambda: store.get_preference(USER, "streak"),
        lambda: store.set_preference(USER, "streak", "off"),
        lambda: store.save_playback(USER, "t", 1, False, NOW),
        lambda: store.get_playback(USER),
        lambda: store.holdings(USER),
        lambda: store.get_attributes(USER),
        lambda: store.save_attributes(USER, {"a": 1}),
        lambda: store.delete_attributes(USER),
        lambda: store.forget(USER),
    ]


def test_a_stopped_server_is_store_unavailable_and_the_store_recovers(
    own_cluster: PgCluster, pg_store: SqlJournalStore
) -> None:
    pg_store.add_gratitude(USER, "before", NOW)  # the pool now holds live connections
    own_cluster.stop()
    try:
        for call in every_method(pg_store):
            with pytest.raises(StoreUnavailable):
                call()
        assert pg_store.healthy() is False
    finally:
        own_cluster.start()
    assert pg_store.healthy() is True  # same engine: broken pooled connections were replaced
    pg_store.add_gratitude(USER, "after", NOW)
    assert [e.text for e in pg_store.gratitude_between(USER, *EVER)] == ["before", "after"]


def test_a_lock_held_past_the_timeout_is_store_unavailable(own_cluster: PgCluster, pg_store: SqlJournalStore) -> None:
    pg_store.add_gratitude(USER, "before", NOW)
    url = pg_store.engine.url
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as other:
        other.execute("LOCK TABLE gratitude_entries IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(StoreUnavailable, match="LockNotAvailable"):
            pg_store.add_gratitude(USER, "during", NOW)
        other.rollback()
    pg_store.add_gratitude(USER, "after", NOW)
    assert [e.text for e in pg_store.gratitude_between(USER, *EVER)] == ["before", "after"]


def test_a_connection_killed_by_the_server_is_replaced(own_cluster: PgCluster, pg_store: SqlJournalStore) -> None:
    pg_store.add_gratitude(USER, "before", NOW)
    url = pg_store.engine.url
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (url.database,)
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    pg_store.add_gratitude(USER, "after", NOW)  # pre-ping notices the dead connection first
    assert [e.text for e in pg_store.gratitude_between(USER, *EVER)] == ["before", "after"]


def test_days_and_times_are_utc_whatever_the_servers_time_zone(own_cluster: PgCluster, settings: Settings) -> None:
    url = own_cluster.create_database()
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", port=own_cluster.port, user="postgres", autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE \"{database}\" SET timezone TO 'Pacific/Kiritimati'")  # UTC+14
    store = open_store(settings.replace(database_url=url))
    late = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # already March 10th in Kiritimati
    store.add_gratitude(USER, "late", late)
    store.add_gratitude(USER, "early", datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    saved = store.gratitude_between(USER, *EVER)
    assert [e.created_at for e in saved] == [late, datetime(2026, 3, 10, 1, 0, tzinfo=UTC)]
    assert all(e.created_at.utcoffset() == timedelta(0) for e in saved)
    assert store.streak(USER, date(2026, 3, 10)) == 2
    store.engine.dispose()


def test_an_exhausted_pool_is_store_unavailable(pg_store: SqlJournalStore) -> None:
    held = [pg_store.engine.connect() for _ in range(10)]  # pool_size 5 + max_overflow 5
    try:
        with pytest.raises(StoreUnavailable, match="TimeoutError"):
            pg_store.add_gratitude(USER, "no room", NOW)
    finally:
        for conn in held:
            conn.close()
    pg_store.add_gratitude(USER, "room again", NOW)
    assert [e.text for e in pg_store.gratitude_between(USER, *EVER)] == ["room again"]
