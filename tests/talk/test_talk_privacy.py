"""Privacy: a whole conversation's logs, captured at DEBUG from every logger, hold no journal text or feeling."""

from __future__ import annotations

import logging

import pytest

from tests.talk.conftest import Conversation, resolved, unresolved

GRATITUDE = ["my neighbour Zebedee", "the orange lantern festival"]
FEELINGS = ["quietly flummoxed", "anxious"]
CRISIS = "I want to end my life tonight"
SECRETS = [*GRATITUDE, *FEELINGS, CRISIS, "Zebedee", "flummoxed", "lantern", "end my life"]


def test_no_journal_text_or_feeling_reaches_any_log(chat: Conversation, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "skill", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    chat.launch()
    chat.say("GratitudeIntent", thing=GRATITUDE[0])
    chat.yes()
    chat.say("GratitudeIntent", thing=GRATITUDE[1])
    chat.say("GratitudeRecallIntent")
    chat.say("CheckInIntent", feeling=unresolved(FEELINGS[0]), intensity="4")
    chat.say("CheckInIntent", feeling=resolved(FEELINGS[1], "anxious"), intensity="8")
    chat.yes()
    chat.say("MoodSummaryIntent")
    chat.say("BreathingIntent", pattern=resolved("box", "box"))
    chat.say("KindnessIdeaIntent")
    chat.say("AffirmationIntent")
    chat.say("PrivacyIntent")
    chat.say("GratitudeIntent", thing=CRISIS)
    chat.no()
    chat.say("DeleteJournalIntent")
    chat.yes()
    # the conversation really spoke the texts back, so a leak would be visible
    assert any("Zebedee" in t.ssml for t in chat.turns)
    assert any("flummoxed" in t.ssml for t in chat.turns)
    assert len(caplog.records) >= len(chat.turns)  # requests were logged (ids and intent names)
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    ).lower()
    assert "intent=GratitudeIntent".lower() in logged
    for secret in SECRETS:
        assert secret.lower() not in logged, secret
