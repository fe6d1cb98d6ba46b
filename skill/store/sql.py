"""The journal over SQLAlchemy Core: one code path for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from skill.store.api import (
    CheckIn,
    GratitudeEntry,
    Holdings,
    Playback,
    PracticeRecord,
    StoreUnavailable,
    Visit,
)
from skill.store.checkpointer import CheckpointThread
from skill.store.driver import DriverRunner
from skill.store.statements import STREAK_RUN_LIMIT, statements_for

T = TypeVar("T")

# Execution option marking a transaction that writes (SQLite begins those IMMEDIATE; see engine.py).
WRITE_OPTION = "kindness_write"

# The streak is counted unless the person's "streak" preference is "off".
STREAK_DEFAULT = "on"

# A WAL checkpoint after this many committed write transactions of one process (about 6 pages each).
CHECKPOINT_EVERY_WRITES = 150

# ask-sdk attributes are for small things (a last choice, a flag); the journal proper lives in tables.
MAX_ATTRIBUTES_BYTES = 16 * 1024


def _utc(value: datetime) -> datetime:
    """A time as UTC before it is stored or compared (SQLite keeps no zone: it must be UTC already)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _foreign_keys_enforced(engine: Engine) -> bool:
    """True for SQLite with foreign keys on (engine.py turns them on for every connection)."""
    if engine.dialect.name != "sqlite":
        return False
    try:
        with engine.connect() as conn:
            return bool(conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1)
    except DBAPIError:
        return False  # unreachable now: the person is made first, which is right in any case


def consecutive_days(days: set[date], today: date) -> int:
    """The run of days in ``days`` ending today, or yesterday when today has nothing yet."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def _aware(value: datetime | None) -> datetime | None:
    """Times in UTC: SQLite hands back naive datetimes (stored as UTC), PostgreSQL its session's zone."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class SqlJournalStore:
    """:class:`skill.store.api.JournalStore` over a SQLAlchemy engine."""

    def __init__(self, engine: Engine, secret: str, timeout_s: float = 5.0) -> None:
        if not secret:
            raise ValueError("a server secret is needed to key people by an HMAC of their Alexa id")
        self.engine = engine
        self._secret = secret.encode()
        self._sql = statements_for(engine.dialect.name)
        # SQLite with foreign keys on (as engine.py makes it): statements straight on the driver, and a
        # person's row written before making sure of the person (see _write_for_person)
        self._row_first = _foreign_keys_enforced(engine)
        self._driver = DriverRunner(engine, timeout_s) if self._row_first else None
        self.checkpoint_every = CHECKPOINT_EVERY_WRITES
        self.checkpoints = CheckpointThread(self._checkpoint_now) if self._driver is not None else None

    # ---- plumbing -----------------------------------------------------------------------------
    def person_key(self, user_id: str) -> str:
        """The HMAC-SHA256 of the Alexa userId: the only id the database ever holds."""
        return hmac.new(self._secret, user_id.encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Any]:
        """One transaction (a SQLAlchemy Connection, or on SQLite a DriverConnection: the same
        ``execute`` with the same errors); every sign that the database is unreachable or locked ->
        StoreUnavailable."""
        try:
            if self._driver is not None:
                with self._driver.transaction(write) as driver:
                    yield driver
            else:
                with self.engine.connect() as conn:
                    if write:
                        conn.execution_options(**{WRITE_OPTION: True})
                    with conn.begin():
                        yield conn
        except (DBAPIError, PoolTimeout) as exc:
            if isinstance(exc, DBAPIError) and not (
                isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
            ):
                raise  # a bug (integrity, programming error), not an outage
            orig = getattr(exc, "orig", None)
            raise StoreUnavailable(type(orig or exc).__name__) from exc

    def _run(self, work: Callable[[Connection], T], *, write: bool = False) -> T:
        with self._tx(write) as conn:
            return work(conn)

    def _write_for_person(
        self, conn: Connection, key: str, now: datetime, statement: Any, values: Mapping[str, Any]
    ) -> CursorResult[Any]:
        """Run a statement that writes one of the person's rows, creating the person first if missing.

        SQLite (foreign keys enforced): the row first, as the person nearly always exists; when not,
        the foreign key refuses it, SQLite undoes just that statement, and the person is created and
        the row written again. PostgreSQL ends the whole transaction on an error, so there the person
        comes first (one INSERT ... ON CONFLICT DO NOTHING)."""
        if not self._row_first:
            self._ensure_person(conn, key, now)
            return conn.execute(statement, values)
        try:
            return conn.execute(statement, values)
        except IntegrityError:
            if not self._ensure_person(conn, key, now):
                raise  # the person was there: another integrity problem (a bug), not a missing person
            return conn.execute(statement, values)

    def _ensure_person(self, conn: Connection, key: str, now: datetime) -> bool:
        """Create the person row if missing (one statement); True when it was created now."""
        created = conn.execute(self._sql.create_person, {"key": key, "first_seen": now, "last_seen": now})
        return created.first() is not None

    # ---- visits and streaks -------------------------------------------------------------------
    def visit(self, user_id: str, now: datetime) -> Visit:
        now = _utc(now)
        key = self.person_key(user_id)
        sql = self._sql

        def work(conn: Connection) -> Visit:
            # last_seen is never NULL: no row means no person yet
            row = conn.execute(sql.visit_lookup, {"person_key": key}).first()
            before, streak = (row.last_seen, row.streak) if row is not None else (None, None)
            created = self._ensure_person(conn, key, now) if before is None else False
            if not created:  # a new row already says last_seen = now
                conn.execute(sql.touch_person, {"person_key": key, "now": now})
            enabled = (STREAK_DEFAULT if streak is None else str(streak)) != "off"
            return Visit(
                first_visit=created,
                last_seen=_aware(before),
                streak_days=self._streak(conn, key, now.date()),
                streak_enabled=enabled,
            )

        return self._run(work, write=True)

    def _activity_days(self, conn: Connection, key: str, since: datetime, until: datetime) -> set[date]:
        # one round trip for the three tables, one row per UTC day; enough days for the streak
        rows = conn.execute(self._sql.activity_days, {"person_key": key, "since": since, "until": until}).all()
        if len(rows) >= STREAK_RUN_LIMIT and self._sql.activity_days is not self._sql.activity_all:
            rows = conn.execute(self._sql.activity_all, {"person_key": key, "since": since}).all()
        return {date.fromisoformat(r[0]) for r in rows}

    def _streak(self, conn: Connection, key: str, today: date) -> int:
        since = datetime.combine(today - timedelta(days=366), datetime.min.time(), UTC)
        until = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
        return consecutive_days(self._activity_days(conn, key, since, until), today)

    def streak(self, user_id: str, today: date) -> int:
        key = self.person_key(user_id)
        return self._run(lambda conn: self._streak(conn, key, today))

    # ---- gratitude ----------------------------------------------------------------------------
    def add_gratitude(self, user_id: str, text: str, now: datetime) -> GratitudeEntry:
        now = _utc(now)
        key = self.person_key(user_id)

        def work(conn: Connection) -> GratitudeEntry:
            values = {"person": key, "text": text, "created_at": now}
            new_id = self._write_for_person(conn, key, now, self._sql.add_gratitude, values).scalar_one()
            return GratitudeEntry(id=int(new_id), text=text, created_at=now)

        return self._run(work, write=True)

    def gratitude_between(self, user_id: str, start: datetime, end: datetime) -> list[GratitudeEntry]:
        params = {"person_key": self.person_key(user_id), "start": _utc(start), "end": _utc(end)}
        rows = self._run(lambda conn: conn.execute(self._sql.gratitude_between, params).all())
        return [GratitudeEntry(id=r.id, text=r.text, created_at=_aware(r.created_at)) for r in rows]  # type: ignore[arg-type]

    def random_gratitude(self, user_id: str, before: datetime) -> GratitudeEntry | None:
        before = _utc(before)
        params = {"person_key": self.person_key(user_id), "before": before}
        rows = self._run(lambda conn: conn.execute(self._sql.gratitude_before, params).all())
        if not rows:
            return None
        r = random.Random(before.toordinal()).choice(rows)
        return GratitudeEntry(id=r.id, text=r.text, created_at=_aware(r.created_at))  # type: ignore[arg-type]

    # ---- check-ins ----------------------------------------------------------------------------
    def add_checkin(
        self, user_id: str, feeling_id: str | None, feeling_text: str, intensity: int | None, now: datetime
    ) -> CheckIn:
        now = _utc(now)
        key = self.person_key(user_id)
        values = {
            "person": key,
            "feeling_id": feeling_id,
            "feeling_text": feeling_text,
            "intensity": intensity,
            "created_at": now,
        }

        def work(conn: Connection) -> CheckIn:
            new_id = self._write_for_person(conn, key, now, self._sql.add_checkin, values).scalar_one()
            return CheckIn(int(new_id), feeling_id, feeling_text, intensity, now)

        return self._run(work, write=True)

    def checkins_since(self, user_id: str, since: datetime) -> list[CheckIn]:
        params = {"person_key": self.person_key(user_id), "since": _utc(since)}
        rows = self._run(lambda conn: conn.execute(self._sql.checkins_since, params).all())
        return [
            CheckIn(r.id, r.feeling_id, r.feeling_text, r.intensity, _aware(r.created_at))  # type: ignore[arg-type]
            for r in rows
        ]

    # ---- practices ----------------------------------------------------------------------------
    def start_practice(self, user_id: str, kind: str, item: str, now: datetime) -> PracticeRecord:
        now = _utc(now)
        key = self.person_key(user_id)
        values = {"person": key, "kind": kind, "item": item, "started_at": now, "completed": False}

        def work(conn: Connection) -> PracticeRecord:
            new_id = self._write_for_person(conn, key, now, self._sql.add_practice, values).scalar_one()
            return PracticeRecord(int(new_id), kind, item, now, False)

        return self._run(work, write=True)

    def complete_practice(self, user_id: str, kind: str, item: str, now: datetime) -> None:
        now = _utc(now)
        key = self.person_key(user_id)
        sql = self._sql

        def work(conn: Connection) -> None:
            open_id = conn.execute(sql.open_practice, {"person_key": key, "kind": kind, "item": item}).scalar()
            if open_id is None:  # (no person means no open practice either)
                done = {"person": key, "kind": kind, "item": item, "started_at": now, "completed": True}
                self._write_for_person(conn, key, now, sql.add_practice, {**done, "completed_at": now})
            else:
                conn.execute(sql.complete_practice, {"practice_id": open_id, "now": now})

        self._run(work, write=True)

    # ---- preferences --------------------------------------------------------------------------
    def _preference(self, conn: Connection, key: str, name: str, default: str | None) -> str | None:
        value = conn.execute(self._sql.preference, {"person_key": key, "name": name}).scalar()
        return default if value is None else str(value)

    def get_preference(self, user_id: str, name: str, default: str | None = None) -> str | None:
        key = self.person_key(user_id)
        return self._run(lambda conn: self._preference(conn, key, name, default))

    def set_preference(self, user_id: str, name: str, value: str) -> None:
        key = self.person_key(user_id)

        def work(conn: Connection) -> None:
            values = {"person": key, "name": name, "value": value}
            self._write_for_person(conn, key, datetime.now(UTC), self._sql.set_preference, values)

        self._run(work, write=True)

    # ---- playback -----------------------------------------------------------------------------
    def save_playback(self, user_id: str, token: str, offset_ms: int, finished: bool, now: datetime) -> None:
        now = _utc(now)
        key = self.person_key(user_id)
        values: dict[str, Any] = {
            "person": key,
            "token": token,
            "offset_ms": max(0, int(offset_ms)),
            "finished": finished,
            "updated_at": now,
        }

        def work(conn: Connection) -> None:
            self._write_for_person(conn, key, now, self._sql.save_playback, values)

        self._run(work, write=True)

    def get_playback(self, user_id: str) -> Playback | None:
        key = self.person_key(user_id)
        row = self._run(lambda conn: conn.execute(self._sql.get_playback, {"person_key": key}).first())
        if row is None:
            return None
        return Playback(row.token, int(row.offset_ms), bool(row.finished), _aware(row.updated_at))  # type: ignore[arg-type]

    # ---- the person's data --------------------------------------------------------------------
    def holdings(self, user_id: str) -> Holdings:
        key = self.person_key(user_id)
        row = self._run(lambda conn: conn.execute(self._sql.counts, {"person_key": key}).one())
        return Holdings(
            gratitude_entries=int(row.gratitude),
            checkins=int(row.checkins),
            practices=int(row.practices),
            has_playback=int(row.playback) > 0,
            first_seen=_aware(row.first_seen),
        )

    def forget(self, user_id: str) -> None:
        key = self.person_key(user_id)

        def work(conn: Connection) -> None:
            for statement in self._sql.forget:
                conn.execute(statement, {"person_key": key})

        self._run(work, write=True)

    # ---- small attributes (ask-sdk persistence adapter) ----------------------------------------
    def get_attributes(self, user_id: str) -> dict[str, Any]:
        """The person's saved attributes, or an empty dict."""
        key = self.person_key(user_id)
        data = self._run(lambda conn: conn.execute(self._sql.get_attributes, {"person_key": key}).scalar())
        if data is None:
            return {}
        loaded = json.loads(data)
        return loaded if isinstance(loaded, dict) else {}

    def save_attributes(self, user_id: str, values: Mapping[str, Any], now: datetime | None = None) -> None:
        """Replace the person's attributes: a JSON object of at most MAX_ATTRIBUTES_BYTES."""
        try:
            data = json.dumps(dict(values), separators=(",", ":"), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"attributes must be JSON: {exc}") from exc
        if len(data.encode()) > MAX_ATTRIBUTES_BYTES:
            raise ValueError(f"attributes are {len(data.encode())} bytes; at most {MAX_ATTRIBUTES_BYTES} are kept")
        key = self.person_key(user_id)
        when = _utc(now) if now else datetime.now(UTC)

        def work(conn: Connection) -> None:
            values = {"person": key, "data": data, "updated_at": when}
            self._write_for_person(conn, key, when, self._sql.save_attributes, values)

        self._run(work, write=True)

    def delete_attributes(self, user_id: str) -> None:
        key = self.person_key(user_id)
        self._run(lambda conn: conn.execute(self._sql.delete_attributes, {"person_key": key}), write=True)

    def _checkpoint_now(self) -> None:
        """One passive checkpoint, on the checkpoint thread."""
        assert self._driver is not None
        self._driver.checkpoint()

    def checkpoint_when_due(self) -> bool:
        """On SQLite, once this process has committed ``checkpoint_every`` write transactions: a passive
        WAL checkpoint, asked of the checkpoint thread (meant for after a response has gone out, rather
        than inside some request's COMMIT). True when one was asked for; a journal that cannot be
        reached skips it, with a warning."""
        driver = self._driver
        if driver is None or self.checkpoints is None or driver.writes_since_checkpoint < self.checkpoint_every:
            return False
        driver.writes_since_checkpoint = 0
        self.checkpoints.request()
        return True

    def healthy(self) -> bool:
        """True when the database answers a query on the journal's tables."""
        try:
            self._run(lambda conn: conn.execute(self._sql.healthy).all())
        except StoreUnavailable:
            return False
        return True
