"""Yes, No and Repeat with nothing pending, an unknown offer kind, and repeat keeping the offer."""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.handlers.reply import OfferRequestInterceptor, OfferResponseInterceptor, session_attributes
from tests.conftest import envelope, intent
from tests.talk.conftest import Conversation


def test_yes_with_nothing_pending(chat: Conversation) -> None:
    turn = chat.yes()
    assert turn.keys[:2] == ["offers/nothing_pending", "launch/options"]
    assert not turn.ends


def test_no_with_nothing_pending(chat: Conversation) -> None:
    turn = chat.no()
    assert turn.keys[:2] == ["offers/no_pending", "launch/options"]
    assert not turn.ends


def test_repeat_with_nothing_said_yet(chat: Conversation) -> None:
    turn = chat.say("AMAZON.RepeatIntent")
    assert turn.keys[:2] == ["offers/nothing_to_repeat", "launch/options"]


def test_repeat_says_the_last_answer_again_and_keeps_its_offer(chat: Conversation) -> None:
    first = chat.say("GratitudeIntent", thing="sunshine")
    again = chat.say("AMAZON.RepeatIntent")
    assert again.ssml == first.ssml and again.reprompt == first.reprompt
    assert again.offer == {"kind": "gratitude_more"}
    assert chat.yes().keys[0] == "gratitude/prompt"


def test_an_offer_of_an_unknown_kind_is_answered_kindly(chat: Conversation) -> None:
    chat.attributes = {"offer": {"kind": "a-kind-nobody-offers", "minutes": 5}}
    chat.new = False
    turn = chat.yes()
    assert turn.keys[:2] == ["offers/unavailable", "launch/options"]
    chat.attributes = {"offer": {"kind": "something-else"}}
    assert chat.no().keys[0] == "offers/declined"


def test_a_malformed_offer_is_ignored(chat: Conversation) -> None:
    chat.attributes = {"offer": "yes please"}
    chat.new = False
    assert chat.yes().keys[0] == "offers/nothing_pending"
    chat.attributes = {"offer": {"kind": 3}, "last_said": "oops"}
    assert chat.no().keys[0] == "offers/no_pending"
    chat.attributes = {"last_said": {"speech": 42}}
    assert chat.say("AMAZON.RepeatIntent").keys[0] == "offers/nothing_to_repeat"


def test_help_in_between_drops_the_offer_and_repeat_says_the_help(chat: Conversation) -> None:
    chat.say("DeleteJournalIntent")
    help_turn = chat.say("AMAZON.HelpIntent")
    assert help_turn.keys[0] == "builtin/help"
    assert help_turn.offer is None
    again = chat.say("AMAZON.RepeatIntent")
    assert again.ssml == help_turn.ssml and again.reprompt == help_turn.reprompt
    assert chat.yes().keys[0] == "offers/nothing_pending"


def handler_input_for(attributes: dict[str, Any]) -> HandlerInput:
    body = envelope(intent("AMAZON.YesIntent"), new=False, attributes=attributes)
    request = DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)
    return HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request))


def test_an_offer_another_handler_sets_itself_is_kept_and_its_speech_remembered() -> None:
    handler_input = handler_input_for({"offer": {"kind": "breathing_audio", "pattern": "box", "minutes": 9}})
    OfferRequestInterceptor().process(handler_input)
    session_attributes(handler_input)["offer"] = {"kind": "meditation_resume", "token": "t1"}
    response = handler_input.response_builder.speak("Shall I carry on?").ask("Carry on?").response
    OfferResponseInterceptor().process(handler_input, response)
    assert session_attributes(handler_input)["offer"] == {"kind": "meditation_resume", "token": "t1"}
    assert session_attributes(handler_input)["last_said"] == {"speech": "Shall I carry on?", "reprompt": "Carry on?"}


def test_an_offer_another_handler_ignored_is_dropped() -> None:
    handler_input = handler_input_for({"offer": {"kind": "breathing_audio", "pattern": "box", "minutes": 9}})
    OfferRequestInterceptor().process(handler_input)
    response = handler_input.response_builder.response  # e.g. an AudioPlayer.Play answer without speech
    OfferResponseInterceptor().process(handler_input, response)
    assert "offer" not in session_attributes(handler_input)
    assert "last_said" not in session_attributes(handler_input)
