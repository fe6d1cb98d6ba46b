"""Fixtures for the conversations: a real skill in-process over the real SQLite journal, turn by turn."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from skill.builder import build_skill
from skill.config import Settings
from skill.endpoint import AlexaEndpoint
from skill.speech import Said, capture_said, to_plain_text, validate_ssml
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent

USER = "amzn1.ask.account.TALK"


class Clock:
    """The skill's clock for a test: a fixed UTC time the test moves on explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Turn:
    """One answer: status, which keys were said (with data), the texts and the session after it."""

    status: int
    body: dict[str, Any]
    said: list[Said] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.said]

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.body.get("response") or {})

    @property
    def ssml(self) -> str:
        return str((self.response.get("outputSpeech") or {}).get("ssml", ""))

    @property
    def text(self) -> str:
        return to_plain_text(self.ssml, show_pauses=False) if self.ssml else ""

    @property
    def reprompt(self) -> str:
        reprompt = self.response.get("reprompt") or {}
        return str((reprompt.get("outputSpeech") or {}).get("ssml", ""))

    @property
    def attributes(self) -> dict[str, Any]:
        return dict(self.body.get("sessionAttributes") or {})

    @property
    def offer(self) -> dict[str, Any] | None:
        offer = self.attributes.get("offer")
        return offer if isinstance(offer, dict) else None

    @property
    def ends(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def directives(self) -> list[dict[str, Any]]:
        return list(self.response.get("directives") or [])

    def data(self, key: str) -> dict[str, Any]:
        """The data the key was rendered with (the first time it was said in this turn)."""
        for said in self.said:
            if said.key == key:
                return dict(said.data)
        raise AssertionError(f"{key} was not said; said {self.keys}")


class Conversation:
    """A session with the skill in-process: each turn is a real envelope through the endpoint."""

    def __init__(self, endpoint: AlexaEndpoint, *, locale: str = "en-US", user: str = USER) -> None:
        self.endpoint = endpoint
        self.locale = locale
        self.user = user
        self.attributes: dict[str, Any] = {}
        self.new = True
        self.turns: list[Turn] = []

    def send(self, request: dict[str, Any]) -> Turn:
        body = envelope(request, user=self.user, locale=self.locale, new=self.new, attributes=self.attributes)
        # the endpoint's own steps (parse, invoke, serialise), with the rendered keys' data captured too
        parsed = self.endpoint.parse(json.dumps(body).encode())
        with capture_said() as said:
            response = self.endpoint.skill.invoke(request_envelope=parsed, context=None)
        serialized = self.endpoint.serializer.serialize(response)
        assert isinstance(serialized, dict)
        turn = Turn(200, serialized, list(said))
        for ssml in (turn.ssml, turn.reprompt):
            if ssml:
                assert validate_ssml(ssml) == [], (ssml, validate_ssml(ssml))
        if "session" in body:
            self.new = False
            self.attributes = turn.attributes
        if turn.ends:
            self.new, self.attributes = True, {}
        self.turns.append(turn)
        return turn

    def launch(self) -> Turn:
        return self.send({"type": "LaunchRequest"})

    def say(self, name: str, **slots: Any) -> Turn:
        return self.send(intent(name, **slots))

    def yes(self) -> Turn:
        return self.say("AMAZON.YesIntent")

    def no(self) -> Turn:
        return self.say("AMAZON.NoIntent")


def resolved(value: str, slot_id: str) -> dict[str, Any]:
    """A slot value that entity resolution matched to ``slot_id``."""
    return {
        "value": value,
        "resolutions": {
            "resolutionsPerAuthority": [
                {
                    "authority": "amzn1.er-authority.echo-sdk.test",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": slot_id}}],
                }
            ]
        },
    }


def unresolved(value: str) -> dict[str, Any]:
    """A custom-slot value entity resolution did not match."""
    return {
        "value": value,
        "resolutions": {
            "resolutionsPerAuthority": [
                {"authority": "amzn1.er-authority.echo-sdk.test", "status": {"code": "ER_SUCCESS_NO_MATCH"}}
            ]
        },
    }


START = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday

# The slots the handlers ask for one at a time; Alexa needs a dialog model for them to use Dialog.ElicitSlot.
DIALOG_SLOTS = {"GratitudeIntent": ["thing"], "CheckInIntent": ["feeling"], "BreathingIntent": ["pattern"]}


def write_model(package: Path, dialog: bool) -> Path:
    """A minimal interaction model in an ASK skill-package layout, with or without a dialog model."""
    model: dict[str, Any] = {"interactionModel": {"languageModel": {"invocationName": "inner kindness", "intents": []}}}
    if dialog:
        model["interactionModel"]["dialog"] = {
            "intents": [
                {"name": name, "slots": [{"name": slot, "elicitationRequired": False} for slot in slots]}
                for name, slots in DIALOG_SLOTS.items()
            ]
        }
    path = package / "interactionModels" / "custom" / "en-US.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model))
    return package


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared settings, with an interaction model whose dialog lets the handlers elicit slots."""
    return settings.replace(skill_package_dir=write_model(tmp_path / "skill-package", dialog=True))


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def endpoint(settings: Settings, store: SqlJournalStore, clock: Clock) -> AlexaEndpoint:
    return AlexaEndpoint(build_skill(settings, store, clock=clock, seed=0))


@pytest.fixture
def talk(endpoint: AlexaEndpoint) -> Callable[..., Conversation]:
    """``talk(locale="en-GB", user=...)`` starts a new conversation with the same skill."""

    def start(**kwargs: Any) -> Conversation:
        return Conversation(endpoint, **kwargs)

    return start


@pytest.fixture
def chat(talk: Callable[..., Conversation]) -> Conversation:
    return talk()
