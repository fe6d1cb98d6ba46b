"""One conversation per practice through real HTTP: a `kindness serve` process, its SQLite journal, its logs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from skill.speech import to_plain_text, validate_ssml
from tests.conftest import envelope, intent
from tests.talk.conftest import resolved, unresolved

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kindness_command() -> list[str]:
    script = Path(sys.executable).with_name("kindness")
    return [str(script)] if script.exists() else [sys.executable, "-m", "skill.cli"]


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "KINDNESS_DATA_DIR": str(root / "data"),
        "KINDNESS_VERIFY_SIGNATURE": "0",
        "KINDNESS_USER_SECRET": "http-test-secret",
        "KINDNESS_AUDIO_DIR": str(root / "audio"),
    }
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*kindness_command(), "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kindness serve did not start: {log.read_text()}")
            time.sleep(0.1)
        yield Server(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


class HttpChat:
    """A session over HTTP: the session attributes travel in the envelopes, as with Alexa."""

    def __init__(self, server: Server, user: str, locale: str = "en-US") -> None:
        self.server, self.user, self.locale = server, user, locale
        self.attributes: dict[str, Any] = {}
        self.new = True

    def send(self, request: dict[str, Any]) -> tuple[list[str], str, dict[str, Any]]:
        body = envelope(request, user=self.user, locale=self.locale, new=self.new, attributes=self.attributes)
        answer = requests.post(f"{self.server.url}/alexa", json=body, timeout=10)
        assert answer.status_code == 200
        payload = answer.json()
        keys = [k for k in answer.headers.get("X-Kindness-Said", "").split(",") if k]
        ssml = (payload["response"].get("outputSpeech") or {}).get("ssml", "")
        if ssml:
            assert validate_ssml(ssml) == []
        self.new = False
        self.attributes = payload.get("sessionAttributes") or {}
        return keys, to_plain_text(ssml, show_pauses=False) if ssml else "", payload

    def say(self, name: str, **slots: Any) -> tuple[list[str], str, dict[str, Any]]:
        return self.send(intent(name, **slots))


def test_launch_first_then_welcome_back(server: Server) -> None:
    keys, text, _ = HttpChat(server, "amzn1.ask.account.HTTP-LAUNCH").send({"type": "LaunchRequest"})
    assert keys[:2] == ["launch/welcome", "launch/options"] and "elcome to Inner Kindness" in text
    keys, text, _ = HttpChat(server, "amzn1.ask.account.HTTP-LAUNCH").send({"type": "LaunchRequest"})
    assert text.startswith("Welcome back.")


def test_gratitude_conversation(server: Server) -> None:
    chat = HttpChat(server, "amzn1.ask.account.HTTP-GRATITUDE")
    keys, text, payload = chat.say("GratitudeIntent")
    assert keys[0] == "gratitude/prompt" and payload["response"]["shouldEndSession"] is False
    keys, text, _ = chat.say("GratitudeIntent", thing="my sister Ottoline")
    assert keys[0] == "gratitude/thanks" and text.startswith("Your sister Ottoline.")
    keys, text, _ = chat.say("AMAZON.NoIntent")
    assert keys[0] == "gratitude/done"
    keys, text, _ = HttpChat(server, chat.user).say("GratitudeRecallIntent")
    assert keys[0] == "gratitude/read_back" and "Your sister Ottoline, today." in text


def test_check_in_conversation(server: Server) -> None:
    chat = HttpChat(server, "amzn1.ask.account.HTTP-CHECKIN")
    keys, text, _ = chat.say("CheckInIntent", feeling=resolved("overwhelmed", "overwhelmed"), intensity="7")
    assert keys[:2] == ["checkin/reflect", "checkin/offer"] and "about a 7 out of 10" in text
    keys, text, _ = chat.say("AMAZON.YesIntent")
    assert keys[0] == "checkin/compassion_break" and "hard moment" in text
    keys, text, _ = chat.say("MoodSummaryIntent")
    assert keys[0] == "checkin/summary" and "You felt overwhelmed" in text


def test_breathing_conversation(server: Server) -> None:
    chat = HttpChat(server, "amzn1.ask.account.HTTP-BREATHING")
    keys, text, payload = chat.say("BreathingIntent", pattern=resolved("four seven eight", "4-7-8"), rounds="2")
    assert keys[:3] == ["breathing/intro", "breathing/safety", "breathing/begin"]
    assert text.count("Breathe in") == 2
    assert '<break time="3500ms"/>' in payload["response"]["outputSpeech"]["ssml"]
    keys, text, _ = chat.say("BreathingIntent", pattern=resolved("coherent", "coherent"), minutes="20")
    assert keys[0] == "breathing/too_long"
    assert chat.attributes["offer"] == {"kind": "breathing_audio", "pattern": "coherent", "minutes": 20}


def test_kindness_and_affirmation_conversation(server: Server) -> None:
    chat = HttpChat(server, "amzn1.ask.account.HTTP-KIND")
    first, _, _ = chat.say("KindnessIdeaIntent")
    second, _, _ = chat.say("KindnessIdeaIntent")
    assert first[1].startswith("kindness/ideas/") and first[1] != second[1]
    keys, text, _ = chat.say("AffirmationIntent")
    assert keys[1].startswith("affirmation/items/") and text


def test_your_data_conversation_and_skill_disabled(server: Server) -> None:
    user = "amzn1.ask.account.HTTP-DATA"
    HttpChat(server, user).say("GratitudeIntent", thing="long walks")
    keys, text, _ = HttpChat(server, user).say("PrivacyIntent")
    assert keys[0] == "data/holdings" and "1 entry in your gratitude journal" in text
    chat = HttpChat(server, user)
    keys, _, _ = chat.say("DeleteJournalIntent")
    assert keys[0] == "data/confirm_delete"
    keys, _, _ = chat.say("AMAZON.YesIntent")
    assert keys[0] == "data/deleted"
    assert "don't keep anything" in HttpChat(server, user).say("PrivacyIntent")[1]
    HttpChat(server, user).say("GratitudeIntent", thing="tea")
    event = {"type": "AlexaSkillEvent.SkillDisabled", "eventCreationTime": "2026-11-18T09:30:00Z", "body": {}}
    answer = requests.post(f"{server.url}/alexa", json=envelope(event, user=user), timeout=10)
    assert answer.status_code == 200 and answer.json()["response"] == {}
    assert "don't keep anything" in HttpChat(server, user).say("PrivacyIntent")[1]


def test_safety_conversation_in_en_gb(server: Server) -> None:
    chat = HttpChat(server, "amzn1.ask.account.HTTP-SAFETY", locale="en-GB")
    chat.say("CheckInIntent", feeling=resolved("sad", "sad"))
    keys, text, payload = chat.say("CheckInIntent", feeling=unresolved("like I want to die"))
    assert keys[:3] == ["safety/care", "safety/helpline", "safety/stay_or_end"]
    assert "Samaritans" in text and "116 123" in payload["response"]["outputSpeech"]["ssml"]
    assert chat.attributes["offer"] == {"kind": "safety"}
    keys, _, payload = chat.say("AMAZON.NoIntent")
    assert keys[0] == "safety/goodbye" and payload["response"]["shouldEndSession"] is True


def test_the_servers_log_holds_no_journal_text(server: Server) -> None:
    HttpChat(server, "amzn1.ask.account.HTTP-LOG").say("GratitudeIntent", thing="Quillfeather the cat")
    HttpChat(server, "amzn1.ask.account.HTTP-LOG").say("CheckInIntent", feeling=unresolved("snorkelly"))
    log = server.log.read_text()
    assert "intent=GratitudeIntent" in log
    for secret in ("Quillfeather", "snorkelly", "Ottoline", "long walks", "want to die"):
        assert secret not in log
