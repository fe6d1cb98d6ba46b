"""Choosing and playing from the real rendered library, in-process: surprise, nearest length, clip or
script without AudioPlayer, next / previous / start over, the play button, breathing audio."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.app import create_app
from skill.config import Settings
from skill.speech import validate_ssml
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.play.helpers import PUBLIC_URL, USER, Answer, answer_from, event, with_player

pytestmark = pytest.mark.slow

Ask = Callable[[dict[str, Any]], Answer]


def env(request: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return envelope(request, user=USER, **kwargs)


def play_file(answer: Answer) -> str:
    return answer.stream["url"].removeprefix(PUBLIC_URL + "/audio/")


def test_a_surprise_comes_from_what_is_rendered(ask_library: Ask) -> None:
    answer = ask_library(
        env(
            intent(
                "MeditationIntent",
                meditation={
                    "value": "surprise me",
                    "resolutions": {
                        "resolutionsPerAuthority": [
                            {
                                "authority": "amzn1.er-authority.echo-sdk.MEDITATION",
                                "status": {"code": "ER_SUCCESS_MATCH"},
                                "values": [{"value": {"name": "surprise", "id": "surprise"}}],
                            }
                        ]
                    },
                },
            )
        )
    )
    assert answer.said[0] == "meditation/intro" and answer.play is not None
    assert play_file(answer) in {"meditations/self-compassion-break-3min.mp3", "meditations/loving-kindness-3min.mp3"}


def test_an_offered_length_near_the_asked_one_is_said_and_played(ask_library: Ask) -> None:
    answer = ask_library(env(intent("MeditationIntent", meditation="loving kindness", minutes="2")))
    assert answer.said == ["meditation/intro", "playback/subtitle"]
    assert "3 minutes" in answer.text and play_file(answer) == "meditations/loving-kindness-3min.mp3"
    assert answer.stream["token"].startswith("med:loving-kindness:3:")


def test_without_audio_player_the_clip_plays_through_ssml(
    ask_library: Ask, library: Path, store: SqlJournalStore
) -> None:
    answer = ask_library(env(intent("MeditationIntent", meditation="self compassion break"), audio=False))
    assert answer.said == ["meditation/clip"] and answer.play is None and answer.ends_session is True
    src = f"{PUBLIC_URL}/audio/clips/self-compassion-break.mp3"
    assert f'<audio src="{src}"/>' in answer.ssml and validate_ssml(answer.ssml) == []
    info = json.loads(
        subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(library / "clips" / "self-compassion-break.mp3"),
            ],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    stream = info["streams"][0]
    assert stream["codec_name"] == "mp3" and int(stream["sample_rate"]) == 24000
    assert round(int(info["format"]["bit_rate"]) / 1000) == 48 and float(info["format"]["duration"]) <= 240
    assert store.holdings(USER).practices == 1


def test_without_https_the_clip_gives_way_to_the_spoken_script(
    library: Path, settings: Settings, store: SqlJournalStore
) -> None:
    client = create_app(
        settings.replace(audio_dir=library, public_url="http://192.168.1.5:5000"), store=store
    ).test_client()
    result = client.post(
        "/alexa", json=env(intent("MeditationIntent", meditation="self compassion break"), audio=False)
    )
    answer = answer_from(result.status_code, result.headers.get("X-Kindness-Said"), result.get_json())
    assert answer.said == ["meditation/spoken"] and "<audio" not in answer.ssml
    assert validate_ssml(answer.ssml) == [] and "Welcome. Let yourself settle wherever you are." in answer.text


def test_next_and_previous_move_through_the_rendered_meditations(ask_library: Ask) -> None:
    playing = "med:self-compassion-break:3:0123456789ab"
    nxt = ask_library(with_player(env(intent("AMAZON.NextIntent")), playing, 20_000))
    assert nxt.said[0] == "playback/now_playing" and "Loving-kindness" in nxt.text
    assert nxt.stream["token"].startswith("med:loving-kindness:3:") and nxt.stream["offsetInMilliseconds"] == 0
    assert nxt.play is not None and nxt.play["playBehavior"] == "REPLACE_ALL"
    back = ask_library(with_player(env(intent("AMAZON.PreviousIntent")), nxt.stream["token"], 1000))
    assert back.stream["token"].startswith("med:self-compassion-break:3:")
    button = ask_library(with_player(env(event("PlaybackController.NextCommandIssued", playing, 5000)), playing, 5000))
    assert set(button.response) == {"directives"}  # no speech, card or reprompt
    assert button.stream["token"].startswith("med:loving-kindness:3:")


def test_start_over_is_a_new_play_from_the_beginning(ask_library: Ask) -> None:
    playing = "med:loving-kindness:3:0123456789ab"
    again = ask_library(with_player(env(intent("AMAZON.StartOverIntent")), playing, 90_000))
    token = again.stream["token"]
    assert token.startswith("med:loving-kindness:3:") and token != playing
    assert again.stream["offsetInMilliseconds"] == 0 and "outputSpeech" not in again.response


def test_the_play_button_resumes_at_the_stored_offset(ask_library: Ask) -> None:
    playing = "med:loving-kindness:3:0123456789ab"
    ask_library(env(event("AudioPlayer.PlaybackStopped", playing, 77_000)))
    button = ask_library(
        with_player(env(event("PlaybackController.PlayCommandIssued", playing, 77_000)), playing, 77_000, "STOPPED")
    )
    assert set(button.response) == {"directives"}
    assert button.stream == {
        "token": playing,
        "url": f"{PUBLIC_URL}/audio/meditations/loving-kindness-3min.mp3",
        "offsetInMilliseconds": 77_000,
    }


def test_yes_to_breathing_audio_plays_the_rendered_session(ask_library: Ask, store: SqlJournalStore) -> None:
    offer = {"offer": {"kind": "breathing_audio", "pattern": "coherent", "minutes": 2}}
    answer = ask_library(env(intent("AMAZON.YesIntent"), new=False, attributes=offer))
    assert answer.said == ["playback/breathing_intro", "playback/breathing_title", "playback/subtitle"]
    assert "coherent breathing" in answer.text.lower() and play_file(answer) == "breathing/coherent-2min.mp3"
    token = answer.stream["token"]
    assert token.startswith("breath:coherent:2:") and answer.ends_session is True and "offer" not in answer.attributes
    assert answer.play is not None and answer.play["audioItem"]["metadata"]["title"] == "Coherent breathing"
    ask_library(env(event("AudioPlayer.PlaybackStarted", token, 0)))
    ask_library(env(event("AudioPlayer.PlaybackFinished", token, 120_000)))
    saved = store.get_playback(USER)
    assert saved is not None and saved.finished and saved.token == token
    alone = ask_library(with_player(env(intent("AMAZON.NextIntent")), token, 1000))
    assert alone.said == ["playback/no_other"] and alone.play is None
