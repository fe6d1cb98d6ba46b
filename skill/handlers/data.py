"""Your data: what the skill keeps, deleting it on request (with confirmation) or when the skill is disabled."""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.reply import join, reply

log = logging.getLogger(__name__)

DELETE_OFFER = {"kind": "delete_journal"}
ANONYMOUS = "anonymous"  # what user_id() answers when the request names nobody


class DeleteJournalHandler(Handler):
    """ "Delete my journal": ask first; nothing is removed until they say yes."""

    intents = ("DeleteJournalIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        return reply(
            handler_input, v.say("data/confirm_delete"), v.say("data/confirm_delete_reprompt"), offer=dict(DELETE_OFFER)
        )


class PrivacyHandler(Handler):
    """ "What do you keep about me?": a plain account of everything held."""

    intents = ("PrivacyIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        v = voice(handler_input)
        held = self.deps.store.holdings(user_id(handler_input))
        first_seen = held.first_seen.date().isoformat() if held.first_seen else None
        speech = v.say(
            "data/holdings",
            gratitude=held.gratitude_entries,
            checkins=held.checkins,
            practices=held.practices,
            playback=held.has_playback,
            first_seen=first_seen,
        )
        return reply(handler_input, speech, v.say("launch/reprompt"))


class SkillDisabledHandler(Handler):
    """AlexaSkillEvent.SkillDisabled: the person disabled the skill; everything about them is removed."""

    request_types = ("AlexaSkillEvent.SkillDisabled",)

    def handle(self, handler_input: HandlerInput) -> Response:
        user = user_id(handler_input)
        if user == ANONYMOUS:
            log.warning("skill disabled event without a user id: nothing removed")
            return handler_input.response_builder.response
        self.deps.store.forget(user)
        log.info("skill disabled: journal removed")
        return handler_input.response_builder.response


def on_delete_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    v = voice(handler_input)
    deps.store.forget(user_id(handler_input))
    return reply(handler_input, join(v.say("data/deleted"), v.say("launch/options")), v.say("launch/reprompt"))


def on_delete_no(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    v = voice(handler_input)
    return reply(handler_input, join(v.say("data/kept"), v.say("launch/options")), v.say("launch/reprompt"))


def handlers(deps: Deps) -> list[Handler]:
    return [DeleteJournalHandler(deps), PrivacyHandler(deps), SkillDisabledHandler(deps)]
