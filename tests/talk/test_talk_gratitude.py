"""Gratitude: three good things a session, acknowledged by what was said, saved, and read back."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.store.sql import SqlJournalStore
from tests.talk.conftest import USER, Clock, Conversation, resolved, unresolved


def entries(store: SqlJournalStore, user: str = USER) -> list[str]:
    return [
        e.text
        for e in store.gratitude_between(user, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    ]


def test_grateful_for_my_sister_is_saved_and_spoken_back_as_your_sister(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    turn = chat.say("GratitudeIntent", thing="my sister")
    assert turn.keys == ["gratitude/thanks", "gratitude/another", "gratitude/another_reprompt"]
    assert turn.text.startswith("Your sister.")
    assert "journal" in turn.text
    assert turn.offer == {"kind": "gratitude_more"}
    assert not turn.ends
    saved = store.gratitude_between(USER, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert [(e.text, e.created_at) for e in saved] == [("my sister", clock.now)]


def test_carrier_words_in_the_slot_are_not_kept(chat: Conversation, store: SqlJournalStore) -> None:
    chat.say("GratitudeIntent", thing="I'm grateful for the walk I took with my dog.")
    assert entries(store) == ["the walk I took with my dog"]
    assert chat.turns[-1].data("gratitude/thanks")["thing"] == "the walk you took with your dog"


def test_gratitude_without_a_thing_invites_one_and_elicits_the_slot(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("GratitudeIntent")
    assert turn.keys == ["gratitude/prompt", "gratitude/prompt_reprompt"]
    assert turn.text.endswith(("count.", "big.")) and turn.data("gratitude/prompt") == {"count": 0, "elicit": True}
    assert turn.directives[0]["type"] == "Dialog.ElicitSlot"
    assert turn.directives[0]["slotToElicit"] == "thing"
    assert turn.directives[0]["updatedIntent"]["name"] == "GratitudeIntent"
    assert entries(store) == []
    turn = chat.say("GratitudeIntent", thing="a warm cup of tea")
    assert turn.keys[0] == "gratitude/thanks" and turn.text.startswith("A warm cup of tea.")
    assert entries(store) == ["a warm cup of tea"]


def test_empty_or_punctuation_only_thing_is_asked_again_and_nothing_saved(
    chat: Conversation, store: SqlJournalStore
) -> None:
    for empty in ("", "   ", "?", "...", "grateful for"):
        turn = chat.say("GratitudeIntent", thing=empty)
        assert turn.keys[0] == "gratitude/prompt", empty
    assert entries(store) == []


def test_three_good_things_then_a_warm_close_and_a_fourth_is_kindly_declined(
    chat: Conversation, store: SqlJournalStore
) -> None:
    chat.say("GratitudeIntent", thing="sunshine")
    turn = chat.yes()
    assert turn.keys[0] == "gratitude/prompt" and turn.directives[0]["type"] == "Dialog.ElicitSlot"
    assert turn.data("gratitude/prompt")["count"] == 1
    turn = chat.say("GratitudeIntent", thing="my friend called")
    assert "Your friend called" in turn.text
    assert turn.keys[:2] == ["gratitude/thanks", "gratitude/another"] and "one more" in turn.text
    turn = chat.say("GratitudeIntent", thing="a good book")
    assert turn.keys[:2] == ["gratitude/thanks", "gratitude/complete"]
    assert turn.offer is None and not turn.ends
    turn = chat.say("GratitudeIntent", thing="pancakes")
    assert turn.keys[0] == "gratitude/enough"
    assert entries(store) == ["sunshine", "my friend called", "a good book"]


def test_no_more_thanks_you_and_offers_the_rest(chat: Conversation) -> None:
    chat.say("GratitudeIntent", thing="sunshine")
    turn = chat.no()
    assert turn.keys[:2] == ["gratitude/done", "launch/options"]
    assert turn.offer is None and not turn.ends


def test_text_is_escaped_in_ssml(chat: Conversation, store: SqlJournalStore) -> None:
    turn = chat.say("GratitudeIntent", thing="fish & chips <with> friends")
    assert "Fish &amp; chips &lt;with&gt; friends" in turn.ssml
    assert entries(store) == ["fish & chips <with> friends"]


def test_recall_reads_this_week_by_default(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    store.add_gratitude(USER, "my old entry", clock.now.replace(day=1))
    store.add_gratitude(USER, "my garden", clock.now.replace(day=16))  # Monday
    store.add_gratitude(USER, "a call with Mum", clock.now.replace(day=17, hour=20))  # yesterday
    store.add_gratitude(USER, "breakfast", clock.now.replace(hour=7))
    turn = chat.say("GratitudeRecallIntent")
    assert turn.keys[0] == "gratitude/read_back"
    assert turn.text.startswith("This week, you were grateful for:")
    assert "Your garden, on Monday." in turn.text
    assert "A call with Mum, yesterday." in turn.text
    assert "Breakfast, today." in turn.text
    assert "old entry" not in turn.text


def test_recall_yesterday_and_last_week(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    store.add_gratitude(USER, "the rain", clock.now.replace(day=17))
    store.add_gratitude(USER, "a long chat", clock.now.replace(day=9))  # Monday the week before
    turn = chat.say("GratitudeRecallIntent", when=resolved("yesterday", "yesterday"))
    assert turn.text.startswith("Yesterday, you were grateful for:") and "The rain." in turn.text
    assert "long chat" not in turn.text
    turn = chat.say("GratitudeRecallIntent", when=resolved("last week", "last-week"))
    assert turn.text.startswith("Last week, you were grateful for:") and "A long chat, on Monday" in turn.text
    assert "rain" not in turn.text


def test_recall_with_nothing_saved_says_so_kindly_and_offers_to_start(chat: Conversation) -> None:
    turn = chat.say("GratitudeRecallIntent")
    assert turn.keys[0] == "gratitude/none_yet"
    assert "nothing in your journal from this week yet" in turn.text
    assert turn.offer == {"kind": "gratitude_start"}
    turn = chat.yes()
    assert turn.keys[0] == "gratitude/prompt"
    chat.say("GratitudeRecallIntent", when=resolved("yesterday", "yesterday"))
    turn = chat.no()
    assert turn.keys[:2] == ["offers/declined", "launch/options"]


def test_recall_today_and_yesterday_empty(chat: Conversation) -> None:
    assert "haven't noted anything today" in chat.say("GratitudeRecallIntent", when=resolved("today", "today")).text
    assert "nothing from yesterday" in chat.say(
        "GratitudeRecallIntent", when=resolved("yesterday", "yesterday")
    ).text.replace("I don't have anything from yesterday", "nothing from yesterday")


def test_recall_an_unknown_range_falls_back_to_this_week_and_says_so(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    store.add_gratitude(USER, "music", clock.now)
    turn = chat.say("GratitudeRecallIntent", when=unresolved("the full moon"))
    assert turn.keys[:2] == ["gratitude/range_unknown", "gratitude/read_back"]
    assert "Music, today" in turn.text


def test_recall_many_reads_the_latest_five(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    for i in range(7):
        store.add_gratitude(USER, f"thing {i}", clock.now.replace(hour=1 + i))
    turn = chat.say("GratitudeRecallIntent")
    assert "latest 5 of 7" in turn.text
    assert "Thing 1" not in turn.text and "Thing 2" in turn.text and "Thing 6" in turn.text


def test_recall_earlier_reads_one_older_entry_or_none(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    turn = chat.say("GratitudeRecallIntent", when=resolved("a while ago", "earlier"))
    assert turn.keys[0] == "gratitude/none_yet" and "nothing older" in turn.text
    store.add_gratitude(USER, "my first snow", clock.now.replace(day=1))
    store.add_gratitude(USER, "this week's thing", clock.now)
    turn = chat.say("GratitudeRecallIntent", when=resolved("a while ago", "earlier"))
    assert turn.keys[0] == "gratitude/memory"
    assert "You were grateful for your first snow" in turn.text and "from about 2 weeks ago" in turn.text


def test_entries_are_kept_per_person(talk, store: SqlJournalStore) -> None:  # type: ignore[no-untyped-def]
    talk(user="amzn1.ask.account.A").say("GratitudeIntent", thing="tea")
    turn = talk(user="amzn1.ask.account.B").say("GratitudeRecallIntent")
    assert turn.keys[0] == "gratitude/none_yet"
    assert entries(store, "amzn1.ask.account.A") == ["tea"]
