"""Yes, No and Repeat: answer the pending offer by its kind, or say again what was said last.

Offers are set by :func:`skill.handlers.reply.reply` (``session_attributes["offer"]``). The playback
handlers come earlier in dispatch and take "yes" to ``breathing_audio`` and ``meditation*`` offers; the
kinds below are answered here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers import breathing, checkin, data, gratitude, safety
from skill.handlers.base import Handler, voice
from skill.handlers.deps import Deps
from skill.handlers.reply import LAST_SAID, join, pending_offer, reply, session_attributes

Answer = Callable[[Deps, HandlerInput, dict[str, Any]], Response]


def _decline(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """A gentle "that's fine" and the options."""
    v = voice(handler_input)
    return reply(handler_input, join(v.say("offers/declined"), v.say("launch/options")), v.say("launch/reprompt"))


def _start_gratitude(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    return gratitude.ask_for_thing(deps, handler_input)


def _unavailable(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """A "yes" to an offer nobody here can fulfil (e.g. audio while playback is not available)."""
    v = voice(handler_input)
    return reply(handler_input, join(v.say("offers/unavailable"), v.say("launch/options")), v.say("launch/reprompt"))


# kind -> (answer to yes, answer to no)
OFFERS: dict[str, tuple[Answer, Answer]] = {
    "gratitude_more": (gratitude.on_more_yes, gratitude.on_more_no),
    "gratitude_start": (_start_gratitude, _decline),
    "safety": (safety.on_stay, safety.on_end),
    "compassion_break": (checkin.on_break_yes, checkin.on_declined),
    "savour": (checkin.on_savour_yes, checkin.on_declined),
    "checkin_start": (checkin.on_checkin_yes, _decline),
    "breathing": (breathing.on_offer_yes, _decline),
    # "yes" is the playback handlers' (earlier in dispatch); here only if they could not take it
    "breathing_audio": (_unavailable, breathing.on_audio_no),
    "delete_journal": (data.on_delete_yes, data.on_delete_no),
}


class YesHandler(Handler):
    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = pending_offer(handler_input)
        if offer is None:
            v = voice(handler_input)
            return reply(
                handler_input, join(v.say("offers/nothing_pending"), v.say("launch/options")), v.say("launch/reprompt")
            )
        answers = OFFERS.get(offer["kind"])
        if answers is None:
            return _unavailable(self.deps, handler_input, offer)
        return answers[0](self.deps, handler_input, offer)


class NoHandler(Handler):
    intents = ("AMAZON.NoIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = pending_offer(handler_input)
        if offer is None:
            v = voice(handler_input)
            return reply(
                handler_input, join(v.say("offers/no_pending"), v.say("launch/options")), v.say("launch/reprompt")
            )
        answers = OFFERS.get(offer["kind"])
        no = answers[1] if answers else _decline
        return no(self.deps, handler_input, offer)


class RepeatHandler(Handler):
    """Say the last answer again, keeping the pending offer as it was."""

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        last = session_attributes(handler_input).get(LAST_SAID)
        offer = pending_offer(handler_input)
        if not isinstance(last, dict) or not isinstance(last.get("speech"), str):
            v = voice(handler_input)
            return reply(
                handler_input,
                join(v.say("offers/nothing_to_repeat"), v.say("launch/options")),
                v.say("launch/reprompt"),
            )
        reprompt = last.get("reprompt")
        return reply(handler_input, last["speech"], reprompt if isinstance(reprompt, str) else None, offer=offer)


def handlers(deps: Deps) -> list[Handler]:
    return [YesHandler(deps), NoHandler(deps), RepeatHandler(deps)]
