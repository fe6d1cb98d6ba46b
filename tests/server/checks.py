"""Assertions every test that talks to the skill over HTTP shares: a sane status, no stack trace,
and SSML that passes the project's validator."""

from __future__ import annotations

import json
from typing import Any

from skill.endpoint import speech_in
from skill.speech import validate_ssml

TRACE_MARKERS = ("Traceback", 'File "', "Error:", "Exception:")


def assert_no_trace(text: str) -> None:
    for marker in TRACE_MARKERS:
        assert marker not in text, f"answer leaks a stack trace ({marker!r}): {text[:300]}"


def assert_valid_speech(envelope: dict[str, Any]) -> list[str]:
    """Every SSML string in a response envelope passes validate_ssml; returns them."""
    found = speech_in(envelope)
    for ssml in found:
        assert ssml.startswith("<speak>") and ssml.endswith("</speak>"), ssml[:200]
        problems = validate_ssml(ssml)
        assert problems == [], f"invalid SSML {problems}: {ssml[:300]}"
    return found


def assert_sane_answer(status: int, text: str) -> dict[str, Any] | None:
    """Never a 5xx or a trace; a 4xx carries a short JSON error; a 200 carries valid speech.

    Returns the response envelope of a 200 (else None).
    """
    assert status < 500, f"server error {status}: {text[:300]}"
    assert_no_trace(text)
    payload = json.loads(text)
    if status != 200:
        assert isinstance(payload, dict) and set(payload) == {"error"}, text[:300]
        assert len(payload["error"]) < 120
        return None
    assert payload.get("version") == "1.0" and isinstance(payload.get("response"), dict), text[:300]
    assert_valid_speech(payload)
    return payload
