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

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
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
from skill.store.schema import attributes, checkins, gratitude, people, playback, practices, preferences

T = TypeVar("T")

# Execution option marking a transaction that writes (SQLite begins those IMMEDIATE; see engine.py).
WRITE_OPTION = "kindness_write"

# ask-sdk attributes are for small things (a last choice, a flag); the journal proper lives in tables.
MAX_ATTRIBUTES_BYTES = 16 * 1024


def _utc(value: datetime) -> datetime:
    """A time as UTC before it is stored or compared (SQLite keeps no zone: it must be UTC already)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _utc_day(conn: Connection, column: sa.Column) -> sa.ColumnElement[str]:
    """The UTC calendar day of a stored time as 'YYYY-MM-DD', computed by the database (one row a day)."""
    if conn.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)  # SQLite keeps UTC times as ISO text


def _aware(value: datetime | None) -> datetime | None:
    """Times in UTC: SQLite hands back naive datetimes (stored as UTC), PostgreSQL its session's zone."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


class SqlJournalStore:
    """:class:`skill.store.api.JournalStore` over a SQLAlchemy engine."""

    def __init__(self, engine: Engine, secret: str) -> None:
        if not secret:
            raise ValueError("a server secret is needed to key people by an HMAC of their Alexa id")
        self.engine = engine
        self._secret = secret.encode()

    # ---- plumbing -----------------------------------------------------------------------------
    def person_key(self, user_id: str) -> str:
        """The HMAC-SHA256 of the Alexa userId: the only id the database ever holds."""
        return hmac.new(self._secret, user_id.encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Connection]:
        """One transaction; every sign that the database is unreachable or locked -> StoreUnavailable."""
        try:
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

    def _upsert(self, conn: Connection, table: sa.Table, values: dict[str, Any]) -> None:
        """Insert the row or, when its primary key exists, update it: one statement, no race."""
        keys = [c.name for c in table.primary_key.columns]
        dialect = conn.dialect.name
        insert: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        statement = insert.values(**values).on_conflict_do_update(
            index_elements=keys, set_={k: v for k, v in values.items() if k not in keys}
        )
        conn.execute(statement)

    def _ensure_person(self, conn: Connection, key: str, now: datetime) -> bool:
        """Create the person row if missing; True when it was created now."""
        existing = conn.execute(sa.select(people.c.key).where(people.c.key == key)).first()
        if existing:
            return False
        return self._create_person(conn, key, now)

    def _create_person(self, conn: Connection, key: str, now: datetime) -> bool:
        """Insert the person row; False when another process created it first."""
        try:
            with conn.begin_nested():
                conn.execute(people.insert().values(key=key, first_seen=now, last_seen=now))
        except sa.exc.IntegrityError:
            return False  # another process created it first
        return True

    # ---- visits and streaks -------------------------------------------------------------------
    def visit(self, user_id: str, now: datetime) -> Visit:
        now = _utc(now)
        key = self.person_key(user_id)

        def work(conn: Connection) -> Visit:
            before = conn.execute(sa.select(people.c.last_seen).where(people.c.key == key)).scalar()
            # last_seen is never NULL: no row means no person yet (saves _ensure_person's own look-up)
            created = self._create_person(conn, key, now) if before is None else False
            conn.execute(people.update().where(people.c.key == key).values(last_seen=now))
            enabled = self._preference(conn, key, "streak", "on") != "off"
            return Visit(
                first_visit=created,
                last_seen=_aware(before),
                streak_days=self._streak(conn, key, now.date()),
                streak_enabled=enabled,
            )

        return self._run(work, write=True)

    def _activity_days(self, conn: Connection, key: str, since: datetime) -> set[date]:
        # one round trip for the three tables, one row per UTC day (UNION removes repeats)
        query = sa.union(
            *(
                sa.select(_utc_day(conn, column).label("day")).where(table.c.person == key, column >= since)
                for table, column in (
                    (practices, practices.c.started_at),
                    (gratitude, gratitude.c.created_at),
                    (checkins, checkins.c.created_at),
                )
            )
        )
        return {date.fromisoformat(r[0]) for r in conn.execute(query)}

    def _streak(self, conn: Connection, key: str, today: date) -> int:
        since = datetime.combine(today - timedelta(days=366), datetime.min.time(), UTC)
        days = self._activity_days(conn, key, since)
        day = today if today in days else today - timedelta(days=1)
        count = 0
        while day in days:
            count += 1
            day -= timedelta(days=1)
        return count

    def streak(self, user_id: str, today: date) -> int:
        key = self.person_key(user_id)
        return self._run(lambda conn: self._streak(conn, key, today))

    # ---- gratitude ----------------------------------------------------------------------------
    def add_gratitude(self, user_id: str, text: str, now: datetime) -> GratitudeEntry:
        now = _utc(now)
        key = self.person_key(user_id)

        def work(conn: Connection) -> GratitudeEntry:
            self._ensure_person(conn, key, now)
            new_id = conn.execute(
                gratitude.insert().values(person=key, text=text, created_at=now).returning(gratitude.c.id)
            ).scalar_one()
            return GratitudeEntry(id=int(new_id), text=text, created_at=now)

        return self._run(work, write=True)

    def gratitude_between(self, user_id: str, start: datetime, end: datetime) -> list[GratitudeEntry]:
        start = _utc(start)
        end = _utc(end)
        key = self.person_key(user_id)
        query = (
            sa.select(gratitude.c.id, gratitude.c.text, gratitude.c.created_at)
            .where(gratitude.c.person == key, gratitude.c.created_at >= start, gratitude.c.created_at < end)
            .order_by(gratitude.c.created_at, gratitude.c.id)
        )
        rows = self._run(lambda conn: conn.execute(query).all())
        return [GratitudeEntry(id=r.id, text=r.text, created_at=_aware(r.created_at)) for r in rows]  # type: ignore[arg-type]

    def random_gratitude(self, user_id: str, before: datetime) -> GratitudeEntry | None:
        before = _utc(before)
        key = self.person_key(user_id)
        query = sa.select(gratitude.c.id, gratitude.c.text, gratitude.c.created_at).where(
            gratitude.c.person == key, gratitude.c.created_at < before
        )
        rows = self._run(lambda conn: conn.execute(query).all())
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

        def work(conn: Connection) -> CheckIn:
            self._ensure_person(conn, key, now)
            new_id = conn.execute(
                checkins.insert()
                .values(
                    person=key, feeling_id=feeling_id, feeling_text=feeling_text, intensity=intensity, created_at=now
                )
                .returning(checkins.c.id)
            ).scalar_one()
            return CheckIn(int(new_id), feeling_id, feeling_text, intensity, now)

        return self._run(work, write=True)

    def checkins_since(self, user_id: str, since: datetime) -> list[CheckIn]:
        since = _utc(since)
        key = self.person_key(user_id)
        query = (
            sa.select(checkins)
            .where(checkins.c.person == key, checkins.c.created_at >= since)
            .order_by(checkins.c.created_at, checkins.c.id)
        )
        rows = self._run(lambda conn: conn.execute(query).all())
        return [
            CheckIn(r.id, r.feeling_id, r.feeling_text, r.intensity, _aware(r.created_at))  # type: ignore[arg-type]
            for r in rows
        ]

    # ---- practices ----------------------------------------------------------------------------
    def start_practice(self, user_id: str, kind: str, item: str, now: datetime) -> PracticeRecord:
        now = _utc(now)
        key = self.person_key(user_id)

        def work(conn: Connection) -> PracticeRecord:
            self._ensure_person(conn, key, now)
            new_id = conn.execute(
                practices.insert()
                .values(person=key, kind=kind, item=item, started_at=now, completed=False)
                .returning(practices.c.id)
            ).scalar_one()
            return PracticeRecord(int(new_id), kind, item, now, False)

        return self._run(work, write=True)

    def complete_practice(self, user_id: str, kind: str, item: str, now: datetime) -> None:
        now = _utc(now)
        key = self.person_key(user_id)

        def work(conn: Connection) -> None:
            self._ensure_person(conn, key, now)
            open_id = conn.execute(
                sa.select(practices.c.id)
                .where(
                    practices.c.person == key,
                    practices.c.kind == kind,
                    practices.c.item == item,
                    practices.c.completed.is_(False),
                )
                .order_by(practices.c.started_at.desc(), practices.c.id.desc())
                .limit(1)
            ).scalar()
            if open_id is None:
                conn.execute(
                    practices.insert().values(
                        person=key, kind=kind, item=item, started_at=now, completed=True, completed_at=now
                    )
                )
            else:
                conn.execute(
                    practices.update().where(practices.c.id == open_id).values(completed=True, completed_at=now)
                )

        self._run(work, write=True)

    # ---- preferences --------------------------------------------------------------------------
    def _preference(self, conn: Connection, key: str, name: str, default: str | None) -> str | None:
        value = conn.execute(
            sa.select(preferences.c.value).where(preferences.c.person == key, preferences.c.name == name)
        ).scalar()
        return default if value is None else str(value)

    def get_preference(self, user_id: str, name: str, default: str | None = None) -> str | None:
        key = self.person_key(user_id)
        return self._run(lambda conn: self._preference(conn, key, name, default))

    def set_preference(self, user_id: str, name: str, value: str) -> None:
        key = self.person_key(user_id)

        def work(conn: Connection) -> None:
            self._ensure_person(conn, key, datetime.now(UTC))
            self._upsert(conn, preferences, {"person": key, "name": name, "value": value})

        self._run(work, write=True)

    # ---- playback -----------------------------------------------------------------------------
    def save_playback(self, user_id: str, token: str, offset_ms: int, finished: bool, now: datetime) -> None:
        now = _utc(now)
        key = self.person_key(user_id)
        values: dict[str, Any] = {
            "token": token,
            "offset_ms": max(0, int(offset_ms)),
            "finished": finished,
            "updated_at": now,
        }

        def work(conn: Connection) -> None:
            self._ensure_person(conn, key, now)
            self._upsert(conn, playback, {"person": key, **values})

        self._run(work, write=True)

    def get_playback(self, user_id: str) -> Playback | None:
        key = self.person_key(user_id)
        row = self._run(lambda conn: conn.execute(sa.select(playback).where(playback.c.person == key)).first())
        if row is None:
            return None
        return Playback(row.token, int(row.offset_ms), bool(row.finished), _aware(row.updated_at))  # type: ignore[arg-type]

    # ---- the person's data --------------------------------------------------------------------
    def holdings(self, user_id: str) -> Holdings:
        key = self.person_key(user_id)

        def count(conn: Connection, table: sa.Table) -> int:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.person == key)).scalar_one()
            )

        def work(conn: Connection) -> Holdings:
            first_seen = conn.execute(sa.select(people.c.first_seen).where(people.c.key == key)).scalar()
            return Holdings(
                gratitude_entries=count(conn, gratitude),
                checkins=count(conn, checkins),
                practices=count(conn, practices),
                has_playback=count(conn, playback) > 0,
                first_seen=_aware(first_seen),
            )

        return self._run(work)

    def forget(self, user_id: str) -> None:
        key = self.person_key(user_id)

        def work(conn: Connection) -> None:
            for table in (gratitude, checkins, practices, preferences, playback, attributes):
                conn.execute(table.delete().where(table.c.person == key))
            conn.execute(people.delete().where(people.c.key == key))

        self._run(work, write=True)

    # ---- small attributes (ask-sdk persistence adapter) ----------------------------------------
    def get_attributes(self, user_id: str) -> dict[str, Any]:
        """The person's saved attributes, or an empty dict."""
        key = self.person_key(user_id)
        data = self._run(
            lambda conn: conn.execute(sa.select(attributes.c.data).where(attributes.c.person == key)).scalar()
        )
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
            self._ensure_person(conn, key, when)
            self._upsert(conn, attributes, {"person": key, "data": data, "updated_at": when})

        self._run(work, write=True)

    def delete_attributes(self, user_id: str) -> None:
        key = self.person_key(user_id)
        self._run(lambda conn: conn.execute(attributes.delete().where(attributes.c.person == key)), write=True)

    def healthy(self) -> bool:
        """True when the database answers a query on the journal's tables."""
        try:
            self._run(lambda conn: conn.execute(sa.select(people.c.key).limit(1)).all())
        except StoreUnavailable:
            return False
        return True
