"""What the skill needs from its journal store: the contract the handlers program against.

Every method takes the raw Alexa ``user_id``; the store keys people by an HMAC of it with the server
secret, so the database never holds raw Alexa ids. Times are timezone-aware UTC datetimes. Any database
failure (unreachable, locked past its timeout) is raised as :class:`StoreUnavailable`, which the skill
turns into a short spoken apology.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


class StoreUnavailable(Exception):
    """The database could not be reached or stayed locked past its timeout."""


@dataclass(frozen=True)
class Visit:
    """What launching the skill learns about the person."""

    first_visit: bool
    last_seen: datetime | None
    streak_days: int
    streak_enabled: bool


@dataclass(frozen=True)
class GratitudeEntry:
    id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CheckIn:
    id: int
    feeling_id: str | None  # canonical FEELING id, or None when the word was not in the model
    feeling_text: str  # the word as spoken
    intensity: int | None  # 1..10
    created_at: datetime


@dataclass(frozen=True)
class PracticeRecord:
    id: int
    kind: str  # "breathing" | "meditation" | "compassion-break" | "gratitude" | ...
    item: str  # pattern id or meditation id
    started_at: datetime
    completed: bool


@dataclass(frozen=True)
class Playback:
    """The last AudioPlayer stream the person played, and where it stopped."""

    token: str
    offset_ms: int
    finished: bool
    updated_at: datetime


@dataclass(frozen=True)
class Holdings:
    """What the skill keeps about a person, for "what do you keep about me?"."""

    gratitude_entries: int
    checkins: int
    practices: int
    has_playback: bool
    first_seen: datetime | None


class JournalStore(Protocol):
    """The journal: one implementation over SQLAlchemy Core serves SQLite and PostgreSQL."""

    def visit(self, user_id: str, now: datetime) -> Visit:
        """Record a visit (creating the person on first use) and report first-visit and streak."""
        ...

    def add_gratitude(self, user_id: str, text: str, now: datetime) -> GratitudeEntry: ...

    def gratitude_between(self, user_id: str, start: datetime, end: datetime) -> list[GratitudeEntry]:
        """Entries with start <= created_at < end, oldest first."""
        ...

    def random_gratitude(self, user_id: str, before: datetime) -> GratitudeEntry | None: ...

    def add_checkin(
        self, user_id: str, feeling_id: str | None, feeling_text: str, intensity: int | None, now: datetime
    ) -> CheckIn: ...

    def checkins_since(self, user_id: str, since: datetime) -> list[CheckIn]: ...

    def start_practice(self, user_id: str, kind: str, item: str, now: datetime) -> PracticeRecord: ...

    def complete_practice(self, user_id: str, kind: str, item: str, now: datetime) -> None:
        """Mark the latest matching practice completed (or log a completed one if none is open)."""
        ...

    def streak(self, user_id: str, today: date) -> int:
        """Consecutive days, ending today or yesterday, with at least one practice or entry."""
        ...

    def get_preference(self, user_id: str, name: str, default: str | None = None) -> str | None: ...

    def set_preference(self, user_id: str, name: str, value: str) -> None: ...

    def save_playback(self, user_id: str, token: str, offset_ms: int, finished: bool, now: datetime) -> None: ...

    def get_playback(self, user_id: str) -> Playback | None: ...

    def holdings(self, user_id: str) -> Holdings: ...

    def forget(self, user_id: str) -> None:
        """Remove everything kept about the person."""
        ...

    def healthy(self) -> bool:
        """True when the database answers a trivial query."""
        ...

    def checkpoint_when_due(self) -> bool:
        """Housekeeping the server runs after a response has gone out (SQLite: a WAL checkpoint once
        enough has been written: asked of a thread of its own); True when it did something."""
        ...


class AttributeStore(Protocol):
    """Small per-person attributes (ask-sdk persistent attributes), kept next to the journal."""

    def get_attributes(self, user_id: str) -> dict[str, Any]:
        """The person's saved attributes, or an empty dict."""
        ...

    def save_attributes(self, user_id: str, values: Mapping[str, Any], now: datetime | None = None) -> None:
        """Replace the person's attributes (a small JSON object; ValueError when not JSON or too big)."""
        ...

    def delete_attributes(self, user_id: str) -> None: ...
