"""Safety: crisis language in any free-text slot, and SupportIntent, get care, the locale's helpline and an
offer to stay or end; nothing is saved, no practice starts, any pending offer is dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from skill.config import PROJECT_ROOT
from skill.practices.crisis import is_crisis, normalise
from skill.store.sql import SqlJournalStore
from tests.talk.conftest import USER, Conversation, resolved, unresolved

SAFETY_KEYS = ["safety/care", "safety/helpline", "safety/stay_or_end", "safety/stay_or_end_reprompt"]

# locale -> what a person must hear (line and emergency number), per PRACTICES.md
HELPLINES = {
    "en-US": ("988", "Suicide and Crisis Lifeline", "911"),
    "en-CA": ("988", "Suicide Crisis Helpline", "911"),
    "en-GB": ("116 123", "Samaritans", "999"),
    "en-IE": ("116 123", "Samaritans", "112"),
    "en-AU": ("13 11 14", "Lifeline", "000"),
    "en-IN": ("14416", "Tele MANAS", "112"),
}


def everything_saved(store: SqlJournalStore) -> tuple[int, int, int]:
    held = store.holdings(USER)
    return held.gratitude_entries, held.checkins, held.practices


@pytest.mark.parametrize("locale", sorted(HELPLINES))
def test_support_intent_gives_care_then_the_locales_helpline(talk: Callable[..., Conversation], locale: str) -> None:
    turn = talk(locale=locale).say("SupportIntent")
    assert turn.keys == SAFETY_KEYS
    line, name, emergency = HELPLINES[locale]
    assert line in turn.ssml and name in turn.text and emergency in turn.ssml
    care_at = turn.text.index("glad you told me")
    assert care_at < turn.text.index(name)  # care first, then the line
    assert turn.text.rstrip().endswith("or no to end here.")
    assert turn.offer == {"kind": "safety"} and not turn.ends
    assert turn.directives == []


@pytest.mark.parametrize("locale", ["en-NZ", "en-ZA", "fr-FR", "de-DE"])
def test_other_locales_hear_the_local_emergency_number(talk: Callable[..., Conversation], locale: str) -> None:
    turn = talk(locale=locale).say("SupportIntent")
    assert turn.keys == SAFETY_KEYS
    assert "local emergency number" in turn.text
    for line, _, _ in HELPLINES.values():
        assert line not in turn.ssml


def test_helpline_wording_lives_in_each_locales_own_template() -> None:
    for locale in HELPLINES:
        assert (PROJECT_ROOT / "templates/speech" / locale / "safety/helpline.ssml.j2").is_file()


@pytest.mark.parametrize(
    "phrase",
    ["I want to kill myself", "i don't want to live anymore", "Suicidal.", "I've been cutting myself", "I'm in danger"],
)
def test_crisis_words_as_a_gratitude_entry_are_answered_with_care_and_not_saved(
    chat: Conversation, store: SqlJournalStore, phrase: str
) -> None:
    chat.say("GratitudeIntent")  # the invitation, elicitation pending
    turn = chat.say("GratitudeIntent", thing=phrase)
    assert turn.keys == SAFETY_KEYS
    assert turn.directives == [] and turn.offer == {"kind": "safety"}
    assert everything_saved(store) == (0, 0, 0)


@pytest.mark.parametrize("phrase", ["suicidal", "like I want to die", "like hurting myself", "not safe at home"])
def test_crisis_words_as_an_unknown_feeling_are_answered_with_care_and_not_logged(
    chat: Conversation, store: SqlJournalStore, phrase: str
) -> None:
    turn = chat.say("CheckInIntent", feeling=unresolved(phrase), intensity="9")
    assert turn.keys == SAFETY_KEYS
    assert everything_saved(store) == (0, 0, 0)


def test_crisis_words_in_a_resolved_slot_are_caught_too(chat: Conversation) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("so sad I want to die", "sad"))
    assert turn.keys == SAFETY_KEYS


@pytest.mark.parametrize("intent_name,slot", [("BreathingIntent", "pattern"), ("GratitudeRecallIntent", "when")])
def test_crisis_words_in_any_other_slot_are_caught(chat: Conversation, intent_name: str, slot: str) -> None:
    turn = chat.say(intent_name, **{slot: unresolved("end my life")})
    assert turn.keys == SAFETY_KEYS


def test_a_pending_practice_offer_is_dropped_and_yes_then_means_stay(
    chat: Conversation, store: SqlJournalStore
) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("anxious", "anxious"))
    assert turn.offer == {"kind": "compassion_break"}
    turn = chat.say("GratitudeIntent", thing="nothing, I want to end it all")
    assert turn.offer == {"kind": "safety"}
    turn = chat.yes()
    assert turn.keys == ["safety/staying", "safety/helpline", "safety/still_here", "safety/stay_or_end_reprompt"]
    assert "compassion" not in turn.text.lower()
    assert turn.offer == {"kind": "safety"} and not turn.ends
    assert store.holdings(USER).practices == 0


def test_no_ends_kindly_with_the_helpline_again(chat: Conversation) -> None:
    chat.say("SupportIntent")
    turn = chat.no()
    assert turn.keys == ["safety/goodbye", "safety/helpline"]
    assert "988" in turn.ssml
    assert turn.ends


def test_repeat_after_support_says_it_again_and_keeps_the_offer(chat: Conversation) -> None:
    first = chat.say("SupportIntent")
    again = chat.say("AMAZON.RepeatIntent")
    assert again.ssml == first.ssml and again.offer == {"kind": "safety"}


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "I WANT TO DIE!!!",
        "i   want to... die",
        "I’m thinking about suicide",
        "kill myself",
        "I keep hurting myself",
        "self-harm",
        "I can't go on",
        "I'd be better off dead",
        "I am not safe",
        "someone is hurting me",
        "I took an overdose",
    ],
)
def test_lexicon_finds_crisis_language(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm dying to see my friend",
        "my feet are killing me",
        "I killed it at work today",
        "a drop dead gorgeous sunset",
        "my sister",
        "the die is cast",
        "we cut the cake",
        "",
        None,
    ],
)
def test_lexicon_leaves_everyday_phrases_alone(text: str | None) -> None:
    assert not is_crisis(text)


def test_normalise_drops_case_punctuation_and_apostrophes() -> None:
    assert normalise("  I’M   Not-Safe!! ") == "im not safe"


def test_ordinary_gratitude_is_not_caught(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("GratitudeIntent", thing="I'm dying to see my friend")
    assert turn.keys[0] == "gratitude/thanks"
    assert [
        e.text
        for e in store.gratitude_between(USER, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    ] == ["I'm dying to see my friend"]
