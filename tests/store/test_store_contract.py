"""Every JournalStore method, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from skill.store.schema import metadata
from skill.store.sql import MAX_ATTRIBUTES_BYTES, SqlJournalStore

ALICE = "amzn1.ask.account.ALICE-RAW-ID-7f3a9c"
BOB = "amzn1.ask.account.BOB-RAW-ID-22d1e0"
T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def rows_for(journal: SqlJournalStore, user_id: str) -> dict[str, int]:
    """Rows per table that belong to the person (by their key)."""
    key = journal.person_key(user_id)
    counts = {}
    with journal.engine.connect() as conn:
        for table in metadata.sorted_tables:
            column = table.c.key if table.name == "people" else table.c.person
            counts[table.name] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(column == key)
            ).scalar_one()
    return counts


# ---- people and their keys ---------------------------------------------------------------------------
def test_person_key_is_an_hmac_of_the_id_with_the_secret(journal: SqlJournalStore) -> None:
    key = journal.person_key(ALICE)
    assert len(key) == 64 and ALICE not in key
    assert key == journal.person_key(ALICE)
    assert key != journal.person_key(BOB)
    assert key != SqlJournalStore(journal.engine, "another-secret").person_key(ALICE)


def test_a_store_without_a_secret_is_refused(journal: SqlJournalStore) -> None:
    with pytest.raises(ValueError, match="secret"):
        SqlJournalStore(journal.engine, "")


def test_the_raw_user_id_is_nowhere_in_the_database(journal: SqlJournalStore, backend: str, tmp_path: Path) -> None:
    journal.visit(ALICE, at())
    journal.add_gratitude(ALICE, "my sister", at())
    journal.add_checkin(ALICE, "calm", "calm", 3, at())
    journal.start_practice(ALICE, "breathing", "box", at())
    journal.complete_practice(ALICE, "breathing", "box", at(hours=1))
    journal.set_preference(ALICE, "streak", "off")
    journal.save_playback(ALICE, "meditation:body-scan:10", 1000, False, at())
    journal.save_attributes(ALICE, {"last": "box"})
    if backend == "sqlite":
        files = list((tmp_path / "journal").glob("journal.sqlite3*"))
        assert files and any(f.name.endswith("-wal") for f in files)
        content = b"".join(f.read_bytes() for f in files)
        assert b"my sister" in content  # the search works on this file ...
        for raw in (ALICE.encode(), ALICE.encode("utf-16-le"), b"ALICE-RAW-ID"):
            assert raw not in content  # ... and finds no raw id
    else:
        with journal.engine.connect() as conn:
            dump = " ".join(
                str(value)
                for table in metadata.sorted_tables
                for row in conn.execute(sa.select(table))
                for value in row
            )
        assert "my sister" in dump
        assert "ALICE-RAW-ID" not in dump
    assert rows_for(journal, ALICE)["people"] == 1


# ---- visits ------------------------------------------------------------------------------------------
def test_first_visit_then_returning(journal: SqlJournalStore) -> None:
    first = journal.visit(ALICE, at())
    assert first.first_visit is True and first.last_seen is None
    assert first.streak_days == 0 and first.streak_enabled is True
    again = journal.visit(ALICE, at(days=1))
    assert again.first_visit is False
    assert again.last_seen == at()
    assert journal.visit(BOB, at(days=1)).first_visit is True


def test_visit_reports_the_streak_and_its_switch(journal: SqlJournalStore) -> None:
    journal.add_gratitude(ALICE, "tea", at(days=-1))
    journal.start_practice(ALICE, "breathing", "box", at())
    visit = journal.visit(ALICE, at(hours=2))
    assert visit.streak_days == 2 and visit.streak_enabled is True
    journal.set_preference(ALICE, "streak", "off")
    assert journal.visit(ALICE, at(hours=3)).streak_enabled is False


# ---- gratitude ---------------------------------------------------------------------------------------
def test_gratitude_between_dates_oldest_first_start_inclusive_end_exclusive(journal: SqlJournalStore) -> None:
    saved = journal.add_gratitude(ALICE, "sunshine", at(days=-7))
    assert saved.text == "sunshine" and saved.created_at == at(days=-7) and saved.id > 0
    journal.add_gratitude(ALICE, "my sister", at(days=-1))
    journal.add_gratitude(ALICE, "a warm bath", at(days=-3))
    journal.add_gratitude(ALICE, "today's walk", at())
    journal.add_gratitude(BOB, "bob's dog", at(days=-2))
    week = journal.gratitude_between(ALICE, at(days=-7), at())
    assert [e.text for e in week] == ["sunshine", "a warm bath", "my sister"]
    assert all(e.created_at.tzinfo is not None for e in week)
    assert week[0].created_at == at(days=-7)
    assert journal.gratitude_between(ALICE, at(days=-30), at(days=-8)) == []
    assert [e.text for e in journal.gratitude_between(BOB, at(days=-30), at(days=1))] == ["bob's dog"]


def test_gratitude_keeps_text_exactly(journal: SqlJournalStore) -> None:
    text = "my café friend Zoë & the <band> — \"quotes\" 'n' emoji 🌻"
    journal.add_gratitude(ALICE, text, at())
    assert journal.gratitude_between(ALICE, at(days=-1), at(days=1))[0].text == text


def test_random_gratitude(journal: SqlJournalStore) -> None:
    assert journal.random_gratitude(ALICE, at()) is None
    texts = {"sunshine", "my sister", "a warm bath"}
    for i, text in enumerate(sorted(texts)):
        journal.add_gratitude(ALICE, text, at(days=-1 - i))
    journal.add_gratitude(ALICE, "later", at(days=100))
    picked = journal.random_gratitude(ALICE, at())
    assert picked is not None and picked.text in texts
    assert journal.random_gratitude(ALICE, at()) == picked  # the same day picks the same entry
    picks = [journal.random_gratitude(ALICE, at(days=d)) for d in range(30)]
    assert {p.text for p in picks if p} == texts  # different moments pick different entries
    assert journal.random_gratitude(BOB, at(days=5)) is None


# ---- check-ins ---------------------------------------------------------------------------------------
def test_checkins_since(journal: SqlJournalStore) -> None:
    old = journal.add_checkin(ALICE, "anxious", "anxious", 7, at(days=-9))
    journal.add_checkin(ALICE, "overwhelmed", "a bit overwhelmed", 6, at(days=-2))
    journal.add_checkin(ALICE, None, "wibbly", None, at(days=-1))
    journal.add_checkin(BOB, "calm", "calm", 2, at(days=-1))
    assert old.feeling_id == "anxious" and old.intensity == 7
    recent = journal.checkins_since(ALICE, at(days=-7))
    assert [(c.feeling_id, c.feeling_text, c.intensity) for c in recent] == [
        ("overwhelmed", "a bit overwhelmed", 6),
        (None, "wibbly", None),
    ]
    assert recent[0].created_at == at(days=-2)
    assert len(journal.checkins_since(ALICE, at(days=-30))) == 3


# ---- practices and streaks ---------------------------------------------------------------------------
def test_practice_start_then_complete(journal: SqlJournalStore) -> None:
    started = journal.start_practice(ALICE, "breathing", "box", at())
    assert (started.kind, started.item, started.completed, started.started_at) == ("breathing", "box", False, at())
    journal.start_practice(ALICE, "meditation", "body-scan", at(hours=1))
    journal.complete_practice(ALICE, "breathing", "box", at(hours=2))
    with journal.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT kind, item, completed FROM practices ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("breathing", "box", True), ("meditation", "body-scan", False)]
    assert journal.holdings(ALICE).practices == 2


def test_completing_with_nothing_open_logs_a_completed_practice(journal: SqlJournalStore) -> None:
    journal.start_practice(ALICE, "breathing", "box", at())
    journal.complete_practice(ALICE, "breathing", "box", at(hours=1))
    journal.complete_practice(ALICE, "breathing", "box", at(hours=2))  # none open any more
    journal.complete_practice(BOB, "compassion-break", "three-steps", at())  # BOB is new
    with journal.engine.connect() as conn:
        completed = conn.execute(sa.text("SELECT count(*) FROM practices WHERE completed")).scalar_one()
    assert completed == 3
    assert journal.holdings(ALICE).practices == 2 and journal.holdings(BOB).practices == 1


def test_completing_marks_the_latest_open_one(journal: SqlJournalStore) -> None:
    journal.start_practice(ALICE, "breathing", "box", at())
    journal.start_practice(ALICE, "breathing", "box", at(hours=1))
    journal.complete_practice(ALICE, "breathing", "box", at(hours=2))
    with journal.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT completed FROM practices ORDER BY started_at")).scalars().all()
    assert [bool(r) for r in rows] == [False, True]


def test_streak_counts_consecutive_days_across_gaps(journal: SqlJournalStore) -> None:
    today = at().date()
    assert journal.streak(ALICE, today) == 0
    journal.start_practice(ALICE, "breathing", "box", at(days=-5))  # before the gap: not counted
    journal.add_checkin(ALICE, "calm", "calm", None, at(days=-3))
    journal.add_gratitude(ALICE, "tea", at(days=-2))
    journal.complete_practice(ALICE, "meditation", "body-scan", at(days=-1))
    assert journal.streak(ALICE, today) == 3  # ends yesterday: still alive today
    journal.add_gratitude(ALICE, "walk", at(hours=1))
    journal.add_gratitude(ALICE, "walk again", at(hours=2))  # two on one day count once
    assert journal.streak(ALICE, today) == 4
    assert journal.streak(ALICE, today + timedelta(days=1)) == 4
    assert journal.streak(ALICE, today + timedelta(days=2)) == 0  # a missed day ends it
    assert journal.streak(ALICE, today - timedelta(days=4)) == 1  # the day before counts, alone
    assert journal.streak(BOB, today) == 0


def test_streak_is_by_utc_calendar_day(journal: SqlJournalStore) -> None:
    late = datetime(2026, 3, 9, 23, 59, tzinfo=UTC)
    early = datetime(2026, 3, 10, 0, 1, tzinfo=UTC)
    journal.add_gratitude(ALICE, "night sky", late)
    journal.add_gratitude(ALICE, "sunrise", early)
    assert journal.streak(ALICE, date(2026, 3, 10)) == 2


# ---- preferences -------------------------------------------------------------------------------------
def test_preferences(journal: SqlJournalStore) -> None:
    assert journal.get_preference(ALICE, "streak") is None
    assert journal.get_preference(ALICE, "streak", "on") == "on"
    journal.set_preference(ALICE, "streak", "off")
    journal.set_preference(ALICE, "voice", "calm")
    assert journal.get_preference(ALICE, "streak", "on") == "off"
    journal.set_preference(ALICE, "streak", "on")
    assert journal.get_preference(ALICE, "streak") == "on"
    assert journal.get_preference(ALICE, "voice") == "calm"
    assert journal.get_preference(BOB, "streak", "default") == "default"
    assert rows_for(journal, ALICE)["preferences"] == 2


# ---- playback ----------------------------------------------------------------------------------------
def test_playback_is_one_row_per_person_updated_in_place(journal: SqlJournalStore) -> None:
    assert journal.get_playback(ALICE) is None
    journal.save_playback(ALICE, "meditation:body-scan:10", 65_000, False, at())
    journal.save_playback(ALICE, "meditation:body-scan:10", 125_500, False, at(hours=1))
    state = journal.get_playback(ALICE)
    assert state is not None
    assert (state.token, state.offset_ms, state.finished, state.updated_at) == (
        "meditation:body-scan:10",
        125_500,
        False,
        at(hours=1),
    )
    journal.save_playback(ALICE, "meditation:loving-kindness:5", -20, True, at(hours=2))
    state = journal.get_playback(ALICE)
    assert state is not None and state.token == "meditation:loving-kindness:5"
    assert state.offset_ms == 0 and state.finished is True
    assert rows_for(journal, ALICE)["playback_state"] == 1
    assert journal.get_playback(BOB) is None


# ---- what is kept, and forgetting it -----------------------------------------------------------------
def test_holdings(journal: SqlJournalStore) -> None:
    empty = journal.holdings(ALICE)
    assert (empty.gratitude_entries, empty.checkins, empty.practices, empty.has_playback, empty.first_seen) == (
        0,
        0,
        0,
        False,
        None,
    )
    journal.visit(ALICE, at(days=-2))
    journal.add_gratitude(ALICE, "tea", at())
    journal.add_gratitude(ALICE, "rain", at())
    journal.add_checkin(ALICE, "calm", "calm", 4, at())
    journal.start_practice(ALICE, "breathing", "478", at())
    journal.save_playback(ALICE, "t", 0, False, at())
    journal.add_gratitude(BOB, "bob's", at())
    kept = journal.holdings(ALICE)
    assert (kept.gratitude_entries, kept.checkins, kept.practices, kept.has_playback) == (2, 1, 1, True)
    assert kept.first_seen == at(days=-2)


def test_forget_removes_everything_about_the_person_and_nothing_else(journal: SqlJournalStore) -> None:
    for who in (ALICE, BOB):
        journal.visit(who, at())
        journal.add_gratitude(who, "tea", at())
        journal.add_checkin(who, "calm", "calm", 4, at())
        journal.start_practice(who, "breathing", "box", at())
        journal.set_preference(who, "streak", "off")
        journal.save_playback(who, "t", 10, False, at())
        journal.save_attributes(who, {"k": 1})
    assert all(n >= 1 for n in rows_for(journal, ALICE).values())
    journal.forget(ALICE)
    assert rows_for(journal, ALICE) == {table.name: 0 for table in metadata.sorted_tables}
    assert all(n >= 1 for n in rows_for(journal, BOB).values())
    assert journal.visit(ALICE, at(days=1)).first_visit is True
    journal.forget("amzn1.ask.account.NEVER-SEEN")  # forgetting someone unknown is fine


# ---- small attributes (ask-sdk persistence) ----------------------------------------------------------
def test_attributes_round_trip_replace_and_delete(journal: SqlJournalStore) -> None:
    assert journal.get_attributes(ALICE) == {}
    journal.save_attributes(ALICE, {"last_pattern": "box", "count": 3, "nested": {"a": [1, 2]}})
    assert journal.get_attributes(ALICE) == {"last_pattern": "box", "count": 3, "nested": {"a": [1, 2]}}
    journal.save_attributes(ALICE, {"count": 4})
    assert journal.get_attributes(ALICE) == {"count": 4}
    assert journal.get_attributes(BOB) == {}
    journal.delete_attributes(ALICE)
    assert journal.get_attributes(ALICE) == {}
    journal.delete_attributes(ALICE)  # deleting nothing is fine


def test_attributes_must_be_small_json(journal: SqlJournalStore) -> None:
    with pytest.raises(ValueError, match="JSON"):
        journal.save_attributes(ALICE, {"when": datetime.now(UTC)})
    with pytest.raises(ValueError, match="at most"):
        journal.save_attributes(ALICE, {"blob": "x" * MAX_ATTRIBUTES_BYTES})
    assert journal.get_attributes(ALICE) == {}


def test_healthy(journal: SqlJournalStore) -> None:
    assert journal.healthy() is True


def test_times_in_any_zone_are_kept_as_the_same_instant(journal: SqlJournalStore) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2026, 3, 10, 2, 0, tzinfo=india)  # 20:30 UTC on March 9th
    entry = journal.add_gratitude(ALICE, "chai", local)
    assert entry.created_at == local and entry.created_at.utcoffset() == timedelta(0)
    journal.add_checkin(ALICE, "calm", "calm", 2, local)
    found = journal.gratitude_between(ALICE, datetime(2026, 3, 9, 20, 0, tzinfo=UTC), local + timedelta(minutes=1))
    assert [(e.text, e.created_at) for e in found] == [("chai", local)]
    assert journal.gratitude_between(ALICE, local + timedelta(seconds=1), at(days=10)) == []
    assert [c.created_at for c in journal.checkins_since(ALICE, local)] == [local]
    assert journal.streak(ALICE, date(2026, 3, 9)) == 1  # the UTC day
    assert journal.streak(ALICE, date(2026, 3, 11)) == 0


def test_a_bug_is_not_disguised_as_an_outage(journal: SqlJournalStore) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        journal.add_gratitude(ALICE, None, at())  # type: ignore[arg-type]
    assert journal.gratitude_between(ALICE, at(days=-1), at(days=1)) == []
