"""LaunchRequest: a welcome and what the person can do."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, voice
from skill.handlers.deps import Deps


class LaunchHandler(Handler):
    request_types = ("LaunchRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        speech = v.say("launch/welcome", first_visit=True) + " " + v.say("launch/options")
        return handler_input.response_builder.speak(speech).ask(v.say("launch/reprompt")).response


def handlers(deps: Deps) -> list[Handler]:
    return [LaunchHandler(deps)]
