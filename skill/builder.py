"""build_skill(settings, store) -> an ask-sdk-core Skill with an explicit handler order."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response

from skill.config import Settings
from skill.handlers import (
    breathing,
    builtin,
    checkin,
    data,
    errors,
    gratitude,
    kindness,
    launch,
    meditation,
    offers,
    playback,
    safety,
)
from skill.handlers.base import VOICE_ATTRIBUTE, intent_name, locale_of
from skill.handlers.deps import Deps, utc_now
from skill.handlers.dispatch import IndexedRequestMapper
from skill.handlers.reply import OfferRequestInterceptor, OfferResponseInterceptor
from skill.speech import Speech
from skill.store.api import JournalStore
from skill.store.attributes import adapter_for

log = logging.getLogger("skill.requests")

# Order matters: the first handler whose can_handle is true answers. Safety comes first so crisis
# language is answered before any practice; the catch-all comes last.
HANDLER_MODULES = [
    safety,
    playback,
    launch,
    gratitude,
    checkin,
    breathing,
    meditation,
    kindness,
    data,
    offers,
    builtin,
]


class VoiceInterceptor(AbstractRequestInterceptor):
    """Gives each request a voice in its locale, with variants seeded by the request id."""

    def __init__(self, speech: Speech, seed: int | None) -> None:
        self.speech = speech
        self.seed = seed

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        seed: object = self.seed if self.seed is not None else getattr(request, "request_id", None)
        # bytes seed the same as the str would; surrogatepass keeps a malformed request id from raising
        rng = random.Random(str(seed).encode("utf-8", "surrogatepass"))
        handler_input.attributes_manager.request_attributes[VOICE_ATTRIBUTE] = self.speech.voice(
            locale_of(handler_input), rng
        )


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Logs request ids, types and intent names only: never slot values (journal text, feelings)."""

    def process(self, handler_input: HandlerInput) -> None:
        request = handler_input.request_envelope.request
        log.info(
            "request id=%s type=%s intent=%s",
            getattr(request, "request_id", None),
            getattr(request, "object_type", None),
            intent_name(handler_input),
        )


class ResponseLogInterceptor(AbstractResponseInterceptor):
    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        log.info(
            "response id=%s ends_session=%s",
            getattr(handler_input.request_envelope.request, "request_id", None),
            getattr(response, "should_end_session", None),
        )


def build_skill(
    settings: Settings,
    store: JournalStore,
    *,
    speech: Speech | None = None,
    clock: Callable[[], datetime] = utc_now,
    seed: int | None = None,
    persistence_adapter: object | None = None,
) -> CustomSkill:
    """The skill: every handler in order, interceptors for voice and logging, error handlers."""
    deps = Deps(settings=settings, store=store, speech=speech or Speech(settings.templates_dir), clock=clock)
    if persistence_adapter is None:
        persistence_adapter = adapter_for(store)  # ask-sdk persistent attributes live in the journal store
    builder = CustomSkillBuilder(persistence_adapter=persistence_adapter)  # type: ignore[arg-type]
    builder.add_global_request_interceptor(VoiceInterceptor(deps.speech, seed))
    builder.add_global_request_interceptor(RequestLogInterceptor())
    builder.add_global_request_interceptor(OfferRequestInterceptor())
    builder.add_global_response_interceptor(ResponseLogInterceptor())
    builder.add_global_response_interceptor(OfferResponseInterceptor())
    for module in HANDLER_MODULES:
        for handler in module.handlers(deps):
            builder.add_request_handler(handler)
    for handler in builtin.last_resort_handlers(deps):
        builder.add_request_handler(handler)
    for exception_handler in errors.exception_handlers(deps):
        builder.add_exception_handler(exception_handler)
    skill = builder.create()
    dispatcher = skill.request_dispatcher
    dispatcher.request_mappers = [IndexedRequestMapper(m.request_handler_chains) for m in dispatcher.request_mappers]
    return skill
