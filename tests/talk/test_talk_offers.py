"""Yes, No and Repeat with nothing pending, an unknown offer kind, and repeat keeping the offer."""

from __future__ import annotations

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
    chat.attributes = {"offer": {"kind": "meditation_loving_kindness", "minutes": 5}}
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
