"""Your data: what is kept, said plainly; delete with confirmation; SkillDisabled removes everything."""

from __future__ import annotations

import json
from datetime import timedelta

from skill.endpoint import AlexaEndpoint
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope
from tests.talk.conftest import USER, Clock, Conversation, resolved


def fill(store: SqlJournalStore, clock: Clock) -> None:
    store.visit(USER, clock.now - timedelta(days=3))
    store.add_gratitude(USER, "my sister", clock.now)
    store.add_gratitude(USER, "rain", clock.now)
    store.add_checkin(USER, "calm", "calm", None, clock.now)
    store.complete_practice(USER, "breathing", "box", clock.now)
    store.set_preference(USER, "streak", "off")


def test_what_do_you_keep_about_me_answers_plainly(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    fill(store, clock)
    turn = chat.say("PrivacyIntent")
    assert turn.keys[0] == "data/holdings"
    assert turn.data("data/holdings") == {
        "gratitude": 2,
        "checkins": 1,
        "practices": 1,
        "playback": False,
        "first_seen": "2026-11-15",
    }
    assert "2 entries in your gratitude journal" in turn.text
    assert "1 check-in:" in turn.text and "1 so far" in turn.text
    assert "delete my journal" in turn.text
    assert "my sister" not in turn.text  # counts, not contents


def test_what_do_you_keep_when_nothing_is_kept(chat: Conversation) -> None:
    turn = chat.say("PrivacyIntent")
    assert "don't keep anything about you" in turn.text


def test_delete_asks_first_and_yes_removes_everything(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    fill(store, clock)
    turn = chat.say("DeleteJournalIntent")
    assert turn.keys == ["data/confirm_delete", "data/confirm_delete_reprompt"]
    assert turn.offer == {"kind": "delete_journal"}
    assert store.holdings(USER).gratitude_entries == 2  # nothing removed before the yes
    turn = chat.yes()
    assert turn.keys[:2] == ["data/deleted", "launch/options"]
    held = store.holdings(USER)
    assert (held.gratitude_entries, held.checkins, held.practices, held.first_seen) == (0, 0, 0, None)
    assert store.get_preference(USER, "streak") is None
    assert turn.offer is None and not turn.ends


def test_delete_no_keeps_everything(chat: Conversation, store: SqlJournalStore, clock: Clock) -> None:
    fill(store, clock)
    chat.say("DeleteJournalIntent")
    turn = chat.no()
    assert turn.keys[:2] == ["data/kept", "launch/options"]
    assert store.holdings(USER).gratitude_entries == 2


def test_delete_then_something_else_then_yes_does_not_delete(
    chat: Conversation, store: SqlJournalStore, clock: Clock
) -> None:
    fill(store, clock)
    chat.say("DeleteJournalIntent")
    chat.say("CheckInIntent", feeling=resolved("calm", "calm"))  # the offer moves on to savouring
    chat.yes()
    assert store.holdings(USER).gratitude_entries == 2


def test_delete_only_touches_that_person(talk, store: SqlJournalStore, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    store.add_gratitude("amzn1.ask.account.OTHER", "their thing", clock.now)
    chat = talk()
    chat.say("DeleteJournalIntent")
    chat.yes()
    assert store.holdings("amzn1.ask.account.OTHER").gratitude_entries == 1


def test_skill_disabled_removes_everything(endpoint: AlexaEndpoint, store: SqlJournalStore, clock: Clock) -> None:
    fill(store, clock)
    store.add_gratitude("amzn1.ask.account.OTHER", "their thing", clock.now)
    event = {
        "type": "AlexaSkillEvent.SkillDisabled",
        "eventCreationTime": "2026-11-18T09:30:00Z",
        "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
    }
    result = endpoint.handle(json.dumps(envelope(event, user=USER)).encode())
    assert result.status == 200
    assert result.body["response"] == {}
    held = store.holdings(USER)
    assert (held.gratitude_entries, held.checkins, held.practices, held.first_seen) == (0, 0, 0, None)
    assert store.holdings("amzn1.ask.account.OTHER").gratitude_entries == 1


def test_skill_disabled_without_a_user_removes_nothing(
    endpoint: AlexaEndpoint, store: SqlJournalStore, clock: Clock
) -> None:
    fill(store, clock)
    body = envelope({"type": "AlexaSkillEvent.SkillDisabled", "eventCreationTime": "2026-11-18T09:30:00Z"})
    del body["context"]["System"]["user"]
    result = endpoint.handle(json.dumps(body).encode())
    assert result.status == 200 and result.body["response"] == {}
    assert store.holdings(USER).gratitude_entries == 2
