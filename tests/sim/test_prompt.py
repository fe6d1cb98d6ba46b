"""The interactive prompt (history, :help, :quit) and the local player used by --play."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from skill.config import Settings
from skill.sim import cli
from skill.sim.outputs import LocalPlayer


def test_prompt_answers_keeps_history_and_ends_the_session_on_quit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("open inner kindness\n:help\n:state\n:quit\nhelp\n"))
    out = io.StringIO()
    assert cli.main(["--json"], out=out, settings=settings) == 0
    lines = out.getvalue().splitlines()
    # --json: the launch, then the SessionEndedRequest sent when the person leaves an open session
    types = [json.loads(line)["request"]["request"]["type"] for line in lines]
    assert types == ["LaunchRequest", "SessionEndedRequest"]
    assert json.loads(lines[1])["request"]["request"]["reason"] == "USER_INITIATED"
    history = (settings.data_dir / "sim_history").read_text()
    assert "open inner kindness" in history and ":quit" in history


def test_prompt_from_a_pipe_shows_banner_help_and_answers(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("open inner kindness\n:help\n"))
    out = io.StringIO()
    assert cli.main([], out=out, settings=settings) == 0  # end of input leaves like :quit
    text = out.getvalue()
    assert text.startswith("Inner Kindness simulator.")
    assert "alexa › Welcome" in text or "alexa › " in text
    assert "you › open inner kindness" in text  # not a terminal: what was read is shown with its answer
    assert ":wait 90s" in text


def test_player_says_where_the_file_is_when_it_cannot_play(tmp_path: Path) -> None:
    player = LocalPlayer()
    line = player.play(None, "https://x/audio/meditations/a.mp3", 600_000)
    assert line == "(not rendered here: https://x/audio/meditations/a.mp3, 600 s)"
    player.command = (None, [])
    clip = tmp_path / "a.mp3"
    clip.write_bytes(b"ID3")
    assert player.play(clip, "https://x/audio/a.mp3", None) == f"(no local player: {clip}, length unknown)"


@pytest.mark.skipif(shutil.which("ffplay") is None or shutil.which("ffmpeg") is None, reason="needs ffplay")
def test_player_plays_a_real_file_in_the_background_and_stops_it(tmp_path: Path) -> None:
    clip = tmp_path / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=30", str(clip)],
        check=True,
    )
    player = LocalPlayer()
    line = player.play(clip, "https://x/audio/tone.wav", 30_000)
    assert line.startswith(f"(playing {clip} with ffplay")
    process = player.process
    assert process is not None and process.poll() is None
    player.stop()
    assert process.poll() is not None and player.process is None
