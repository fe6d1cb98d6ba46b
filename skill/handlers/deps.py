"""What every handler is built with: settings, store, speech, catalogue and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from skill.config import Settings
from skill.speech import Speech
from skill.store.api import JournalStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    """Injected into every handler's constructor; tests swap the clock or the store."""

    settings: Settings
    store: JournalStore
    speech: Speech
    clock: Callable[[], datetime] = field(default=utc_now)
