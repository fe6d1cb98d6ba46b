"""AudioPlayer events, buttons and the intents around playback, through the Flask app in-process.

These need no rendered audio: what is stored, what is said and which directives go back. Playing real
files is covered by test_e2e_http.py against a real server and a real rendered library."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from skill.speech import total_break_ms, validate_ssml
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.play.helpers import USER, Answer, event, with_player

Ask = Callable[[dict[str, Any]], Answer]
TOKEN = "med:loving-kindness:10:0123456789ab"


def env(request: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return envelope(request, user=USER, **kwargs)


def sessionless(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("session", None)
    return body


def assert_only_audio_directives(answer: Answer) -> None:
    assert answer.status == 200
    assert set(answer.response) <= {"directives"}, answer.response
    assert all(d["type"].startswith("AudioPlayer.") for d in answer.directives)
    assert answer.said == []


def test_playback_started_records_the_practice_once_per_sitting(ask: Ask, store: SqlJournalStore) -> None:
    assert_only_audio_directives(ask(env(event("AudioPlayer.PlaybackStarted", TOKEN, 0))))
    assert store.holdings(USER).practices == 1
    assert_only_audio_directives(ask(env(event("AudioPlayer.PlaybackStarted", TOKEN, 95_000))))  # a resume
    assert store.holdings(USER).practices == 1
    saved = store.get_playback(USER)
    assert saved is not None and (saved.token, saved.offset_ms, saved.finished) == (TOKEN, 95_000, False)


def test_playback_stopped_keeps_token_and_offset(ask: Ask, store: SqlJournalStore) -> None:
    assert_only_audio_directives(ask(env(event("AudioPlayer.PlaybackStopped", TOKEN, 123_456))))
    saved = store.get_playback(USER)
    assert saved is not None and (saved.token, saved.offset_ms, saved.finished) == (TOKEN, 123_456, False)


def test_playback_finished_completes_the_practice_and_counts_for_the_streak(ask: Ask, store: SqlJournalStore) -> None:
    ask(env(event("AudioPlayer.PlaybackStarted", TOKEN, 0)))
    assert store.streak(USER, datetime.now(UTC).date()) == 1
    assert_only_audio_directives(ask(env(event("AudioPlayer.PlaybackFinished", TOKEN, 600_000))))
    saved = store.get_playback(USER)
    assert saved is not None and saved.finished is True
    assert store.holdings(USER).practices == 1  # the open practice was completed, not a second one logged


def test_nearly_finished_queues_nothing(ask: Ask) -> None:
    answer = ask(env(event("AudioPlayer.PlaybackNearlyFinished", TOKEN, 590_000)))
    assert_only_audio_directives(answer)
    assert answer.directives == []


def test_playback_failed_logs_the_error_type_and_answers_nothing(
    ask: Ask, store: SqlJournalStore, caplog: pytest.LogCaptureFixture
) -> None:
    error = {"type": "MEDIA_ERROR_SERVICE_UNAVAILABLE", "message": "could not fetch"}
    with caplog.at_level(logging.INFO):
        answer = ask(env(event("AudioPlayer.PlaybackFailed", TOKEN, 0, error=error)))
    assert_only_audio_directives(answer)
    failed = [r.getMessage() for r in caplog.records if "playback failed" in r.getMessage()]
    assert len(failed) == 1 and "MEDIA_ERROR_SERVICE_UNAVAILABLE" in failed[0]
    assert all(USER not in r.getMessage() for r in caplog.records)
    assert store.get_playback(USER) is None


@pytest.mark.parametrize(
    "kind", ["AudioPlayer.PlaybackStarted", "AudioPlayer.PlaybackStopped", "AudioPlayer.PlaybackFinished"]
)
@pytest.mark.parametrize("token", ["someone-elses-stream", ""])
def test_events_for_streams_that_are_not_ours_store_nothing(
    ask: Ask, store: SqlJournalStore, kind: str, token: str
) -> None:
    assert_only_audio_directives(ask(env(event(kind, token, 1000))))
    assert store.get_playback(USER) is None and store.holdings(USER).practices == 0


def test_pause_stops_the_audio_and_keeps_the_offset(ask: Ask, store: SqlJournalStore) -> None:
    answer = ask(with_player(env(intent("AMAZON.PauseIntent")), TOKEN, 42_000))
    assert [d["type"] for d in answer.directives] == ["AudioPlayer.Stop"]
    assert "outputSpeech" not in answer.response and answer.ends_session is True
    saved = store.get_playback(USER)
    assert saved is not None and (saved.token, saved.offset_ms) == (TOKEN, 42_000)


def test_pause_button_stops_with_a_directive_only(ask: Ask) -> None:
    answer = ask(with_player(env(event("PlaybackController.PauseCommandIssued", TOKEN, 5000)), TOKEN, 5000))
    assert_only_audio_directives(answer)
    assert [d["type"] for d in answer.directives] == ["AudioPlayer.Stop"]


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
def test_stop_and_cancel_while_ours_plays_stop_the_audio_quietly(ask: Ask, name: str) -> None:
    answer = ask(with_player(env(intent(name)), TOKEN, 30_000, "PLAYING"))
    assert [d["type"] for d in answer.directives] == ["AudioPlayer.Stop"] and answer.said == []
    answer = ask(sessionless(env(intent(name))))
    assert [d["type"] for d in answer.directives] == ["AudioPlayer.Stop"] and answer.said == []


def test_stop_in_a_conversation_is_still_the_goodbye(ask: Ask) -> None:
    answer = ask(with_player(env(intent("AMAZON.StopIntent"), new=False), TOKEN, 30_000, "STOPPED"))
    assert answer.said == ["builtin/goodbye"] and answer.directives == []


def test_loop_and_shuffle_while_playing_get_a_kind_no_without_directives(ask: Ask) -> None:
    for name in ("AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent", "AMAZON.ShuffleOffIntent"):
        answer = ask(sessionless(with_player(env(intent(name)), TOKEN, 1000)))
        assert answer.said == ["playback/no_loop_shuffle"], name
        assert answer.directives == [] and "reprompt" not in answer.response
        assert "loop" in answer.text.lower() if "Loop" in name else "shuffle" in answer.text.lower()
    in_session = ask(with_player(env(intent("AMAZON.LoopOnIntent")), TOKEN, 1000))
    assert in_session.ends_session is True and in_session.directives == []


def test_loop_in_a_conversation_keeps_the_conversation_open(ask: Ask) -> None:
    answer = ask(env(intent("AMAZON.ShuffleOnIntent"), new=False))
    assert answer.said == ["playback/no_loop_shuffle", "launch/reprompt"] and answer.ends_session is False


def test_resume_with_nothing_stored_offers_a_meditation(ask: Ask) -> None:
    answer = ask(env(intent("ResumeMeditationIntent")))
    assert answer.said[0] == "meditation/nothing_to_resume" and answer.ends_session is False
    assert answer.attributes["offer"]["kind"] == "meditation"
    button = ask(env(event("PlaybackController.PlayCommandIssued", "")))
    assert_only_audio_directives(button)
    assert button.directives == []


def test_resume_of_a_finished_meditation_offers_it_again(ask: Ask, store: SqlJournalStore) -> None:
    store.save_playback(USER, TOKEN, 600_000, True, datetime.now(UTC))
    answer = ask(env(intent("ResumeMeditationIntent")))
    assert answer.said == ["meditation/finished_before", "meditation/offer_reprompt"]
    assert "Loving-kindness" in answer.text and answer.play is None
    offer = answer.attributes["offer"]
    assert offer == {"kind": "meditation_again", "practice": "meditation", "item": "loving-kindness", "minutes": 10}


def test_resume_of_a_file_not_rendered_is_a_kind_answer(ask: Ask, store: SqlJournalStore) -> None:
    store.save_playback(USER, TOKEN, 60_000, False, datetime.now(UTC))
    answer = ask(env(intent("ResumeMeditationIntent")))
    assert answer.said == ["meditation/not_ready"] and answer.play is None
    assert "10 minute Loving-kindness" in answer.text


def test_resume_on_a_device_without_audio_player_says_where_it_works(ask: Ask, store: SqlJournalStore) -> None:
    store.save_playback(USER, TOKEN, 60_000, False, datetime.now(UTC))
    answer = ask(env(intent("ResumeMeditationIntent"), audio=False))
    assert answer.said == ["meditation/resume_needs_audio"] and answer.play is None


def test_list_reads_the_catalogue_and_asks_which(ask: Ask) -> None:
    answer = ask(env(intent("ListMeditationsIntent")))
    assert answer.said == ["meditation/list", "meditation/list_reprompt"] and answer.ends_session is False
    for title in ("Loving-kindness", "Body scan", "RAIN", "Self-compassion break"):
        assert title in answer.text
    assert "3, 5, 10 or 20 minutes" in answer.text


def test_an_unknown_meditation_is_named_kindly_with_the_list(ask: Ask) -> None:
    answer = ask(env(intent("MeditationIntent", meditation="underwater basket weaving")))
    assert answer.said == ["meditation/unknown", "meditation/list_reprompt"] and answer.play is None
    assert "Forgiveness" in answer.text


def test_a_meditation_not_rendered_yet_gets_a_kind_answer(ask: Ask) -> None:
    answer = ask(env(intent("MeditationIntent", meditation="body scan", minutes="10")))
    assert answer.said == ["meditation/not_ready"] and answer.play is None
    assert "10 minute Body scan" in answer.text and ("prepared" in answer.text or "isn't ready yet" in answer.text)


def test_without_audio_player_and_without_a_clip_the_script_is_spoken(ask: Ask, store: SqlJournalStore) -> None:
    answer = ask(env(intent("MeditationIntent", meditation="loving kindness"), audio=False))
    assert answer.said == ["meditation/spoken"] and answer.play is None and answer.ends_session is True
    assert validate_ssml(answer.ssml) == []
    assert len(answer.ssml) <= 8000 and total_break_ms(answer.ssml) > 60_000
    assert "Find a comfortable way to sit or lie down" in answer.text
    assert store.holdings(USER).practices == 1


def test_yes_to_a_breathing_audio_offer_that_is_not_rendered(ask: Ask) -> None:
    offer = {"offer": {"kind": "breathing_audio", "pattern": "coherent", "minutes": 10}}
    answer = ask(env(intent("AMAZON.YesIntent"), new=False, attributes=offer))
    assert answer.said[:2] == ["offers/unavailable", "breathing/shorter_offer"] and answer.play is None


def test_yes_to_breathing_audio_on_a_device_without_audio_player(ask: Ask) -> None:
    offer = {"offer": {"kind": "breathing_audio", "pattern": "coherent", "minutes": 10}}
    answer = ask(env(intent("AMAZON.YesIntent"), new=False, attributes=offer, audio=False))
    assert answer.said[:2] == ["offers/unavailable", "breathing/shorter_offer"] and answer.play is None


def test_yes_to_someone_elses_offer_is_left_to_them(ask: Ask) -> None:
    answer = ask(env(intent("AMAZON.YesIntent"), new=False, attributes={"offer": {"kind": "gratitude_readback"}}))
    assert not any(k.startswith(("meditation/", "playback/")) for k in answer.said)
    assert answer.play is None


@pytest.mark.parametrize("name", ["AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.StartOverIntent"])
def test_next_previous_start_over_outside_audio_are_not_ours(ask: Ask, name: str) -> None:
    answer = ask(env(intent(name), new=False))
    assert not any(k.startswith(("meditation/", "playback/")) for k in answer.said)


@pytest.mark.parametrize("name", ["AMAZON.NextIntent", "AMAZON.StartOverIntent"])
def test_next_and_start_over_with_nothing_stored(ask: Ask, name: str) -> None:
    answer = ask(sessionless(env(intent(name))))
    assert answer.said == ["playback/nothing_playing"] and answer.play is None


def test_buttons_with_nothing_to_play_answer_nothing(ask: Ask) -> None:
    for kind in ("PlaybackController.NextCommandIssued", "PlaybackController.PreviousCommandIssued"):
        answer = ask(env(event(kind, "")))
        assert_only_audio_directives(answer)
        assert answer.directives == []
