"""Exception handlers: a spoken apology instead of an error, and nothing private in the logs."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, LaunchRequest, Response

from skill.handlers.base import VOICE_ATTRIBUTE, voice
from skill.handlers.deps import Deps
from skill.speech import Voice
from skill.store.api import StoreUnavailable

log = logging.getLogger(__name__)


def _voice(handler_input: HandlerInput, deps: Deps) -> Voice:
    """The request's voice, or a default one when the failure came before the voice interceptor ran."""
    if VOICE_ATTRIBUTE in handler_input.attributes_manager.request_attributes:
        return voice(handler_input)
    return deps.speech.voice(None)


def _can_speak(handler_input: HandlerInput) -> bool:
    """Only requests with a session may carry speech (not AudioPlayer or system events)."""
    return isinstance(handler_input.request_envelope.request, IntentRequest | LaunchRequest)


class ErrorHandler(AbstractExceptionHandler):
    """An exception handler built with the skill's dependencies (for a voice in any state)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps


class StoreUnavailableHandler(ErrorHandler):
    """The journal database is down or locked: apologise, keep the session so they can try again."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return isinstance(exception, StoreUnavailable)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("journal store unavailable: %s", type(exception.__cause__ or exception).__name__)
        if not _can_speak(handler_input):
            return handler_input.response_builder.response
        v = _voice(handler_input, self.deps)
        return (
            handler_input.response_builder.speak(v.say("errors/store_unavailable"))
            .ask(v.say("launch/reprompt"))
            .response
        )


class CatchAllExceptionHandler(ErrorHandler):
    """Anything else: log the type and where (never slot values), apologise in speech."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        request = handler_input.request_envelope.request
        log.error(
            "unhandled %s in request id=%s type=%s",
            type(exception).__name__,
            getattr(request, "request_id", None),
            getattr(request, "object_type", None),
            exc_info=(type(exception), exception, None),
        )
        if not _can_speak(handler_input):
            return handler_input.response_builder.response
        v = _voice(handler_input, self.deps)
        return handler_input.response_builder.speak(v.say("errors/sorry")).ask(v.say("launch/reprompt")).response


def exception_handlers(deps: Deps) -> list[AbstractExceptionHandler]:
    return [StoreUnavailableHandler(deps), CatchAllExceptionHandler(deps)]
