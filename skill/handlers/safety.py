"""Safety first: SupportIntent, and crisis language in any slot, answered with care and a helpline.

These handlers come first in dispatch. A match stops whatever was under way: the pending offer is replaced
by the offer to stay or end, nothing is saved, no practice starts and no dialog directive is sent.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.handlers.base import Handler, voice
from skill.handlers.deps import Deps
from skill.handlers.reply import join, reply
from skill.practices.crisis import is_crisis

SAFETY_OFFER = {"kind": "safety"}


def slot_texts(handler_input: HandlerInput) -> list[str]:
    """Every spoken slot value in the request (gratitude text, feeling words, anything free)."""
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or not request.intent or not request.intent.slots:
        return []
    return [str(slot.value) for slot in request.intent.slots.values() if slot is not None and slot.value]


def care(handler_input: HandlerInput) -> Response:
    """Care first, then the helpline for the request's locale, then the offer to stay or end."""
    v = voice(handler_input)
    speech = join(v.say("safety/care"), v.say("safety/helpline"), v.say("safety/stay_or_end"))
    return reply(handler_input, speech, v.say("safety/stay_or_end_reprompt"), offer=dict(SAFETY_OFFER))


class SupportHandler(Handler):
    """The person asked for help ("I want to hurt myself", "I need help")."""

    intents = ("SupportIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return care(handler_input)


class CrisisLanguageHandler(Handler):
    """Any intent whose slots carry crisis language, whatever the intent was."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_crisis(text) for text in slot_texts(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return care(handler_input)


def on_stay(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """They'd like company: a quiet, unhurried moment, the helpline again, and the same offer."""
    v = voice(handler_input)
    speech = join(v.say("safety/staying"), v.say("safety/helpline"), v.say("safety/still_here"))
    return reply(handler_input, speech, v.say("safety/stay_or_end_reprompt"), offer=dict(SAFETY_OFFER))


def on_end(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    v = voice(handler_input)
    return reply(handler_input, join(v.say("safety/goodbye"), v.say("safety/helpline")), end=True)


def handlers(deps: Deps) -> list[Handler]:
    return [SupportHandler(deps), CrisisLanguageHandler(deps)]
