"""The simulated speaker: sessions, AudioPlayer emulation, and requests ask-sdk reads back without loss."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.config import Settings
from skill.sim.device import Device, Turn
from skill.sim.envelopes import user_id_for
from skill.sim.session import AudioCatalogue
from tests.sim.audio_skill import FIRST, SECOND, build_audio_skill

SERIALIZER = DefaultSerializer()


def _normal(value: Any) -> Any:
    """JSON with timestamps compared as instants (the SDK writes +00:00 where Alexa writes Z)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def assert_lossless(turns: list[Turn]) -> None:
    for turn in turns:
        if turn.exchange is None:
            continue
        sent = turn.exchange.request
        model = SERIALIZER.deserialize(json.dumps(sent), RequestEnvelope)
        assert _normal(SERIALIZER.serialize(model)) == _normal(sent), turn.label


@pytest.fixture
def audio(settings: Settings, make_device: Callable[..., Device]) -> tuple[Device, list[str]]:
    """A speaker on the audio test skill, with a library manifest giving the streams' durations."""
    settings.audio_dir.mkdir(parents=True, exist_ok=True)
    manifest = [
        {"file": "meditations/loving-kindness-10min.mp3", "duration_ms": 600_000, "title": "Loving-kindness"},
        {"file": "meditations/body-scan-5min.mp3", "duration_ms": 300_000, "title": "Body scan"},
    ]
    (settings.audio_dir / "manifest.json").write_text(json.dumps(manifest))
    seen: list[str] = []
    catalogue = AudioCatalogue(settings.audio_dir, "https://localhost:5000")
    return make_device(skill=build_audio_skill(seen), catalogue=catalogue), seen


def test_session_is_new_only_on_its_first_turn_and_carries_attributes(audio: tuple[Device, list[str]]) -> None:
    device, _ = audio
    first = device.say("open inner kindness")[0].exchange
    second = device.say("help")[0].exchange
    assert first is not None and second is not None
    assert first.request["session"]["new"] is True
    assert "attributes" not in first.request["session"]
    assert second.request["session"]["new"] is False
    assert second.request["session"]["sessionId"] == first.request["session"]["sessionId"]
    assert second.request["session"]["attributes"] == {"visits": 1}
    again = device.launch()[0].exchange
    assert again is not None
    assert again.request["session"]["new"] is True
    assert again.request["session"]["sessionId"] != first.request["session"]["sessionId"]


def test_a_play_directive_starts_the_player_and_reports_playback_started(audio: tuple[Device, list[str]]) -> None:
    device, seen = audio
    turns = device.say("ask inner kindness for a loving kindness meditation")
    assert [t.request_type for t in turns] == ["IntentRequest", "AudioPlayer.PlaybackStarted"]
    assert turns[0].session_ended is True and not device.session.open
    started = turns[1].exchange
    assert started is not None
    assert "session" not in started.request
    assert started.request["request"]["token"] == FIRST[0]
    assert started.request["context"]["AudioPlayer"] == {
        "playerActivity": "PLAYING",
        "token": FIRST[0],
        "offsetInMilliseconds": 0,
    }
    assert seen == ["MeditationIntent", "AudioPlayer.PlaybackStarted"]
    assert_lossless(turns)


def test_waiting_crosses_nearly_finished_and_finished_and_plays_the_queue(audio: tuple[Device, list[str]]) -> None:
    device, seen = audio
    device.say("ask inner kindness for a loving kindness meditation")
    assert device.wait(90) and device.player.current is not None
    assert device.player.current.offset_ms == 90_000
    assert seen[-1] == "AudioPlayer.PlaybackStarted"  # nothing sent yet

    turns = device.wait(600)
    assert [t.request_type for t in turns] == [
        "AudioPlayer.PlaybackNearlyFinished",
        "AudioPlayer.PlaybackFinished",
        "AudioPlayer.PlaybackStarted",
    ]
    nearly = turns[0].exchange
    assert nearly is not None and nearly.request["request"]["offsetInMilliseconds"] == 580_000
    assert device.player.current is not None and device.player.current.token == SECOND[0]
    assert device.player.current.offset_ms == 90_000  # 90 s + 600 s: the last 90 s play into the next stream
    assert device.finish()[-1].request_type == "AudioPlayer.PlaybackFinished"
    assert device.player.activity == "FINISHED"
    assert_lossless(turns)


def test_stop_while_audio_plays_arrives_as_pause_and_resume_plays_from_the_offset(
    audio: tuple[Device, list[str]],
) -> None:
    device, _ = audio
    device.say("ask inner kindness for a loving kindness meditation")
    device.wait(125)
    turns = device.say("stop")
    assert turns[0].intent == "AMAZON.PauseIntent"
    assert [t.request_type for t in turns] == ["IntentRequest", "AudioPlayer.PlaybackStopped"]
    stopped = turns[1].exchange
    assert stopped is not None and stopped.request["request"]["offsetInMilliseconds"] == 125_000
    assert device.player.activity == "STOPPED"

    resumed = device.say("resume")
    assert resumed[0].intent == "AMAZON.ResumeIntent"
    assert resumed[0].exchange is not None
    assert resumed[0].exchange.request["context"]["AudioPlayer"]["offsetInMilliseconds"] == 125_000
    play = resumed[0].response["directives"][0]
    assert play["audioItem"]["stream"]["offsetInMilliseconds"] == 125_000
    assert resumed[1].request_type == "AudioPlayer.PlaybackStarted"
    assert device.player.playing


def test_device_stop_button_and_explicit_events(audio: tuple[Device, list[str]]) -> None:
    device, seen = audio
    assert device.stop()[0].note is not None  # nothing playing yet: nothing sent
    device.say("ask inner kindness for a loving kindness meditation")
    assert [t.request_type for t in device.stop()] == ["AudioPlayer.PlaybackStopped"]
    button = device.button("play")
    assert [t.request_type for t in button] == ["PlaybackController.PlayCommandIssued", "AudioPlayer.PlaybackStarted"]
    pause = device.button("pause")
    assert [t.request_type for t in pause] == ["PlaybackController.PauseCommandIssued", "AudioPlayer.PlaybackStopped"]
    failed = device.audio_event("PlaybackFailed")
    assert failed[0].request_type == "AudioPlayer.PlaybackFailed"
    with pytest.raises(ValueError, match="buttons are"):
        device.button("eject")
    assert_lossless(button + pause + failed)


def test_a_device_without_audio_ignores_play_and_sends_no_player_context(
    settings: Settings, make_device: Callable[..., Device]
) -> None:
    device = make_device(device="no-audio", skill=build_audio_skill([]))
    turns = device.say("ask inner kindness for a loving kindness meditation")
    assert turns[0].exchange is not None
    assert turns[0].exchange.request["context"]["System"]["device"]["supportedInterfaces"] == {}
    assert "AudioPlayer" not in turns[0].exchange.request["context"]
    assert turns[1].exchange is None and "no AudioPlayer" in (turns[1].note or "")
    assert device.player.current is None


def test_screen_device_declares_apl_and_a_viewport(make_device: Callable[..., Device]) -> None:
    device = make_device(device="screen")
    turn = device.say("open inner kindness")[0]
    assert turn.exchange is not None
    context = turn.exchange.request["context"]
    assert set(context["System"]["device"]["supportedInterfaces"]) == {"AudioPlayer", "Alexa.Presentation.APL"}
    assert context["Viewport"]["shape"] == "RECTANGLE"
    assert_lossless([turn])


def test_silence_speaks_the_reprompt_then_ends_the_session(audio: tuple[Device, list[str]]) -> None:
    device, seen = audio
    device.say("open inner kindness")
    first = device.silence()
    assert first[0].exchange is None and first[0].note == "(reprompt) <speak>What would you like?</speak>"
    second = device.silence()
    assert second[0].exchange is not None
    assert second[0].exchange.request["request"]["reason"] == "EXCEEDED_MAX_REPROMPTS"
    assert not device.session.open
    assert seen[-1] == "SessionEndedRequest"
    assert device.end_session()[0].note == "no session is open"


def test_intents_by_name_resolve_slots_and_refuse_unknown_names(audio: tuple[Device, list[str]]) -> None:
    device, _ = audio
    turn = device.intent("CheckInIntent", {"feeling": "nervous", "intensity": "seven"})[0]
    assert turn.exchange is not None
    slots = turn.exchange.request["request"]["intent"]["slots"]
    assert slots["intensity"]["value"] == "7"
    assert slots["feeling"]["resolutions"]["resolutionsPerAuthority"][0]["values"][0]["value"]["id"] == "anxious"
    with pytest.raises(ValueError, match="no intent"):
        device.intent("OrderPizzaIntent")
    with pytest.raises(ValueError, match="has no slot 'colour'"):
        device.intent("CheckInIntent", {"colour": "blue"})


def test_the_same_name_is_the_same_person_and_skill_disabled_has_no_session(
    make_device: Callable[..., Device],
) -> None:
    ana, ben = make_device(user="ana"), make_device(user="ben")
    assert ana.identity.user_id == user_id_for("ana") == make_device(user="ana").identity.user_id
    assert ana.identity.user_id != ben.identity.user_id
    turn = ana.disable()[0]
    assert turn.exchange is not None and turn.exchange.ok
    assert "session" not in turn.exchange.request
    assert turn.exchange.request["context"]["System"]["user"]["userId"] == user_id_for("ana")
    assert_lossless([turn])


def test_every_request_of_a_conversation_with_the_real_skill_deserialises(make_device: Callable[..., Device]) -> None:
    device = make_device()
    turns: list[Turn] = []
    for line in ("open inner kindness", "i feel anxious about a seven", "i'm grateful for my sister", "help", "stop"):
        turns += device.say(line)
    turns += device.say("ask inner kindness to do five rounds of box breathing")
    turns += device.end_session()
    assert all(t.exchange is not None and t.exchange.ok for t in turns if t.exchange is not None)
    assert_lossless(turns)


def test_catalogue_finds_files_and_refuses_paths_outside_the_library(tmp_path: Path) -> None:
    (tmp_path / "meditations").mkdir()
    (tmp_path / "meditations" / "a.mp3").write_bytes(b"ID3")
    (tmp_path / "manifest.json").write_text(json.dumps([{"file": "meditations/a.mp3", "duration_ms": 1234}]))
    catalogue = AudioCatalogue(tmp_path, "https://x")
    assert catalogue.lookup("https://x/audio/meditations/a.mp3") == (tmp_path / "meditations" / "a.mp3", 1234, None)
    assert catalogue.lookup("https://x/audio/../secret.mp3") == (None, None, None)
    assert catalogue.lookup("https://elsewhere/b.mp3") == (None, None, None)
    (tmp_path / "manifest.json").write_text("{not json")
    assert AudioCatalogue(tmp_path, "https://x").lookup("https://x/audio/meditations/a.mp3")[1] is None


PLAYBACK_SCRIPT = """
name: a meditation paused and resumed on the project's own skill
turns:
  - say: ask inner kindness for a ten minute loving kindness meditation
    expect:
      intent: MeditationIntent
      slots: {meditation: loving-kindness, minutes: 10}
      directive: AudioPlayer.Play
      requests: [AudioPlayer.PlaybackStarted]
      session_ended: true
  - wait: 90s
  - say: stop
    expect: {intent: AMAZON.PauseIntent, directive: AudioPlayer.Stop, requests: [AudioPlayer.PlaybackStopped]}
  - say: resume
    expect: {intent: AMAZON.ResumeIntent, directive: AudioPlayer.Play, requests: [AudioPlayer.PlaybackStarted]}
  - finish: true
    expect: {requests: [AudioPlayer.PlaybackFinished]}
"""


def test_pause_and_resume_end_to_end_on_the_project_skill(
    settings: Settings, make_device: Callable[..., Device], tmp_path: Path
) -> None:
    import hashlib

    import yaml

    from skill.sim.script import parse_script, run_script

    clip = settings.audio_dir / "meditations" / "loving-kindness-10min.mp3"
    clip.parent.mkdir(parents=True, exist_ok=True)
    clip.write_bytes(b"ID3" + bytes(2048))
    clip.with_suffix(".vtt").write_text("WEBVTT\n")
    entry = {
        "id": "loving-kindness",
        "kind": "meditation",
        "title": "Loving-kindness",
        "length_min": 10,
        "file": "meditations/loving-kindness-10min.mp3",
        "duration_ms": 600_000,
        "sha256": hashlib.sha256(clip.read_bytes()).hexdigest(),
        "captions": "meditations/loving-kindness-10min.vtt",
    }
    (settings.audio_dir / "manifest.json").write_text(json.dumps([entry]))
    device = make_device(user="listener", catalogue=AudioCatalogue(settings.audio_dir, settings.public_url))
    result = run_script(parse_script(yaml.safe_load(PLAYBACK_SCRIPT)), device)
    assert result.ok, result.diff()
    resumed = result.steps[3].turns[0].response["directives"][0]
    assert resumed["audioItem"]["stream"]["offsetInMilliseconds"] == 90_000
    assert device.player.activity == "FINISHED"
    assert_lossless([t for step in result.steps for t in step.turns])
