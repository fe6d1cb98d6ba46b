"""Breathing: each phase lasts exactly its time in the spoken SSML; lengths, defaults, limits, audio offer."""

from __future__ import annotations

import random
import re

import pytest

from skill.config import Settings
from skill.handlers.breathing import cue_duration_ms, script
from skill.practices.breathing import MAX_SPOKEN_SECONDS, PATTERNS, Phase, pace
from skill.practices.speaking import SYLLABLE_MS, estimate_ms, syllables
from skill.speech import MAX_SPEECH_CHARS, Speech, parse_ssml, to_plain_text, total_break_ms
from skill.store.sql import SqlJournalStore
from tests.talk.conftest import USER, Conversation, resolved, unresolved


def pattern_slot(pattern_id: str) -> dict[str, object]:
    return resolved(pattern_id.replace("-", " "), pattern_id)


def round_ms(round_ssml: str) -> float:
    """A round's length as Alexa would speak it: the cues' estimated length plus every break."""
    return estimate_ms(to_plain_text(round_ssml, show_pauses=False)) + total_break_ms(round_ssml)


@pytest.mark.parametrize("pattern_id", sorted(PATTERNS))
def test_every_round_lasts_the_patterns_timing_within_50_ms(
    chat: Conversation, pattern_id: str, settings: Settings
) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot(pattern_id))
    pattern = PATTERNS[pattern_id]
    # rebuild the script the handler spoke (same templates, same voice) and find its rounds in the answer
    paced = script(
        Speech(settings.templates_dir).voice("en-US", random.Random(0)), pattern, turn.data("breathing/intro")["rounds"]
    )
    position = 0
    for round_ssml in paced.rounds:
        found = turn.ssml.find(round_ssml, position)
        assert found >= 0, "round not in the spoken answer"
        position = found + len(round_ssml)
        assert abs(round_ms(round_ssml) - pattern.round_seconds * 1000) <= 50
    # and each cue starts on its beat: the steps add up phase by phase
    for step in paced.steps:
        assert abs(step.total_ms - step.phase.seconds * 1000) <= 0.5


def test_the_per_round_timing_holds_for_every_pattern_and_length(settings: Settings) -> None:
    v = Speech(settings.templates_dir).voice("en-US", random.Random(3))
    for pattern in PATTERNS.values():
        for rounds in (1, 2, 7):
            paced = script(v, pattern, rounds)
            assert len(paced.rounds) == rounds
            for round_ssml in paced.rounds:
                assert abs(round_ms(round_ssml) - pattern.round_seconds * 1000) <= 50


def test_a_cue_is_spoken_then_silence_fills_the_rest_of_its_phase(chat: Conversation) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot("4-7-8"), rounds="1")
    assert "Breathe in" + '<break time="3500ms"/> ' + "Hold" + '<break time="6750ms"/>' in turn.ssml
    assert "And out" + '<break time="7500ms"/>' in turn.ssml


def test_box_by_default_four_rounds_with_the_safety_sentence(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("BreathingIntent")
    assert turn.keys[:3] == ["breathing/intro", "breathing/safety", "breathing/begin"]
    assert turn.data("breathing/intro") == {"pattern": "box", "rounds": 4, "minutes": 1}
    assert "stop if you feel dizzy" in turn.text and "driving or in water" in turn.text
    assert turn.text.count("Breathe in") == 4
    assert turn.keys[-2:] == ["breathing/closing", "launch/reprompt"]
    assert not turn.ends
    practices = store.holdings(USER).practices
    assert practices == 1


def test_the_safety_sentence_is_said_once_a_session(chat: Conversation, talk) -> None:  # type: ignore[no-untyped-def]
    chat.say("BreathingIntent")
    again = chat.say("BreathingIntent", pattern=pattern_slot("coherent"))
    assert "breathing/safety" not in again.keys and "dizzy" not in again.text
    assert "breathing/safety" in talk().say("BreathingIntent").keys  # a new session hears it again


@pytest.mark.parametrize(
    "pattern_id,slots,rounds",
    [
        ("box", {"rounds": "2"}, 2),
        ("box", {"minutes": "2"}, 7),
        ("4-7-8", {}, 4),
        ("4-7-8", {"rounds": "3"}, 3),
        ("coherent", {}, 10),
        ("coherent", {"minutes": "1"}, 5),
        ("coherent", {"rounds": "3"}, 3),
        ("cyclic-sigh", {}, 13),
        ("cyclic-sigh", {"minutes": "3"}, 20),
    ],
)
def test_rounds_and_minutes(chat: Conversation, pattern_id: str, slots: dict[str, str], rounds: int) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot(pattern_id), **slots)
    assert turn.data("breathing/intro")["rounds"] == rounds
    assert turn.ssml.count(PHASE_CUE[pattern_id]) == rounds


PHASE_CUE = {"box": "And out", "4-7-8": "And out", "coherent": "And out", "cyclic-sigh": "Long sigh out"}


def test_four_seven_eight_is_capped_at_four_rounds_and_says_why(chat: Conversation) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot("4-7-8"), rounds="10")
    assert turn.keys[0] == "breathing/capped"
    assert turn.data("breathing/intro")["rounds"] == 4
    turn = chat.say("BreathingIntent", pattern=pattern_slot("4-7-8"), minutes="3")
    assert turn.keys[0] == "breathing/capped"


@pytest.mark.parametrize(
    "slots", [{"rounds": "0"}, {"rounds": "-2"}, {"minutes": "many"}, {"rounds": "2.5"}, {"minutes": "500"}]
)
def test_unusable_numbers_fall_back_to_the_usual_length_and_say_so(chat: Conversation, slots: dict[str, str]) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot("box"), **slots)
    assert turn.keys[:2] == ["breathing/number_unclear", "breathing/intro"]
    assert turn.data("breathing/intro")["rounds"] == 4


def test_an_unknown_pattern_asks_which_one(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("BreathingIntent", pattern=unresolved("square dance"))
    assert turn.keys[0] == "breathing/which_pattern"
    assert turn.directives[0]["type"] == "Dialog.ElicitSlot" and turn.directives[0]["slotToElicit"] == "pattern"
    assert store.holdings(USER).practices == 0


@pytest.mark.parametrize(
    "pattern_id,slots,minutes", [("coherent", {"minutes": "10"}, 10), ("box", {"rounds": "20"}, 6)]
)
def test_too_long_to_speak_is_offered_as_audio(
    chat: Conversation, store: SqlJournalStore, pattern_id: str, slots: dict[str, str], minutes: int
) -> None:
    turn = chat.say("BreathingIntent", pattern=pattern_slot(pattern_id), **slots)
    assert turn.keys == ["breathing/too_long", "breathing/too_long_reprompt"]
    assert f"{minutes} minutes" in turn.text and "recording" in turn.text
    assert turn.offer == {"kind": "breathing_audio", "pattern": pattern_id, "minutes": minutes}
    assert store.holdings(USER).practices == 0


def test_no_to_audio_offers_the_spoken_length_and_yes_breathes(chat: Conversation) -> None:
    chat.say("BreathingIntent", pattern=pattern_slot("coherent"), minutes="10")
    turn = chat.no()
    assert turn.keys[0] == "breathing/shorter_offer"
    assert turn.offer == {"kind": "breathing", "pattern": "coherent"}
    turn = chat.yes()
    assert turn.data("breathing/intro") == {"pattern": "coherent", "rounds": 10, "minutes": 2}


def test_yes_to_audio_not_rendered_offers_the_spoken_practice(chat: Conversation) -> None:
    """The playback handlers take "yes" to a breathing_audio offer; with nothing rendered, the spoken one."""
    chat.say("BreathingIntent", pattern=pattern_slot("coherent"), minutes="10")
    turn = chat.yes()
    assert turn.keys[:2] == ["offers/unavailable", "breathing/shorter_offer"]
    assert turn.offer == {"kind": "breathing", "pattern": "coherent"}


def test_the_longest_spoken_practice_stays_within_alexas_limits(chat: Conversation) -> None:
    for pattern in PATTERNS.values():
        if pattern.max_rounds:
            continue
        rounds = int(MAX_SPOKEN_SECONDS // pattern.round_seconds)
        turn = chat.say("BreathingIntent", pattern=pattern_slot(pattern.id), rounds=str(rounds))
        assert turn.keys[0] == "breathing/intro", pattern.id
        assert len(turn.ssml) < MAX_SPEECH_CHARS
        assert all(int(m) <= 10_000 for m in re.findall(r'time="(\d+)ms"', turn.ssml))
        assert total_break_ms(turn.ssml) / 1000 <= MAX_SPOKEN_SECONDS + 30
        parse_ssml(turn.ssml)


def test_pace_refuses_a_cue_longer_than_its_phase() -> None:
    with pytest.raises(ValueError, match="longer than"):
        pace(PATTERNS["cyclic-sigh"], 1, lambda phase, _: 1500.0 if phase.cue == "in_again" else 100.0)


def test_cue_duration_counts_words_and_breaks() -> None:
    assert cue_duration_ms('Breathe in<break time="200ms"/>') == 2 * SYLLABLE_MS + 200


@pytest.mark.parametrize(
    "word,count",
    [("breathe", 1), ("in", 1), ("hold", 1), ("gentle", 2), ("slowly", 2), ("another", 3), ("more", 1), ("7", 2)],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_estimate_is_per_syllable() -> None:
    assert estimate_ms("Long sigh out") == 3 * SYLLABLE_MS
    assert estimate_ms("") == 0
    assert Phase("in", 4).seconds == 4


def test_a_phase_longer_than_ten_seconds_is_split_into_alexa_sized_breaks(settings: Settings) -> None:
    from skill.practices.breathing import Pattern

    long_hold = Pattern("long-hold", (Phase("in", 4), Phase("hold", 15)), default_rounds=1)
    paced = script(Speech(settings.templates_dir).voice("en-US"), long_hold, 2)
    for round_ssml in paced.rounds:
        assert '<break time="10000ms"/><break time="4750ms"/>' in round_ssml
        assert abs(round_ms(round_ssml) - 19_000) <= 50


@pytest.mark.parametrize("minutes", [None, 0, "2", True, 500])
def test_a_breathing_offer_with_odd_minutes_uses_the_usual_length(chat: Conversation, minutes: object) -> None:
    chat.attributes = {"offer": {"kind": "breathing", "pattern": "coherent", "minutes": minutes}}
    chat.new = False
    turn = chat.yes()
    assert turn.data("breathing/intro") == {"pattern": "coherent", "rounds": 10, "minutes": 2}


def test_a_breathing_offer_with_an_unknown_pattern_breathes_box(chat: Conversation) -> None:
    chat.attributes = {"offer": {"kind": "breathing", "pattern": "zigzag"}}
    chat.new = False
    assert chat.yes().data("breathing/intro")["pattern"] == "box"
