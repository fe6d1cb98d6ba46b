"""Helpers for the meditation and playback tests: answers, envelopes around audio, the rendered library."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from skill.speech import to_plain_text
from tests.play.server import ROOT

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


# ---- the real rendered library ---------------------------------------------------------------------

RENDERED = ("self-compassion-break", 3)  # the meditation the end-to-end tests play (its speaker clip comes with it)
# what the test library holds, rendered once per test session: two short meditations (for next and
# previous) and one breathing session
RENDERS = (RENDERED, ("loving-kindness", 3), ("coherent", 2))
PUBLIC_URL = "https://kindness.example.org"
_rendered: dict[str, Path] = {}


def render_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kindness render --only ID --length MIN`` for each of :data:`RENDERS` into one directory, once."""
    if "dir" not in _rendered:
        out = tmp_path_factory.mktemp("library")
        for item, minutes in RENDERS:
            command = ["render", "--out", str(out), "--only", item, "--length", str(minutes), "--quiet"]
            done = subprocess.run(
                [sys.executable, "-m", "skill.cli", *command], cwd=ROOT, timeout=900, capture_output=True, text=True
            )
            assert done.returncode == 0, f"kindness {' '.join(command)} failed:\n{done.stderr[-3000:]}"
        _rendered["dir"] = out
    return _rendered["dir"]


def read_manifest(audio_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((audio_dir / "manifest.json").read_text())
    entries = data["entries"] if isinstance(data, dict) else data
    assert isinstance(entries, list)
    return entries
