"""The studio as a person runs it: the cache, re-renders, interruptions, engines and their errors."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skill.library import Library
from skill.render.encode import PROFILES, EncodeError, encode, pcm_chunks
from skill.render.pipeline import RenderOptions, render
from skill.render.tts import EngineError, EngineSpec
from tests.render.conftest import ebur128, ffprobe

pytestmark = pytest.mark.slow
PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]


def tiny_options(templates: Path, out: Path, **over: object) -> RenderOptions:
    values: dict[str, object] = dict(out_dir=out, templates_dir=templates, only="tiny", jobs=1)
    values.update(over)
    return RenderOptions(**values)  # type: ignore[arg-type]


def test_cache_reuses_sentences_and_a_changed_sentence_is_spoken_alone(tiny_templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "audio"
    first = render(tiny_options(tiny_templates, out))
    assert (first.synthesised, first.reused, first.rendered) == (6, 0, ["meditations/tiny-1min.mp3"])
    before = json.loads((out / "manifest.json").read_text())[0]

    again = render(tiny_options(tiny_templates, out))
    assert (again.synthesised, again.rendered, again.skipped) == (0, [], 1)
    assert json.loads((out / "manifest.json").read_text())[0] == before

    script = tiny_templates / "meditations" / "tiny.ssml.j2"
    script.write_text(script.read_text().replace("May you be well today.", "May you be at ease today."))
    changed = render(tiny_options(tiny_templates, out))
    assert (changed.synthesised, changed.reused, changed.rendered) == (1, 5, ["meditations/tiny-1min.mp3"])
    after = json.loads((out / "manifest.json").read_text())[0]
    assert after["sha256"] != before["sha256"]
    assert "May you be at ease today." in (out / after["captions"]).read_text()

    # --missing renders only what the manifest lacks: the file exists, so nothing is done
    script.write_text(script.read_text().replace("at ease", "content"))
    missing = render(tiny_options(tiny_templates, out, missing=True))
    assert (missing.synthesised, missing.rendered) == (0, [])


def test_cli_renders_with_progress_and_a_no_change_rerun_does_nothing(tiny_templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "audio"
    command = [PYTHON, "-m", "skill.cli", "render", "--out", str(out), "--templates", str(tiny_templates)]
    command += ["--only", "tiny", "--jobs", "2"]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "1 files" in first.stderr and "left]" in first.stderr  # the bar shows files and time left
    assert "1 file rendered" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert second.returncode == 0
    assert "0 files rendered, 1 up to date; 0 sentences spoken" in second.stderr
    unknown = subprocess.run(command[:-4] + ["--only", "nothing-like-this"], capture_output=True, text=True, cwd=ROOT)
    assert unknown.returncode == 2
    assert "nothing in the library is called 'nothing-like-this'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_an_encode_interrupted_midway_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "meditations" / "x.mp3"

    def chunks():
        samples = (np.sin(np.arange(24000 * 30) * 0.05) * 0.3).astype(np.float32)
        for i, chunk in enumerate(pcm_chunks(samples)):
            if i == 5:
                raise KeyboardInterrupt
            yield chunk

    with pytest.raises(KeyboardInterrupt):
        encode(chunks(), 24000, PROFILES["longform"], target)
    assert list(tmp_path.rglob("*")) == [tmp_path / "meditations"]
    with pytest.raises(EncodeError, match="the clip profile allows 240"):
        encode(iter([b""]), 24000, PROFILES["clip"], tmp_path / "long.mp3", seconds=241)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_render_leaves_no_partial_file(tiny_templates: Path, tmp_path: Path, sig: int) -> None:
    out = tmp_path / "audio"
    command = [PYTHON, "-m", "skill.cli", "render", "--out", str(out), "--templates", str(tiny_templates)]
    process = subprocess.Popen(
        [*command, "--only", "tiny", "--jobs", "1", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.rglob(".*.part")):
        time.sleep(0.002)
    assert list(out.rglob(".*.part")), "the render never started encoding"
    os.killpg(process.pid, sig)
    process.wait(30)
    final = out / "meditations" / "tiny-1min.mp3"
    assert not final.exists()
    assert Library(out).entries() == []
    if sig == signal.SIGTERM:
        assert list(out.rglob(".*.part")) == []  # cleaned up on the way out
    # the next render removes anything a hard kill left and finishes the file
    report = render(tiny_options(tiny_templates, out))
    assert report.rendered == ["meditations/tiny-1min.mp3"]
    assert list(out.rglob(".*.part")) == []


def run_snippet(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_missing_piper_engine_is_a_clear_error_naming_the_fix(tmp_path: Path) -> None:
    # Python's documented way to make a module unimportable, as if the neural extra were not installed
    result = run_snippet(
        "import sys; sys.modules['piper_onnx'] = None\n"
        "from skill.render.cli import main\n"
        f"sys.exit(main(['--out', {str(tmp_path)!r}, '--only', '4-7-8', '--engine', 'piper', '--quiet']))"
    )
    assert result.returncode == 2
    assert "the piper engine is not installed" in result.stderr
    assert "pip install -e '.[neural]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match=r"piper voice file .*nowhere.onnx is missing"):
        render(RenderOptions(tmp_path, ROOT / "templates", EngineSpec("piper", "/nowhere.onnx"), only="4-7-8"))
    with pytest.raises(EngineError, match="pyttsx3 has no voice 'no-such-voice'"):
        render(RenderOptions(tmp_path, ROOT / "templates", EngineSpec("pyttsx3", "no-such-voice"), only="4-7-8"))
    with pytest.raises(EngineError, match="unknown TTS engine 'festival'"):
        EngineSpec("festival")
    assert not (tmp_path / "manifest.json").exists()


def test_piper_renders_a_meditation(tiny_templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "audio"
    report = render(tiny_options(tiny_templates, out, engine=EngineSpec("piper")))
    assert report.synthesised == 6
    entry = Library(out).find("meditation", "tiny", 1)
    assert entry is not None
    stream = ffprobe(out / entry.file)["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("mp3", "24000", 1)
    integrated, peak = ebur128(out / entry.file)
    assert -14.5 <= integrated <= -13.5 and peak <= -2.0
    assert abs(entry.duration_ms - 60_000) <= 60_000 * 0.03


SPARSE = """{#---
title: Sparse
description: One word in a minute of bells and quiet.
theme: kindness
lengths: [1]
---#}
Rest.
"""


def test_a_file_too_sparse_for_the_target_is_played_softer_never_over_the_peak(
    tiny_templates: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tiny_templates / "meditations" / "sparse.ssml.j2").write_text(SPARSE)
    out = tmp_path / "audio"
    with caplog.at_level(logging.WARNING, logger="skill.render.pipeline"):
        render(tiny_options(tiny_templates, out, only="sparse"))
    assert any("too sparse to reach -14 LUFS" in r.getMessage() for r in caplog.records)
    entry = Library(out).find("meditation", "sparse", 1)
    assert entry is not None
    integrated, peak = ebur128(out / entry.file)
    assert integrated < -14.5 and peak <= -2.0
