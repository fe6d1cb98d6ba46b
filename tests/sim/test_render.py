"""What a person sees: speech as clean text, reprompts, cards, directives, and the session's state."""

from __future__ import annotations

from typing import Any

import pytest

from skill.sim.device import Device, Turn
from skill.sim.render import card_lines, directive_line, render_turn, speech_text
from skill.sim.script import ScriptError, parse_seconds, perform
from skill.sim.transport import Exchange


def _turn(response: dict[str, Any], label: str = '"hello"', session: bool = True) -> Turn:
    request: dict[str, Any] = {"request": {"type": "IntentRequest", "intent": {"name": "AMAZON.HelpIntent"}}}
    if session:
        request["session"] = {"new": False}
    return Turn(label, Exchange(request, {"version": "1.0", "response": response}, ["builtin/help"]))


def test_ssml_becomes_clean_text_with_pauses() -> None:
    ssml = '<speak>Breathe in. <break time="4s"/> And out. <break time="10000ms"/><break time="2s"/> Good.</speak>'
    assert speech_text({"type": "SSML", "ssml": ssml}) == "Breathe in. [pause 4s] And out. [pause 12s] Good."
    assert speech_text({"type": "PlainText", "text": "Hello"}) == "Hello"
    assert speech_text(None) == ""


def test_play_stop_and_clear_queue_directives() -> None:
    play = {
        "type": "AudioPlayer.Play",
        "playBehavior": "ENQUEUE",
        "audioItem": {
            "stream": {
                "url": "https://example.org/audio/meditations/loving-kindness-10min.mp3",
                "token": "t",
                "offsetInMilliseconds": 95_000,
            },
            "metadata": {"title": "Loving-kindness"},
        },
    }
    assert directive_line(play, 600_000) == (
        "▶ Loving-kindness, 10 min — audio/meditations/loving-kindness-10min.mp3 (from 1:35) [ENQUEUE]"
    )
    assert directive_line({"type": "AudioPlayer.Stop"}) == "■ stop the audio"
    assert directive_line({"type": "AudioPlayer.ClearQueue", "clearBehavior": "CLEAR_ALL"}) == (
        "⏏ clear the queue (CLEAR_ALL)"
    )
    assert directive_line({"type": "Dialog.Delegate"}) == "◆ Dialog.Delegate"


def test_cards_show_title_and_lines() -> None:
    assert card_lines({"type": "Simple", "title": "Your journal", "content": "A walk\nA call"}) == [
        "🂠 card: Your journal",
        "   A walk",
        "   A call",
    ]
    assert card_lines({"type": "Standard", "text": "Hello"}) == ["🂠 card", "   Hello"]
    assert card_lines(None) == []


def test_a_whole_turn_reads_like_a_conversation() -> None:
    response = {
        "outputSpeech": {"type": "SSML", "ssml": "<speak>Here is some help.</speak>"},
        "reprompt": {"outputSpeech": {"type": "SSML", "ssml": "<speak>What would you like?</speak>"}},
        "card": {"type": "Simple", "title": "Help", "content": "Say check in."},
        "shouldEndSession": False,
    }
    text = render_turn(_turn(response), explain=True)
    assert text.splitlines() == [
        "you › hello",
        "  ⟶ AMAZON.HelpIntent",
        "  said: builtin/help",
        "alexa › Here is some help.",
        "  (reprompt) What would you like?",
        "  🂠 card: Help",
        "     Say check in.",
        "  [listening]",
    ]
    assert render_turn(_turn({"shouldEndSession": True}), echo=False).splitlines() == ["  [session ended]"]
    assert render_turn(Turn(":wait", note="nothing is playing")) == "  · nothing is playing"


def test_a_failed_request_is_shown_as_an_error() -> None:
    failed = Turn('"hi"', Exchange({"request": {"type": "LaunchRequest"}}, {}, [], 400, "HTTP 400: bad"))
    assert render_turn(failed).splitlines() == ["you › hi", "  ✗ HTTP 400: bad"]


@pytest.mark.parametrize(
    ("text", "seconds"), [(90, 90.0), ("90s", 90.0), ("2m", 120.0), ("1m30s", 90.0), ("500ms", 0.5)]
)
def test_script_times(text: object, seconds: float) -> None:
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize("text", ["soon", "", "m", "5 hours"])
def test_script_times_that_make_no_sense(text: str) -> None:
    with pytest.raises(ScriptError):
        parse_seconds(text)


def test_script_steps_for_events_and_buttons(make_device: Any) -> None:
    device: Device = make_device()
    label, turns = perform(device, {"event": "AudioPlayer.PlaybackStopped"})
    assert label == "event AudioPlayer.PlaybackStopped" and turns[0].note == "no audio stream to report on"
    label, turns = perform(device, {"button": "next"})
    assert turns[0].request_type == "PlaybackController.NextCommandIssued" and turns[0].exchange is not None
    assert turns[0].exchange.ok


def test_an_elicit_slot_directive_says_which_slot_the_next_words_answer() -> None:
    directive = {"type": "Dialog.ElicitSlot", "slotToElicit": "feeling", "updatedIntent": {"name": "CheckInIntent"}}
    assert directive_line(directive) == "◆ Dialog.ElicitSlot: the next words answer CheckInIntent.feeling"
    assert directive_line({"type": "Dialog.ElicitSlot"}) == "◆ Dialog.ElicitSlot: the next words answer ?.?"
