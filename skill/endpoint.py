"""The Alexa endpoint without Flask: raw body and headers in, status and response envelope out."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.speech import capture_said

log = logging.getLogger(__name__)


@dataclass
class EndpointResult:
    status: int
    body: dict[str, Any]
    said: list[str] = field(default_factory=list)


class BadRequest(Exception):
    """The body is not a request envelope the skill can answer."""


class AlexaEndpoint:
    """Parses, (verifies,) invokes the skill and serialises the answer."""

    def __init__(self, skill: CustomSkill) -> None:
        self.skill = skill
        self.serializer = DefaultSerializer()

    def parse(self, body: bytes) -> RequestEnvelope:
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest("body is not JSON") from exc
        except RecursionError as exc:  # the decoder gives up on very deep nesting
            raise BadRequest("body is nested too deeply") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
            raise BadRequest("body is not an Alexa request envelope")
        if not isinstance(payload["request"].get("type"), str):
            raise BadRequest("request has no type")
        try:  # json.dumps is inside: it may give up on deep nesting too
            envelope = self.serializer.deserialize(json.dumps(payload), RequestEnvelope)
        except Exception as exc:  # the serializer raises many types on malformed input
            raise BadRequest("request envelope does not match Alexa's schema") from exc
        if envelope is None or envelope.request is None:
            raise BadRequest("request envelope is empty")
        return envelope

    def handle(self, body: bytes, headers: Mapping[str, Any] | None = None) -> EndpointResult:
        try:
            envelope = self.parse(body)
        except BadRequest as exc:
            return EndpointResult(400, {"error": str(exc)})
        with capture_said() as said:
            response = self.skill.invoke(request_envelope=envelope, context=None)
        serialized = self.serializer.serialize(response)
        assert isinstance(serialized, dict)
        return EndpointResult(200, serialized, [s.key for s in said])
