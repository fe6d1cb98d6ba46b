"""Built-in intents every skill needs (help, stop, fallback, ...), session end, and the last resorts."""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.handlers.base import Handler, intent_name, voice
from skill.handlers.deps import Deps

log = logging.getLogger(__name__)


class HelpHandler(Handler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        return handler_input.response_builder.speak(v.say("builtin/help")).ask(v.say("builtin/help_reprompt")).response


class GoodbyeHandler(Handler):
    """Stop and Cancel: a kind goodbye that ends the session."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        return handler_input.response_builder.speak(v.say("builtin/goodbye")).set_should_end_session(True).response


class FallbackHandler(Handler):
    intents = ("AMAZON.FallbackIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        return handler_input.response_builder.speak(v.say("builtin/fallback")).ask(v.say("launch/reprompt")).response


class NavigateHomeHandler(Handler):
    intents = ("AMAZON.NavigateHomeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        return handler_input.response_builder.speak(v.say("launch/options")).ask(v.say("launch/reprompt")).response


class SessionEndedHandler(Handler):
    """SessionEndedRequest: log the reason, answer with nothing."""

    request_types = ("SessionEndedRequest",)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        reason = getattr(getattr(request, "reason", None), "value", None)
        error = getattr(request, "error", None)
        log.info(
            "session ended reason=%s error_type=%s", reason, getattr(getattr(error, "object_type", None), "value", None)
        )
        return handler_input.response_builder.response


class ExceptionEncounteredHandler(Handler):
    """System.ExceptionEncountered: Alexa reports a problem with an earlier answer; nothing to say."""

    request_types = ("System.ExceptionEncountered",)

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        log.warning("Alexa reported an exception: type=%s", getattr(error, "object_type", None))
        return handler_input.response_builder.response


class UnhandledIntentHandler(Handler):
    """Any intent no other handler took: say kindly what the skill can do, keep the session open."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("no handler for intent=%s", intent_name(handler_input))
        v = voice(handler_input)
        return handler_input.response_builder.speak(v.say("builtin/unhandled")).ask(v.say("launch/reprompt")).response


class SilentHandler(Handler):
    """Any other request (events without a session): an empty answer, as Alexa expects."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


def handlers(deps: Deps) -> list[Handler]:
    return [
        HelpHandler(deps),
        GoodbyeHandler(deps),
        FallbackHandler(deps),
        NavigateHomeHandler(deps),
        SessionEndedHandler(deps),
        ExceptionEncounteredHandler(deps),
    ]


def last_resort_handlers(deps: Deps) -> list[Handler]:
    return [UnhandledIntentHandler(deps), SilentHandler(deps)]
