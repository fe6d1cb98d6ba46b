"""Kindness ideas and kind self-talk (reframes and affirmations), never repeated within a session."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, voice
from skill.handlers.deps import Deps
from skill.handlers.reply import join, reply, session_attributes
from skill.practices.kindness import AFFIRMATIONS, KINDNESS_IDEAS, pick_unused


class _Picker(Handler):
    """Says one item the person has not heard this session (ids kept in a session attribute)."""

    ids: Sequence[str] = ()
    conversation = ""
    folder = ""  # the templates of the items: <conversation>/<folder>/<id>
    used_attribute = ""

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        attributes = session_attributes(handler_input)
        used = [str(i) for i in attributes.get(self.used_attribute, []) if isinstance(i, str)]
        chosen = pick_unused(self.ids, used, v.rng)
        if chosen is None:
            return reply(
                handler_input,
                join(v.say(f"{self.conversation}/all_heard"), v.say("launch/options")),
                v.say("launch/reprompt"),
            )
        attributes[self.used_attribute] = [*used, chosen]
        speech = join(
            v.say(f"{self.conversation}/intro", first=not used),
            v.say(f"{self.conversation}/{self.folder}/{chosen}"),
            v.say(f"{self.conversation}/more"),
        )
        return reply(handler_input, speech, v.say(f"{self.conversation}/more"))


class KindnessIdeaHandler(_Picker):
    """ "Give me a kindness idea": one small act of kindness for someone else or for yourself."""

    intents = ("KindnessIdeaIntent",)
    ids = KINDNESS_IDEAS
    conversation = "kindness"
    folder = "ideas"
    used_attribute = "kindness_used"


class AffirmationHandler(_Picker):
    """ "Say something kind" / "an affirmation": a reframe of harsh self-talk, or an affirmation."""

    intents = ("AffirmationIntent",)
    ids = AFFIRMATIONS
    conversation = "affirmation"
    folder = "items"
    used_attribute = "affirmation_used"


def handlers(deps: Deps) -> list[Handler]:
    return [KindnessIdeaHandler(deps), AffirmationHandler(deps)]
