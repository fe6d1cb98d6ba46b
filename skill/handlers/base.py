"""Small helpers every handler uses: the request's voice, ids, slots and intent names."""

from __future__ import annotations

from typing import Any, ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_intent_name, get_request_type, is_intent_name, is_request_type
from ask_sdk_model import IntentRequest

from skill.handlers.deps import Deps
from skill.speech import Voice

VOICE_ATTRIBUTE = "kindness.voice"

__all__ = [
    "Handler",
    "get_intent_name",
    "get_request_type",
    "intent_name",
    "is_intent_name",
    "is_request_type",
    "locale_of",
    "slot_id",
    "slot_value",
    "user_id",
    "voice",
]


class Handler(AbstractRequestHandler):
    """A request handler built with the skill's dependencies.

    ``intents`` and ``request_types`` name what it answers; the default ``can_handle`` matches on them,
    and the model-vs-code test reads ``intents`` to check every intent in the model has a handler.
    """

    intents: ClassVar[tuple[str, ...]] = ()
    request_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        if self.intents and isinstance(request, IntentRequest) and request.intent:
            return request.intent.name in self.intents
        return bool(self.request_types) and getattr(request, "object_type", None) in self.request_types

    def handle(self, handler_input: HandlerInput) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def voice(handler_input: HandlerInput) -> Voice:
    """The voice for this request (its locale and seeded variants), set by the voice interceptor."""
    found = handler_input.attributes_manager.request_attributes[VOICE_ATTRIBUTE]
    assert isinstance(found, Voice)
    return found


def locale_of(handler_input: HandlerInput) -> str:
    return getattr(handler_input.request_envelope.request, "locale", None) or "en-US"


def user_id(handler_input: HandlerInput) -> str:
    """The Alexa userId (context.System.user, else session.user)."""
    envelope = handler_input.request_envelope
    system = envelope.context.system if envelope.context else None
    if system and system.user and system.user.user_id:
        return str(system.user.user_id)
    if envelope.session and envelope.session.user and envelope.session.user.user_id:
        return str(envelope.session.user.user_id)
    return "anonymous"


def intent_name(handler_input: HandlerInput) -> str | None:
    request = handler_input.request_envelope.request
    return request.intent.name if isinstance(request, IntentRequest) and request.intent else None


def _slot(handler_input: HandlerInput, name: str) -> Any:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return None
    return request.intent.slots.get(name)


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """The slot's spoken value, stripped, or None when absent or empty."""
    slot = _slot(handler_input, name)
    value = getattr(slot, "value", None)
    if value is None or not str(value).strip() or str(value).strip() == "?":
        return None
    return str(value).strip()


def slot_id(handler_input: HandlerInput, name: str) -> str | None:
    """The canonical id of a custom-type slot when entity resolution matched, else None."""
    slot = _slot(handler_input, name)
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        status = getattr(getattr(authority, "status", None), "code", None)
        if status is not None and getattr(status, "value", status) == "ER_SUCCESS_MATCH" and authority.values:
            return str(authority.values[0].value.id)
    return None
