"""Gratitude, three good things: note up to three a session, read them back by time range."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, slot_id, slot_value, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.elicit import elicit
from skill.handlers.reply import join, reply, session_attributes
from skill.practices.reflect import clean_entry, second_person
from skill.practices.timeframes import DEFAULT_RANGE, TIME_RANGES, days_ago, window

MAX_PER_SESSION = 3
MAX_READ_BACK = 5
COUNT_ATTRIBUTE = "gratitude_count"


def ask_for_thing(deps: Deps, handler_input: HandlerInput) -> Response:
    """Invite one good thing; Alexa hears the answer as GratitudeIntent's ``thing`` when the model allows."""
    v = voice(handler_input)
    count = int(session_attributes(handler_input).get(COUNT_ATTRIBUTE, 0))
    directive = elicit(deps, "GratitudeIntent", "thing")
    return reply(
        handler_input,
        v.say("gratitude/prompt", count=count, elicit=directive is not None),
        v.say("gratitude/prompt_reprompt", elicit=directive is not None),
        directive=directive,
    )


class GratitudeHandler(Handler):
    """ "I'm grateful for my sister" (saved and acknowledged) or "gratitude" (an invitation)."""

    intents = ("GratitudeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        attributes = session_attributes(handler_input)
        count = int(attributes.get(COUNT_ATTRIBUTE, 0))
        if count >= MAX_PER_SESSION:
            return reply(handler_input, v.say("gratitude/enough", limit=MAX_PER_SESSION), v.say("launch/reprompt"))
        spoken = slot_value(handler_input, "thing")
        text = clean_entry(spoken) if spoken else ""
        if not text:
            return ask_for_thing(self.deps, handler_input)
        self.deps.store.add_gratitude(user_id(handler_input), text, self.deps.clock())
        count += 1
        attributes[COUNT_ATTRIBUTE] = count
        thanks = v.say("gratitude/thanks", thing=second_person(text), count=count)
        if count < MAX_PER_SESSION:
            return reply(
                handler_input,
                join(thanks, v.say("gratitude/another", count=count)),
                v.say("gratitude/another_reprompt"),
                offer={"kind": "gratitude_more"},
            )
        return reply(
            handler_input,
            join(thanks, v.say("gratitude/complete", limit=MAX_PER_SESSION)),
            v.say("launch/reprompt"),
        )


class GratitudeRecallHandler(Handler):
    """ "What was I grateful for (yesterday / last week)?": entries read back, or a kind "none yet"."""

    intents = ("GratitudeRecallIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        when = slot_id(handler_input, "when")
        heard_unknown = when is None and slot_value(handler_input, "when") is not None
        when = when if when in TIME_RANGES else DEFAULT_RANGE
        now = self.deps.clock()
        start, end = window(when, now)
        user = user_id(handler_input)
        prefix = v.say("gratitude/range_unknown") if heard_unknown else ""
        if when == "earlier":
            entry = self.deps.store.random_gratitude(user, before=end)
            if entry is None:
                return reply(
                    handler_input, join(prefix, v.say("gratitude/none_yet", when=when)), v.say("launch/reprompt")
                )
            item = {"text": second_person(entry.text), "days_ago": days_ago(entry.created_at, now)}
            return reply(handler_input, join(prefix, v.say("gratitude/memory", entry=item)), v.say("launch/reprompt"))
        entries = self.deps.store.gratitude_between(user, start, end)
        if not entries:
            return reply(
                handler_input,
                join(prefix, v.say("gratitude/none_yet", when=when)),
                v.say("gratitude/none_yet_reprompt"),
                offer={"kind": "gratitude_start"},
            )
        recent = entries[-MAX_READ_BACK:]
        items: list[dict[str, Any]] = [
            {
                "text": second_person(e.text),
                "days_ago": days_ago(e.created_at, now),
                "weekday": e.created_at.weekday(),
            }
            for e in recent
        ]
        speech = v.say("gratitude/read_back", when=when, entries=items, total=len(entries))
        return reply(handler_input, join(prefix, speech), v.say("launch/reprompt"))


def on_more_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    return ask_for_thing(deps, handler_input)


def on_more_no(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    v = voice(handler_input)
    return reply(handler_input, join(v.say("gratitude/done"), v.say("launch/options")), v.say("launch/reprompt"))


def handlers(deps: Deps) -> list[Handler]:
    return [GratitudeHandler(deps), GratitudeRecallHandler(deps)]
