"""Self-compassion check-in: how are you feeling, reflected back, logged, and a fitting offer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, slot_id, slot_value, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.elicit import elicit
from skill.handlers.reply import join, reply
from skill.practices.moods import FEELINGS, kind_of, parse_intensity, summarise

SUMMARY_DAYS = 7
# What each kind of feeling is offered next.
OFFER_FOR_KIND: dict[str, dict[str, Any]] = {
    "difficult": {"kind": "compassion_break"},
    "pleasant": {"kind": "savour"},
    "neutral": {"kind": "breathing", "pattern": "coherent", "minutes": 1},
    "unknown": {"kind": "breathing", "pattern": "coherent", "minutes": 1},
}


def ask_how_they_feel(deps: Deps, handler_input: HandlerInput, intensity: str | None = None) -> Response:
    """Ask for the feeling (keeping a number already heard); elicited when the model allows."""
    v = voice(handler_input)
    directive = elicit(deps, "CheckInIntent", "feeling", {"intensity": intensity})
    return reply(
        handler_input,
        v.say("checkin/ask", elicit=directive is not None),
        v.say("checkin/ask_reprompt"),
        directive=directive,
    )


class CheckInHandler(Handler):
    """ "Check in", "I feel anxious", "I'm a bit overwhelmed, about a seven"."""

    intents = ("CheckInIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        word = slot_value(handler_input, "feeling")
        feeling_id = slot_id(handler_input, "feeling")
        if feeling_id not in FEELINGS:
            feeling_id = None
        if word is None:
            if feeling_id is None:
                return ask_how_they_feel(self.deps, handler_input, slot_value(handler_input, "intensity"))
            word = feeling_id
        intensity, refused = parse_intensity(slot_value(handler_input, "intensity"))
        self.deps.store.add_checkin(user_id(handler_input), feeling_id, word, intensity, self.deps.clock())
        kind = kind_of(feeling_id)
        speech = v.say("checkin/reflect", feeling=word, kind=kind, intensity=intensity)
        if refused:
            speech = join(speech, v.say("checkin/intensity_unclear"))
        offer = dict(OFFER_FOR_KIND[kind])
        return reply(
            handler_input,
            join(speech, v.say("checkin/offer", kind=kind)),
            v.say("checkin/offer_reprompt", kind=kind),
            offer=offer,
        )


class MoodSummaryHandler(Handler):
    """ "How have I been feeling?": the last seven days in a sentence or two."""

    intents = ("MoodSummaryIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        now = self.deps.clock()
        found = self.deps.store.checkins_since(user_id(handler_input), now - timedelta(days=SUMMARY_DAYS))
        if not found:
            return reply(
                handler_input,
                v.say("checkin/summary_none"),
                v.say("checkin/summary_none_reprompt"),
                offer={"kind": "checkin_start"},
            )
        summary = summarise((c.feeling_id, c.feeling_text, c.created_at.date()) for c in found)
        speech = v.say(
            "checkin/summary",
            count=summary.count,
            days=summary.days,
            top=list(summary.top),
            leaning=summary.leaning,
        )
        return reply(handler_input, speech, v.say("launch/reprompt"))


def on_break_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """The self-compassion break, spoken (about a minute and a half), then what next."""
    v = voice(handler_input)
    deps.store.complete_practice(user_id(handler_input), "compassion-break", "spoken", deps.clock())
    return reply(
        handler_input, join(v.say("checkin/compassion_break"), v.say("checkin/after")), v.say("launch/reprompt")
    )


def on_savour_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """A short savouring pause, then an offer to keep the good thing as gratitude."""
    v = voice(handler_input)
    deps.store.complete_practice(user_id(handler_input), "savouring", "spoken", deps.clock())
    return reply(
        handler_input,
        join(v.say("checkin/savour"), v.say("checkin/savour_then_gratitude")),
        v.say("gratitude/none_yet_reprompt"),
        offer={"kind": "gratitude_start"},
    )


def on_checkin_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    return ask_how_they_feel(deps, handler_input)


def on_declined(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    v = voice(handler_input)
    return reply(handler_input, join(v.say("checkin/declined"), v.say("launch/options")), v.say("launch/reprompt"))


def handlers(deps: Deps) -> list[Handler]:
    return [CheckInHandler(deps), MoodSummaryHandler(deps)]
