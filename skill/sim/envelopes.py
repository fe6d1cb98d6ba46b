"""Request envelopes shaped like Alexa's: version, session, context.System, AudioPlayer, request.

Everything built here deserialises with ask-sdk's ``DefaultSerializer`` into ``RequestEnvelope`` and
serialises back to the same JSON (a test holds that), so the skill sees what a speaker would send.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Device = Literal["speaker", "screen", "no-audio"]
DEVICES: tuple[str, ...] = ("speaker", "screen", "no-audio")
API_ENDPOINT = "https://api.amazonalexa.com"
DEFAULT_SKILL_ID = "amzn1.ask.skill." + str(uuid.uuid5(uuid.NAMESPACE_URL, "https://inner-kindness.invalid/skill"))
# Events that Alexa sends without a session.
SESSIONLESS_PREFIXES = ("AudioPlayer.", "PlaybackController.", "AlexaSkillEvent.", "Alexa.Advertisement.")


def _stable(kind: str, name: str, length: int = 40) -> str:
    return hashlib.sha256(f"inner-kindness-sim:{kind}:{name}".encode()).hexdigest().upper()[:length]


def user_id_for(name: str) -> str:
    """A stable Alexa-style user id for a simulated person's name (the same name, the same journal)."""
    return f"amzn1.ask.account.{_stable('user', name, 64)}"


def device_id_for(name: str) -> str:
    return f"amzn1.ask.device.{_stable('device', name, 48)}"


def new_request_id() -> str:
    return f"amzn1.echo-api.request.{uuid.uuid4()}"


def new_session_id() -> str:
    return f"amzn1.echo-api.session.{uuid.uuid4()}"


def timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def supported_interfaces(device: str) -> dict[str, Any]:
    """What the device can do: a speaker plays long audio, a screen also shows APL, no-audio neither."""
    if device == "no-audio":
        return {}
    interfaces: dict[str, Any] = {"AudioPlayer": {}}
    if device == "screen":
        interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.3"}}
    return interfaces


SCREEN_VIEWPORT: dict[str, Any] = {
    "experiences": [{"arcMinuteWidth": 246, "arcMinuteHeight": 144, "canRotate": False, "canResize": False}],
    "mode": "HUB",
    "shape": "RECTANGLE",
    "pixelWidth": 1280,
    "pixelHeight": 800,
    "dpi": 160,
    "currentPixelWidth": 1280,
    "currentPixelHeight": 800,
    "touch": ["SINGLE"],
}


@dataclass(frozen=True)
class Identity:
    """Who is speaking, to which skill, on what device, in which locale."""

    user: str = "default"
    locale: str = "en-US"
    device: str = "speaker"
    application_id: str = DEFAULT_SKILL_ID

    @property
    def user_id(self) -> str:
        return user_id_for(self.user)

    @property
    def device_id(self) -> str:
        return device_id_for(f"{self.user}:{self.device}")

    @property
    def plays_audio(self) -> bool:
        return "AudioPlayer" in supported_interfaces(self.device)


@dataclass
class EnvelopeFactory:
    """Builds request envelopes for one identity, stamping ids and times from an injectable clock."""

    identity: Identity = field(default_factory=Identity)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def request(self, request_type: str, **fields: Any) -> dict[str, Any]:
        """The ``request`` object: type, requestId, timestamp, locale, then the type's own fields."""
        body: dict[str, Any] = {
            "type": request_type,
            "requestId": new_request_id(),
            "timestamp": timestamp(self.clock()),
            "locale": self.identity.locale,
        }
        body.update({k: v for k, v in fields.items() if v is not None})
        return body

    def launch(self) -> dict[str, Any]:
        return self.request("LaunchRequest")

    def intent(
        self, name: str, slots: Mapping[str, Any] | None = None, dialog_state: str | None = None
    ) -> dict[str, Any]:
        """An IntentRequest; ``dialog_state`` (STARTED, IN_PROGRESS) for intents with a dialog model."""
        intent: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
        if slots:
            intent["slots"] = dict(slots)
        return self.request("IntentRequest", dialogState=dialog_state, intent=intent)

    def session_ended(self, reason: str = "USER_INITIATED", error: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.request("SessionEndedRequest", reason=reason, error=dict(error) if error else None)

    def audio_event(
        self, name: str, token: str, offset_ms: int, error: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """AudioPlayer.<name>: PlaybackStarted, PlaybackNearlyFinished, PlaybackFinished, PlaybackStopped, ...

        PlaybackFailed carries the error and the playback state instead of an offset of its own."""
        if name == "PlaybackFailed":
            failure = dict(error or {"type": "MEDIA_ERROR_UNKNOWN", "message": "the simulated device could not play"})
            state = {"token": token, "offsetInMilliseconds": int(offset_ms), "playerActivity": "STOPPED"}
            return self.request(f"AudioPlayer.{name}", token=token, error=failure, currentPlaybackState=state)
        return self.request(f"AudioPlayer.{name}", token=token, offsetInMilliseconds=int(offset_ms))

    def playback_command(self, command: str) -> dict[str, Any]:
        """PlaybackController.<Play|Pause|Next|Previous>CommandIssued (a button on the device)."""
        return self.request(f"PlaybackController.{command.capitalize()}CommandIssued")

    def skill_disabled(self) -> dict[str, Any]:
        now = timestamp(self.clock())
        return self.request("AlexaSkillEvent.SkillDisabled", eventCreationTime=now, eventPublishingTime=now)

    def envelope(
        self,
        request: dict[str, Any],
        *,
        session_id: str | None = None,
        new: bool = False,
        attributes: Mapping[str, Any] | None = None,
        audio_context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The whole envelope around ``request``; events named in SESSIONLESS_PREFIXES carry no session."""
        identity = self.identity
        application = {"applicationId": identity.application_id}
        user = {"userId": identity.user_id}
        system: dict[str, Any] = {
            "application": application,
            "user": user,
            "device": {"deviceId": identity.device_id, "supportedInterfaces": supported_interfaces(identity.device)},
            "apiEndpoint": API_ENDPOINT,
            "apiAccessToken": f"sim.{uuid.uuid4().hex}",
        }
        context: dict[str, Any] = {"System": system}
        if identity.plays_audio:
            context["AudioPlayer"] = dict(audio_context or {"playerActivity": "IDLE"})
        if identity.device == "screen":
            context["Viewport"] = SCREEN_VIEWPORT
        envelope: dict[str, Any] = {"version": "1.0"}
        if not request["type"].startswith(SESSIONLESS_PREFIXES):
            session: dict[str, Any] = {
                "new": new,
                "sessionId": session_id or new_session_id(),
                "application": application,
                "user": user,
            }
            if attributes or not new:
                session["attributes"] = dict(attributes or {})
            envelope["session"] = session
        envelope["context"] = context
        envelope["request"] = request
        return envelope
