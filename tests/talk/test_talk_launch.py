"""Launch: first visit or welcome back, a gentle streak unless switched off."""

from __future__ import annotations

from datetime import timedelta

from skill.store.sql import SqlJournalStore
from tests.talk.conftest import USER, Clock, Conversation


def test_first_visit_then_welcome_back(talk, store: SqlJournalStore, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    turn = talk().launch()
    assert turn.keys[:2] == ["launch/welcome", "launch/options"]
    assert turn.data("launch/welcome") == {"first_visit": True, "streak": 0}
    assert "Welcome to Inner Kindness" in turn.text or "welcome to Inner Kindness" in turn.text
    assert not turn.ends and turn.reprompt
    clock.advance(hours=2)
    turn = talk().launch()
    assert turn.data("launch/welcome") == {"first_visit": False, "streak": 0}
    assert turn.text.startswith("Welcome back.")


def test_a_streak_of_practice_days_is_mentioned_gently(talk, store: SqlJournalStore, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    talk().launch()
    for days in (2, 1, 0):
        store.complete_practice(USER, "breathing", "box", clock.now - timedelta(days=days))
    turn = talk().launch()
    assert turn.data("launch/welcome")["streak"] == 3
    assert "3 days in a row" in turn.text


def test_a_one_day_streak_is_not_mentioned(talk, store: SqlJournalStore, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    talk().launch()
    store.add_gratitude(USER, "tea", clock.now)
    turn = talk().launch()
    assert turn.data("launch/welcome")["streak"] == 0 and "in a row" not in turn.text


def test_stop_counting_my_streak_then_count_it_again(talk, store: SqlJournalStore, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    chat = talk()
    chat.launch()
    for days in (1, 0):
        store.complete_practice(USER, "breathing", "box", clock.now - timedelta(days=days))
    turn = chat.say("StreakOffIntent")
    assert turn.keys[0] == "launch/streak_off" and "won't mention streaks" in turn.text
    assert store.get_preference(USER, "streak") == "off"
    turn = talk().launch()
    assert turn.data("launch/welcome")["streak"] == 0 and "in a row" not in turn.text
    turn = talk().say("StreakOnIntent")
    assert turn.data("launch/streak_on") == {"streak": 2} and "2 days in a row" in turn.text
    assert store.get_preference(USER, "streak") == "on"
    assert talk().launch().data("launch/welcome")["streak"] == 2


def test_streak_on_with_no_practice_yet(chat: Conversation) -> None:
    turn = chat.say("StreakOnIntent")
    assert turn.data("launch/streak_on") == {"streak": 0} and "in a row" not in turn.text


def test_launch_clears_a_stale_offer(chat: Conversation) -> None:
    chat.say("DeleteJournalIntent")
    turn = chat.launch()
    assert turn.offer is None
