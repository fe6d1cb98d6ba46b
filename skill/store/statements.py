"""Every statement the journal runs, built once per SQL dialect with bind parameters.

Building a SQLAlchemy Core statement (``select(...).where(...)``) costs more than running it on a
warm connection; built once, a statement also keeps its cache key, so SQLAlchemy finds its compiled
form without walking it again. :func:`statements_for` gives the set for a dialect ("sqlite" or
"postgresql"); the store passes values as parameters named after the columns (``person_key`` for a person's
key, ``now``, ``since``, ...).

Creating a person and the upserts are ``INSERT ... ON CONFLICT`` (both dialects), so no statement
looks before it writes and no savepoint is needed when another process writes the same row first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from skill.store.schema import (
    UtcDateTime,
    attributes,
    checkins,
    gratitude,
    people,
    playback,
    practices,
    preferences,
)

KEY = sa.bindparam("person_key", type_=sa.String(64))
STREAK_PREFERENCE = "streak"
STREAK_RUN_LIMIT = 16  # days: past it, the day-by-day walk costs more than reading every row's day


def _insert(dialect: str, table: sa.Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _upsert(dialect: str, table: sa.Table) -> Any:
    """Insert a row or, when its primary key exists, update its other columns from the new values."""
    insert = _insert(dialect, table)
    keys = [c.name for c in table.primary_key.columns]
    return insert.on_conflict_do_update(
        index_elements=keys, set_={c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    )


def _utc_day(dialect: str, column: sa.Column) -> sa.ColumnElement[str]:
    """The UTC calendar day of a stored time as 'YYYY-MM-DD', computed by the database (one row a day)."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)  # SQLite keeps UTC times as ISO text


@dataclass(frozen=True)
class Statements:
    """The journal's statements for one dialect (see the module docstring for parameter names)."""

    # people
    visit_lookup: sa.Select[Any]  # (person_key) -> last_seen, the streak preference (NULL when unset)
    create_person: Any  # (key, first_seen, last_seen) -> the key when created now, no row when it existed
    touch_person: sa.Update  # (person_key, now): last_seen = now
    first_seen: sa.Select[Any]  # (person_key)
    # (person_key, since, until) -> UTC days with activity, at least the run of consecutive days that
    # ends on the latest one before until: every day since (PostgreSQL), or just that run (SQLite)
    activity_days: Any
    activity_all: sa.CompoundSelect  # (person_key, since) -> every UTC day with activity since then
    # gratitude
    add_gratitude: sa.Insert  # (person, text, created_at) -> id
    gratitude_between: sa.Select[Any]  # (person_key, start, end)
    gratitude_before: sa.Select[Any]  # (person_key, before)
    # check-ins
    add_checkin: sa.Insert  # (person, feeling_id, feeling_text, intensity, created_at) -> id
    checkins_since: sa.Select[Any]  # (person_key, since)
    # practices
    add_practice: sa.Insert  # (person, kind, item, started_at, completed, completed_at) -> id
    open_practice: sa.Select[Any]  # (person_key, kind, item) -> the latest open practice's id
    complete_practice: sa.Update  # (practice_id, now)
    # preferences, playback, attributes
    preference: sa.Select[Any]  # (person_key, name)
    set_preference: Any  # (person, name, value)
    save_playback: Any  # (person, token, offset_ms, finished, updated_at)
    get_playback: sa.Select[Any]  # (person_key)
    get_attributes: sa.Select[Any]  # (person_key)
    save_attributes: Any  # (person, data, updated_at)
    delete_attributes: sa.Delete  # (person_key)
    # the person's data
    counts: sa.Select[Any]  # (person_key) -> one row: first_seen (NULL: no person), and row counts
    forget: tuple[sa.Delete, ...]  # (person_key) each, children first, the person last
    healthy: sa.Select[Any]


def activity_union(dialect: str) -> sa.CompoundSelect:
    """(person_key, since) -> the UTC day of every row since then, in the three tables, without repeats."""
    since = sa.bindparam("since", type_=practices.c.started_at.type)
    return sa.union(
        *(
            sa.select(_utc_day(dialect, column).label("day")).where(table.c.person == KEY, column >= since)
            for table, column in (
                (practices, practices.c.started_at),
                (gratitude, gratitude.c.created_at),
                (checkins, checkins.c.created_at),
            )
        )
    )


def _sqlite_streak_days() -> Any:
    """SQLite, (person_key, since, until) -> the run of consecutive UTC days with activity that ends on
    the latest such day before ``until`` (and not before ``since``'s day), newest first.

    The streak needs no other day: it is that run when it ends today or yesterday, else nothing. The
    latest day is one index seek per table; each earlier day of the run one seek (text times compare
    as text: '2026-03-09 23:59' < '2026-03-10' <= '2026-03-10 00:00'). The UNION of every row's day
    read a row per entry in the year; this reads a few index entries per day of the streak. A run of
    STREAK_RUN_LIMIT days stops there (the store then asks ``activity_all``, cheaper for long runs)."""
    tables = (("practices", "started_at"), ("gratitude_entries", "created_at"), ("checkins", "created_at"))
    latest = " UNION ALL ".join(
        f"SELECT max({column}) AS t FROM {table}"
        f" WHERE person = :person_key AND {column} >= :since AND {column} < :until"
        for table, column in tables
    )
    day_before = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE person = :person_key"
        f" AND {column} >= date(run.day, '-1 day') AND {column} < run.day)"
        for table, column in tables
    )
    query = (
        f"WITH RECURSIVE run(day, n) AS (SELECT substr(max(t), 1, 10), 1 FROM ({latest})"
        " UNION ALL SELECT date(run.day, '-1 day'), run.n + 1 FROM run"
        f" WHERE run.day IS NOT NULL AND run.n < {STREAK_RUN_LIMIT}"
        f" AND date(run.day, '-1 day') >= substr(:since, 1, 10) AND ({day_before}))"
        " SELECT day FROM run WHERE day IS NOT NULL"
    )
    return (
        sa.text(query)
        .bindparams(
            sa.bindparam("person_key", type_=sa.String(64)),
            sa.bindparam("since", type_=UtcDateTime),
            sa.bindparam("until", type_=UtcDateTime),
        )
        .columns(day=sa.String)
    )


def _count(table: sa.Table) -> sa.ScalarSelect[Any]:
    return sa.select(sa.func.count()).select_from(table).where(table.c.person == KEY).scalar_subquery()


@functools.cache
def statements_for(dialect: str) -> Statements:
    """The statements for ``dialect`` ("sqlite" or "postgresql"), built on first use."""
    streak = (
        sa.select(preferences.c.value)
        .where(preferences.c.person == people.c.key, preferences.c.name == STREAK_PREFERENCE)
        .scalar_subquery()
    )
    union = activity_union(dialect)
    entry = (gratitude.c.id, gratitude.c.text, gratitude.c.created_at)
    return Statements(
        visit_lookup=sa.select(people.c.last_seen, streak.label("streak")).where(people.c.key == KEY),
        create_person=_insert(dialect, people).on_conflict_do_nothing(index_elements=["key"]).returning(people.c.key),
        touch_person=people.update().where(people.c.key == KEY).values(last_seen=sa.bindparam("now")),
        first_seen=sa.select(people.c.first_seen).where(people.c.key == KEY),
        activity_days=_sqlite_streak_days() if dialect == "sqlite" else union,
        activity_all=union,
        add_gratitude=gratitude.insert().returning(gratitude.c.id),
        gratitude_between=sa.select(*entry)
        .where(
            gratitude.c.person == KEY,
            gratitude.c.created_at >= sa.bindparam("start"),
            gratitude.c.created_at < sa.bindparam("end"),
        )
        .order_by(gratitude.c.created_at, gratitude.c.id),
        gratitude_before=sa.select(*entry).where(
            gratitude.c.person == KEY, gratitude.c.created_at < sa.bindparam("before")
        ),
        add_checkin=checkins.insert().returning(checkins.c.id),
        checkins_since=sa.select(checkins)
        .where(checkins.c.person == KEY, checkins.c.created_at >= sa.bindparam("since"))
        .order_by(checkins.c.created_at, checkins.c.id),
        add_practice=practices.insert().returning(practices.c.id),
        open_practice=sa.select(practices.c.id)
        .where(
            practices.c.person == KEY,
            practices.c.kind == sa.bindparam("kind"),
            practices.c.item == sa.bindparam("item"),
            practices.c.completed.is_(False),
        )
        .order_by(practices.c.started_at.desc(), practices.c.id.desc())
        .limit(1),
        complete_practice=practices.update()
        .where(practices.c.id == sa.bindparam("practice_id"))
        .values(completed=True, completed_at=sa.bindparam("now")),
        preference=sa.select(preferences.c.value).where(
            preferences.c.person == KEY, preferences.c.name == sa.bindparam("name")
        ),
        set_preference=_upsert(dialect, preferences),
        save_playback=_upsert(dialect, playback),
        get_playback=sa.select(playback).where(playback.c.person == KEY),
        get_attributes=sa.select(attributes.c.data).where(attributes.c.person == KEY),
        save_attributes=_upsert(dialect, attributes),
        delete_attributes=attributes.delete().where(attributes.c.person == KEY),
        counts=sa.select(
            sa.select(people.c.first_seen).where(people.c.key == KEY).scalar_subquery().label("first_seen"),
            _count(gratitude).label("gratitude"),
            _count(checkins).label("checkins"),
            _count(practices).label("practices"),
            _count(playback).label("playback"),
        ),
        forget=tuple(
            table.delete().where(table.c.person == KEY)
            for table in (gratitude, checkins, practices, preferences, playback, attributes)
        )
        + (people.delete().where(people.c.key == KEY),),
        healthy=sa.select(people.c.key).limit(1),
    )
