"""Kindness ideas and kind self-talk: one at a time, never repeated in a session, a kind end when all heard."""

from __future__ import annotations

import random

import pytest

from skill.config import PROJECT_ROOT
from skill.practices.kindness import AFFIRMATIONS, KINDNESS_IDEAS, pick_unused
from tests.talk.conftest import Conversation

CASES = [
    ("KindnessIdeaIntent", "kindness", "ideas", KINDNESS_IDEAS),
    ("AffirmationIntent", "affirmation", "items", AFFIRMATIONS),
]


@pytest.mark.parametrize("intent_name,conversation,folder,ids", CASES)
def test_every_item_once_then_a_kind_word_that_all_were_heard(
    chat: Conversation, intent_name: str, conversation: str, folder: str, ids: tuple[str, ...]
) -> None:
    heard: list[str] = []
    texts: set[str] = set()
    for n in range(len(ids)):
        turn = chat.say(intent_name)
        assert turn.keys[0] == f"{conversation}/intro" and turn.data(f"{conversation}/intro") == {"first": n == 0}
        item = turn.keys[1]
        assert item.startswith(f"{conversation}/{folder}/")
        heard.append(item.rsplit("/", 1)[1])
        texts.add(turn.said[1].text)
        assert not turn.ends
    assert sorted(heard) == sorted(ids)  # each exactly once
    assert len(texts) == len(ids)
    turn = chat.say(intent_name)
    assert turn.keys[:2] == [f"{conversation}/all_heard", "launch/options"]


@pytest.mark.parametrize("intent_name,conversation,folder,ids", CASES)
def test_a_new_session_starts_afresh(
    talk, intent_name: str, conversation: str, folder: str, ids: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    first = talk()
    for _ in ids:
        first.say(intent_name)
    assert talk().say(intent_name).keys[1].startswith(f"{conversation}/{folder}/")


def test_ideas_and_affirmations_are_counted_separately(chat: Conversation) -> None:
    for _ in KINDNESS_IDEAS:
        chat.say("KindnessIdeaIntent")
    assert chat.say("AffirmationIntent").keys[1].startswith("affirmation/items/")
    assert chat.attributes["kindness_used"] and len(chat.attributes["affirmation_used"]) == 1


def test_every_id_has_its_words() -> None:
    for conversation, folder, ids in (("kindness", "ideas", KINDNESS_IDEAS), ("affirmation", "items", AFFIRMATIONS)):
        for item in ids:
            assert (PROJECT_ROOT / "templates/speech/en" / conversation / folder / f"{item}.ssml.j2").is_file()


def test_affirmations_hold_reframes_and_affirmations() -> None:
    assert any(i.startswith("reframe-") for i in AFFIRMATIONS) and any(i.startswith("affirm-") for i in AFFIRMATIONS)


def test_pick_unused() -> None:
    rng = random.Random(1)
    assert pick_unused(("a", "b"), ["a"], rng) == "b"
    assert pick_unused(("a", "b"), ["a", "b"], rng) is None
    assert pick_unused((), [], rng) is None
