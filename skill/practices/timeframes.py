"""Spoken time ranges ("this week", "yesterday") as half-open UTC windows for reading the journal back.

"This week" is the last seven days including today, so on a Monday it still holds the weekend;
"last week" is the seven days before that. Days are UTC days: Alexa does not send the person's time zone
with a request.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

TIME_RANGES = ("today", "yesterday", "this-week", "last-week", "earlier")
DEFAULT_RANGE = "this-week"


def start_of_day(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, UTC)


def window(range_id: str, now: datetime) -> tuple[datetime, datetime]:
    """``(start, end)`` with start <= t < end for a TIME_RANGE id ("earlier": everything before this week)."""
    today = start_of_day(now)
    tomorrow = today + timedelta(days=1)
    week_start = today - timedelta(days=6)
    if range_id == "today":
        return today, tomorrow
    if range_id == "yesterday":
        return today - timedelta(days=1), today
    if range_id == "this-week":
        return week_start, tomorrow
    if range_id == "last-week":
        return week_start - timedelta(days=7), week_start
    if range_id == "earlier":
        return datetime(1970, 1, 1, tzinfo=UTC), week_start
    raise ValueError(f"unknown time range {range_id!r}")


def days_ago(moment: datetime, now: datetime) -> int:
    """Whole UTC days between ``moment`` and ``now`` (0 = today)."""
    return (start_of_day(now) - start_of_day(moment)).days
