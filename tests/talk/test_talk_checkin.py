"""Check-in: feelings resolved or reflected as said, logged, a fitting offer, and the week's summary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from skill.practices.moods import DIFFICULT, PLEASANT, kind_of, parse_intensity, summarise
from skill.practices.speaking import estimate_ms
from skill.speech import to_plain_text, total_break_ms
from skill.store.sql import SqlJournalStore
from tests.talk.conftest import USER, Clock, Conversation, resolved, unresolved


def logged(store: SqlJournalStore, clock: Clock) -> list[tuple[str | None, str, int | None]]:
    return [
        (c.feeling_id, c.feeling_text, c.intensity) for c in store.checkins_since(USER, clock.now - timedelta(days=30))
    ]


def test_check_in_without_a_feeling_asks_and_elicits_it(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    turn = chat.say("CheckInIntent")
    assert turn.keys == ["checkin/ask", "checkin/ask_reprompt"]
    assert turn.directives[0]["type"] == "Dialog.ElicitSlot" and turn.directives[0]["slotToElicit"] == "feeling"
    assert logged(store, clock) == []


def test_a_number_without_a_feeling_is_kept_while_the_feeling_is_asked_for(chat: Conversation) -> None:
    turn = chat.say("CheckInIntent", intensity="7")
    assert turn.directives[0]["updatedIntent"]["slots"]["intensity"]["value"] == "7"


@pytest.mark.parametrize(
    "word,feeling_id", [("anxious", "anxious"), ("on edge", "anxious"), ("a bit overwhelmed", "overwhelmed")]
)
def test_difficult_feelings_are_reflected_logged_and_offered_a_break(
    chat: Conversation, store: SqlJournalStore, clock: Clock, word: str, feeling_id: str
) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved(word, feeling_id), intensity="7")
    assert turn.keys == ["checkin/reflect", "checkin/offer", "checkin/offer_reprompt"]
    assert turn.data("checkin/reflect") == {"feeling": word, "kind": "difficult", "intensity": 7}
    assert f"You're feeling {word}, about a 7 out of 10." in turn.text
    assert "self-compassion break" in turn.text
    assert turn.offer == {"kind": "compassion_break"}
    assert logged(store, clock) == [(feeling_id, word, 7)]


def test_yes_to_the_break_speaks_it_and_logs_the_practice(chat: Conversation, store: SqlJournalStore) -> None:
    chat.say("CheckInIntent", feeling=resolved("sad", "sad"))
    turn = chat.yes()
    assert turn.keys[:2] == ["checkin/compassion_break", "checkin/after"]
    text = turn.text.lower()
    # the three steps, in order: mindfulness, common humanity, kindness
    assert text.index("hard moment") < text.index("part of every life") < text.index("hand on your heart")
    assert text.index("hand on your heart") < text.index("kind wish")
    assert turn.offer is None
    assert store.holdings(USER).practices == 1


def test_the_break_lasts_at_most_about_ninety_seconds(chat: Conversation) -> None:
    chat.say("CheckInIntent", feeling=resolved("sad", "sad"))
    turn = chat.yes()
    said = turn.said[0]
    seconds = (estimate_ms(to_plain_text(said.ssml, show_pauses=False)) + total_break_ms(said.ssml)) / 1000
    assert 45 <= seconds <= 90, seconds


def test_no_to_the_break_is_accepted_gently(chat: Conversation, store: SqlJournalStore) -> None:
    chat.say("CheckInIntent", feeling=resolved("tired", "tired"))
    turn = chat.no()
    assert turn.keys[:2] == ["checkin/declined", "launch/options"]
    assert turn.offer is None and not turn.ends
    assert store.holdings(USER).practices == 0


def test_pleasant_feelings_are_offered_savouring_then_gratitude(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("peaceful", "peaceful"))
    assert turn.data("checkin/reflect")["kind"] == "pleasant"
    assert "lovely to hear" in turn.text and "savour" in turn.text
    assert turn.offer == {"kind": "savour"}
    turn = chat.yes()
    assert turn.keys[:2] == ["checkin/savour", "checkin/savour_then_gratitude"]
    assert turn.offer == {"kind": "gratitude_start"}
    turn = chat.yes()
    assert turn.keys[0] == "gratitude/prompt"
    turn = chat.say("GratitudeIntent", thing="a quiet morning")
    assert turn.keys[0] == "gratitude/thanks"
    assert store.holdings(USER).gratitude_entries == 1


def test_no_to_savouring(chat: Conversation) -> None:
    chat.say("CheckInIntent", feeling=resolved("happy", "happy"))
    assert chat.no().keys[0] == "checkin/declined"


def test_no_to_gratitude_after_savouring(chat: Conversation) -> None:
    chat.say("CheckInIntent", feeling=resolved("happy", "happy"))
    chat.yes()
    assert chat.no().keys[0] == "offers/declined"


def test_unknown_words_are_accepted_reflected_and_logged_as_said(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    turn = chat.say("CheckInIntent", feeling=unresolved("kind of wobbly"))
    assert turn.data("checkin/reflect")["kind"] == "unknown"
    assert turn.text.startswith("Kind of wobbly.")
    assert "own words" in turn.text
    assert turn.offer == {"kind": "breathing", "pattern": "coherent", "minutes": 1}
    assert logged(store, clock) == [(None, "kind of wobbly", None)]


def test_a_resolved_id_that_is_not_a_feeling_we_know_counts_as_unknown(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("meh", "not-a-feeling"))
    assert turn.data("checkin/reflect")["kind"] == "unknown"
    assert logged(store, clock) == [(None, "meh", None)]


def test_neutral_feelings_are_offered_breathing_and_yes_breathes(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("okay", "okay"))
    assert turn.data("checkin/reflect")["kind"] == "neutral"
    turn = chat.yes()
    assert turn.keys[0] == "breathing/intro"
    assert turn.data("breathing/intro") == {"pattern": "coherent", "rounds": 5, "minutes": 1}
    assert store.holdings(USER).practices == 1


def test_no_to_breathing_after_a_neutral_check_in(chat: Conversation) -> None:
    chat.say("CheckInIntent", feeling=resolved("mixed", "mixed"))
    assert chat.no().keys[0] == "offers/declined"


@pytest.mark.parametrize("spoken", ["0", "11", "-3", "seven", "7.5", "?"])
def test_an_unusable_intensity_is_left_out_and_said_so(
    chat: Conversation, store: SqlJournalStore, clock: Clock, spoken: str
) -> None:
    turn = chat.say("CheckInIntent", feeling=resolved("sad", "sad"), intensity=spoken)
    if spoken == "?":
        assert "checkin/intensity_unclear" not in turn.keys  # "?" is Alexa's "nothing heard"
    else:
        assert turn.keys[:2] == ["checkin/reflect", "checkin/intensity_unclear"]
    assert logged(store, clock) == [("sad", "sad", None)]


def test_summary_of_the_last_seven_days(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    store.add_checkin(USER, "sad", "sad", 6, clock.now - timedelta(days=9))  # too old
    for days, feeling in ((5, "calm"), (3, "calm"), (2, "anxious"), (0, "calm")):
        store.add_checkin(USER, feeling, feeling, None, clock.now - timedelta(days=days))
    turn = chat.say("MoodSummaryIntent")
    assert turn.keys[0] == "checkin/summary"
    assert turn.text.startswith("Over the last week you checked in 4 times. Mostly, you felt calm.")
    assert "sad" not in turn.text
    assert "good in your days" in turn.text


def test_summary_with_two_leading_feelings_and_a_hard_week(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    for days, feeling in ((4, "stressed"), (3, "tired"), (3, "stressed"), (1, "tired")):
        store.add_checkin(USER, feeling, feeling, None, clock.now - timedelta(days=days))
    turn = chat.say("MoodSummaryIntent")
    assert "checked in 4 times, on 3 different days" in turn.text
    assert "You felt stressed and tired most often." in turn.text
    assert "hard stretch" in turn.text


def test_summary_of_one_unknown_word(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    store.add_checkin(USER, None, "Wobbly", None, clock.now)
    turn = chat.say("MoodSummaryIntent")
    assert turn.text.startswith("Over the last week you checked in once. You felt wobbly.")


def test_summary_with_no_check_ins_offers_one(chat: Conversation) -> None:
    turn = chat.say("MoodSummaryIntent")
    assert turn.keys[0] == "checkin/summary_none"
    assert turn.offer == {"kind": "checkin_start"}
    turn = chat.yes()
    assert turn.keys[0] == "checkin/ask"
    chat.say("MoodSummaryIntent")
    assert chat.no().keys[0] == "offers/declined"


def test_feeling_kinds_cover_the_model_ids() -> None:
    assert len(DIFFICULT) == 14 and len(PLEASANT) == 11
    assert kind_of("okay") == kind_of("mixed") == "neutral"
    assert kind_of(None) == kind_of("wobbly") == "unknown"


def test_parse_intensity() -> None:
    assert parse_intensity(None) == (None, False)
    assert parse_intensity("10") == (10, False)
    assert parse_intensity("1") == (1, False)
    assert parse_intensity("12") == (None, True)


def test_summarise_ties_go_to_the_first_heard() -> None:
    summary = summarise([("calm", "calm", 1), ("sad", "sad", 2), ("okay", "okay", 2)])
    assert summary.top == ("calm", "sad") and summary.days == 2 and summary.leaning == "mixed"
