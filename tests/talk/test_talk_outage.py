"""The journal cannot be opened: the person hears a short apology, the session stays open, nothing breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.builder import build_skill
from skill.config import Settings
from skill.endpoint import AlexaEndpoint
from skill.store.engine import make_engine
from skill.store.sql import SqlJournalStore
from tests.talk.conftest import Conversation, resolved


@pytest.fixture
def broken(settings: Settings, tmp_path: Path) -> Conversation:
    """A real SQLite store whose database directory has been replaced by a plain file: it cannot open."""
    folder = tmp_path / "journal"
    engine = make_engine(f"sqlite:///{folder / 'journal.sqlite3'}", 0.2)
    folder.rmdir()
    folder.write_text("not a directory")
    store = SqlJournalStore(engine, "secret")
    return Conversation(AlexaEndpoint(build_skill(settings, store, seed=0)))


@pytest.mark.parametrize(
    "name,slots",
    [
        ("GratitudeIntent", {"thing": "my sister"}),
        ("GratitudeRecallIntent", {}),
        ("CheckInIntent", {"feeling": resolved("calm", "calm")}),
        ("MoodSummaryIntent", {}),
        ("PrivacyIntent", {}),
        ("StreakOffIntent", {}),
    ],
)
def test_store_outage_is_a_short_apology(broken: Conversation, name: str, slots: dict[str, object]) -> None:
    turn = broken.say(name, **slots)
    assert turn.keys[0] == "errors/store_unavailable"
    assert not turn.ends


def test_launch_during_an_outage_apologises(broken: Conversation) -> None:
    assert broken.launch().keys[0] == "errors/store_unavailable"


def test_safety_needs_no_store(broken: Conversation) -> None:
    assert broken.say("SupportIntent").keys[0] == "safety/care"
