"""Fixtures for the meditation and playback tests: a client that speaks Alexa's envelopes, and the
real rendered library (one short meditation, rendered once per test session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.app import create_app
from skill.config import Settings
from skill.speech import to_plain_text
from skill.store.sql import SqlJournalStore

USER = "amzn1.ask.account.PLAY"


@dataclass
class Answer:
    """One answer from POST /alexa: status, the keys said, the text, directives and the raw body."""

    status: int
    said: list[str]
    body: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        return dict(self.body.get("response") or {})

    @property
    def text(self) -> str:
        speech = self.response.get("outputSpeech") or {}
        return to_plain_text(speech.get("ssml", "")) if speech else ""

    @property
    def ssml(self) -> str:
        return str((self.response.get("outputSpeech") or {}).get("ssml", ""))

    @property
    def directives(self) -> list[dict[str, Any]]:
        return list(self.response.get("directives") or [])

    @property
    def play(self) -> dict[str, Any] | None:
        plays = [d for d in self.directives if d["type"] == "AudioPlayer.Play"]
        assert len(plays) <= 1, "one Play per response"
        return plays[0] if plays else None

    @property
    def stream(self) -> dict[str, Any]:
        assert self.play is not None, f"no Play directive in {self.body}"
        return dict(self.play["audioItem"]["stream"])

    @property
    def attributes(self) -> dict[str, Any]:
        return dict(self.body.get("sessionAttributes") or {})

    @property
    def ends_session(self) -> bool | None:
        return self.response.get("shouldEndSession")


def audio_context(token: str | None, offset_ms: int = 0, activity: str = "PLAYING") -> dict[str, Any]:
    """``context.AudioPlayer`` as a device reports it."""
    state: dict[str, Any] = {"playerActivity": activity, "offsetInMilliseconds": offset_ms}
    if token:
        state["token"] = token
    return state


def with_player(
    body: dict[str, Any], token: str | None, offset_ms: int = 0, activity: str = "PLAYING"
) -> dict[str, Any]:
    body["context"]["AudioPlayer"] = audio_context(token, offset_ms, activity)
    return body


def event(kind: str, token: str, offset_ms: int = 0, **extra: Any) -> dict[str, Any]:
    """An AudioPlayer / PlaybackController request body."""
    return {"type": kind, "token": token, "offsetInMilliseconds": offset_ms, **extra}


def answer_from(status: int, said_header: str | None, body: dict[str, Any]) -> Answer:
    return Answer(status, [k for k in (said_header or "").split(",") if k], body)


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return settings.replace(public_url="https://kindness.example.org")


@pytest.fixture
def client(app_settings: Settings, store: SqlJournalStore) -> FlaskClient:
    return create_app(app_settings, store=store).test_client()


@pytest.fixture
def ask(client: FlaskClient) -> Iterator[Callable[[dict[str, Any]], Answer]]:
    def post(body: dict[str, Any]) -> Answer:
        result = client.post("/alexa", json=body)
        return answer_from(result.status_code, result.headers.get("X-Kindness-Said"), result.get_json())

    yield post
