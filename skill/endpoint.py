"""The Alexa endpoint without Flask: raw body and headers in, status and response envelope out.

The order is the point: the size, then the signature over the *raw* body, then JSON, then the timestamp
and skill id, then Alexa's schema — and only then does a handler run. Anything a client sends that is
not a verified, well-formed request envelope gets a 4xx with a short JSON error and no handler runs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.envelope import EnvelopeReader, ResponseWriter
from skill.speech import Speech, capture_said, validate_ssml
from skill.verification import RequestVerifier, VerificationError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
# A BCP 47 style locale ("en-US", "en"): it picks template folders, so nothing else may pass.
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")
# Requests that carry a session and may be answered with speech.
_SPEAKING_TYPES = frozenset({"LaunchRequest", "IntentRequest"})


@dataclass
class EndpointResult:
    status: int
    body: dict[str, Any]
    said: list[str] = field(default_factory=list)


class BadRequest(Exception):
    """The body is not a request envelope the skill can answer."""


def _error(status: int, message: str) -> EndpointResult:
    return EndpointResult(status, {"error": message})


def speech_in(response_envelope: Mapping[str, Any]) -> list[str]:
    """Every SSML string in a serialised response envelope (outputSpeech and reprompt)."""
    response = response_envelope.get("response")
    if not isinstance(response, dict):
        return []
    found = []
    for speech in (response.get("outputSpeech"), (response.get("reprompt") or {}).get("outputSpeech")):
        if isinstance(speech, dict) and isinstance(speech.get("ssml"), str):
            found.append(speech["ssml"])
    return found


class AlexaEndpoint:
    """Verifies, parses, invokes the skill and serialises the answer."""

    def __init__(
        self,
        skill: CustomSkill,
        verifier: RequestVerifier | None = None,
        *,
        speech: Speech | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.skill = skill
        self.verifier = verifier
        self.speech = speech
        self.max_body_bytes = max_body_bytes
        self.serializer = DefaultSerializer()
        self.reader = EnvelopeReader(self.serializer)
        self.writer = ResponseWriter(self.serializer)

    # ---- parsing --------------------------------------------------------------------------------
    @staticmethod
    def load(body: bytes) -> dict[str, Any]:
        """The body as a JSON object shaped like a request envelope (not yet checked against the schema)."""
        try:
            payload = json.loads(body.decode("utf-8"))
        except RecursionError as exc:  # the decoder gives up on very deep nesting
            raise BadRequest("body is nested too deeply") from exc
        except ValueError as exc:  # not UTF-8, not JSON, or a number too long to convert
            raise BadRequest("body is not JSON") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("request"), dict):
            raise BadRequest("body is not an Alexa request envelope")
        request = payload["request"]
        if not isinstance(request.get("type"), str) or not request["type"]:
            raise BadRequest("request has no type")
        locale = request.get("locale")
        if locale is not None and not (isinstance(locale, str) and _LOCALE.match(locale)):
            raise BadRequest("request locale is not a locale")
        return payload

    def deserialize(self, payload: dict[str, Any]) -> RequestEnvelope:
        try:  # the SDK's serializer (used for what the reader is unsure of) may give up on deep nesting too
            envelope = self.reader.read(payload)
        except Exception as exc:  # the serializer raises many types on malformed input
            raise BadRequest("request envelope does not match Alexa's schema") from exc
        if envelope is None or envelope.request is None:
            raise BadRequest("request envelope is empty")
        return envelope

    def parse(self, body: bytes) -> RequestEnvelope:
        """The body as a request envelope, or :class:`BadRequest` (no verification)."""
        return self.deserialize(self.load(body))

    # ---- answering ------------------------------------------------------------------------------
    def handle(self, body: bytes, headers: Mapping[str, Any] | None = None) -> EndpointResult:
        """Answer one HTTP request to the skill: 200 with a response envelope, or a 4xx and no handler run."""
        headers = headers or {}
        if len(body) > self.max_body_bytes:
            return _error(413, "request body is too large")
        try:
            if self.verifier is not None:
                self.verifier.verify_body(body, headers)
            payload = self.load(body)
            if self.verifier is not None:
                self.verifier.verify_envelope(payload)
            envelope = self.deserialize(payload)
        except VerificationError as exc:
            log.warning("refused an unverified request: %s", exc)
            return _error(400, str(exc))
        except BadRequest as exc:
            return _error(400, str(exc))
        return self.invoke(envelope, payload)

    def invoke(self, envelope: RequestEnvelope, payload: Mapping[str, Any]) -> EndpointResult:
        with capture_said() as said:
            try:
                response = self.skill.invoke(request_envelope=envelope, context=None)
                serialized = self.writer.serialize(response)
                if not isinstance(serialized, dict):
                    raise TypeError("the skill's answer did not serialise to an object")
            except Exception as exc:  # the skill's own error handlers failed: the last safety net
                log.error(
                    "skill failed outside its error handlers: %s (request id=%s)",
                    type(exc).__name__,
                    payload["request"].get("requestId"),
                    exc_info=exc,
                )
                said.clear()
                serialized = self.apology(str(payload["request"]["type"]))
        for ssml in speech_in(serialized):
            problems = validate_ssml(ssml)
            if problems:
                log.error("the skill spoke invalid SSML (keys %s): %s", [s.key for s in said], problems)
        return EndpointResult(200, serialized, [s.key for s in said])

    def apology(self, request_type: str) -> dict[str, Any]:
        """A bare response envelope: an apology in the default voice where speech is allowed."""
        response: dict[str, Any] = {}
        if self.speech is not None and request_type in _SPEAKING_TYPES:
            try:
                ssml = self.speech.render("errors/sorry", None).ssml
            except Exception as exc:
                log.error("could not even render the apology: %s", type(exc).__name__)
            else:
                response = {"outputSpeech": {"type": "SSML", "ssml": f"<speak>{ssml}</speak>"}}
        return {"version": "1.0", "response": response}
