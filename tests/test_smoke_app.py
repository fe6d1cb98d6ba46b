"""The skeleton answers through Flask's test client: launch, unknown intent, bad bodies, health."""

from __future__ import annotations

from skill.app import create_app
from skill.config import Settings
from skill.speech import to_plain_text
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent


def test_launch_welcomes_and_offers_the_practices(settings: Settings, store: SqlJournalStore) -> None:
    client = create_app(settings, store=store).test_client()
    answer = client.post("/alexa", json=envelope({"type": "LaunchRequest"}))
    assert answer.status_code == 200
    assert answer.headers["X-Kindness-Said"].split(",")[:2] == ["launch/welcome", "launch/options"]
    text = to_plain_text(answer.json["response"]["outputSpeech"]["ssml"])
    assert "Inner Kindness" in text and "meditation" in text
    assert answer.json["response"]["shouldEndSession"] is False


def test_body_that_is_not_json_is_a_400_with_a_short_error(settings: Settings, store: SqlJournalStore) -> None:
    client = create_app(settings, store=store).test_client()
    answer = client.post("/alexa", data=b"{not json")
    assert answer.status_code == 400
    assert answer.json == {"error": "body is not JSON"}


def test_stop_says_goodbye_and_ends_the_session(settings: Settings, store: SqlJournalStore) -> None:
    client = create_app(settings, store=store).test_client()
    answer = client.post("/alexa", json=envelope(intent("AMAZON.StopIntent"), new=False))
    assert answer.headers["X-Kindness-Said"] == "builtin/goodbye"
    assert answer.json["response"]["shouldEndSession"] is True
