"""LaunchRequest: a personal welcome (first visit or welcome back, a gentle streak), and streak on/off."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.reply import join, reply

STREAK_PREFERENCE = "streak"
MIN_STREAK_TO_MENTION = 2


class LaunchHandler(Handler):
    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        visit = self.deps.store.visit(user_id(handler_input), self.deps.clock())
        streak = visit.streak_days if visit.streak_enabled and visit.streak_days >= MIN_STREAK_TO_MENTION else 0
        speech = join(v.say("launch/welcome", first_visit=visit.first_visit, streak=streak), v.say("launch/options"))
        return reply(handler_input, speech, v.say("launch/reprompt"))


class StreakOffHandler(Handler):
    """ "Stop counting my streak": streaks are encouragement, never pressure."""

    intents = ("StreakOffIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        self.deps.store.set_preference(user_id(handler_input), STREAK_PREFERENCE, "off")
        return reply(handler_input, v.say("launch/streak_off"), v.say("launch/reprompt"))


class StreakOnHandler(Handler):
    """ "Count my streak again"."""

    intents = ("StreakOnIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        user = user_id(handler_input)
        self.deps.store.set_preference(user, STREAK_PREFERENCE, "on")
        days = self.deps.store.streak(user, self.deps.clock().date())
        return reply(handler_input, v.say("launch/streak_on", streak=days), v.say("launch/reprompt"))


def handlers(deps: Deps) -> list[Handler]:
    return [LaunchHandler(deps), StreakOffHandler(deps), StreakOnHandler(deps)]
