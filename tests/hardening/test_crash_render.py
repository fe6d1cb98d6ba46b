"""kill -9 `kindness render` while it speaks and while it writes a file: nothing half-made is left in
the library, and the next render resumes from the cache (asserted on the cache's files, not on time)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from skill.library import Library
from skill.render.tts import SCRATCH_PREFIX

MEDITATION = "body-scan"
LENGTH = "10"  # long enough that writing the MP3 takes a few seconds
FILE = f"meditations/{MEDITATION}-{LENGTH}min.mp3"
DEADLINE_S = 180.0


def command(out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "skill.cli",
        "render",
        "--out",
        str(out),
        "--only",
        MEDITATION,
        "--length",
        LENGTH,
        "--jobs",
        "1",
        "--quiet",
    ]


def engine_env(out: Path) -> dict[str, str]:
    """The environment for a render whose speech engines keep their temporary files beside ``out``."""
    scratch = out.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(scratch)}


def cached_sentences(out: Path) -> dict[Path, tuple[int, int]]:
    """Every synthesised sentence in the cache: path -> (inode, mtime in ns)."""
    found = {}
    for path in (out / ".cache" / "tts").rglob("*.wav"):
        stat = path.stat()
        found[path] = (stat.st_ino, stat.st_mtime_ns)
    return found


def partial_files(out: Path) -> list[Path]:
    """Temporary files in the library (the cache's own temporary files are not part of it)."""
    cache = out / ".cache"
    return sorted(
        p for p in out.rglob("*") if p.is_file() and p.name.endswith((".part", ".tmp")) and cache not in p.parents
    )


def render_until(out: Path, moment: Callable[[], bool]) -> None:
    """Run a render and SIGKILL it (and its engine workers) as soon as ``moment()`` is true."""
    proc = subprocess.Popen(
        command(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=engine_env(out)
    )
    deadline = time.monotonic() + DEADLINE_S
    try:
        while not moment():
            if proc.poll() is not None:
                stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"the render ended (code {proc.returncode}) before the moment to kill it:\n{stderr}")
            if time.monotonic() > deadline:
                pytest.fail("the moment to kill the render never came")
            time.sleep(0.002)
    finally:
        with_group = proc.poll() is None
        if with_group:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def library_has_no_trace_of_the_file(out: Path) -> None:
    assert not (out / FILE).exists(), "a half-written file sits under its final name"
    manifest = out / "manifest.json"
    if manifest.exists():
        assert FILE not in {e["file"] for e in json.loads(manifest.read_text())}
    assert Library(out).find("meditation", MEDITATION, int(LENGTH)) is None


def every_cached_sentence_is_whole(out: Path) -> None:
    for path in cached_sentences(out):
        with wave.open(str(path)) as sound:
            assert sound.getnframes() > 0, path


@pytest.mark.slow
def test_a_killed_render_leaves_no_partial_file_and_the_next_one_resumes_from_the_cache(tmp_path: Path) -> None:
    out = tmp_path / "audio"

    # 1. killed while speaking: as soon as the first sentence is in the cache
    render_until(out, lambda: len(cached_sentences(out)) >= 1)
    scratch, ours = out.parent / "tmp", f"{SCRATCH_PREFIX}*"
    assert list(scratch.glob(ours)), "killed while speaking, the render could not remove its engines' folder"
    library_has_no_trace_of_the_file(out)
    every_cached_sentence_is_whole(out)
    spoken_first = cached_sentences(out)

    # 2. killed while writing the MP3 (its temporary part file exists)
    render_until(out, lambda: any(p.suffix == ".part" for p in out.rglob(".*.part")))
    library_has_no_trace_of_the_file(out)
    every_cached_sentence_is_whole(out)
    spoken_second = cached_sentences(out)
    for path, identity in spoken_first.items():
        assert spoken_second.get(path) == identity, f"{path.name} was spoken again instead of reused"
    print(f"render: {len(spoken_first)} sentences spoken before the first kill, {len(spoken_second)} in all")
    assert partial_files(out), "the kill should have caught the MP3 being written"

    # 3. the next render finishes the file from the cache: no sentence is spoken again
    done = subprocess.run(
        command(out), capture_output=True, text=True, timeout=DEADLINE_S, check=False, env=engine_env(out)
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # (multiprocessing's own pymp-* folders of a killed render stay: nothing names their process)
    assert list(scratch.glob(ours)) == [], "the killed renders' engine folders were left behind"
    assert cached_sentences(out) == spoken_second, "the resumed render spoke sentences the cache held"
    assert partial_files(out) == [], "temporary part files were left behind"
    entry = Library(out).find("meditation", MEDITATION, int(LENGTH))
    assert entry is not None and entry.file == FILE
    assert hashlib.sha256((out / FILE).read_bytes()).hexdigest() == entry.sha256
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(out / FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert abs(float(probe.stdout.strip()) * 1000 - entry.duration_ms) < 1000


@pytest.mark.slow
def test_a_finished_render_leaves_no_temporary_files_of_its_speech_engine(tmp_path: Path) -> None:
    """Each engine worker speaks into a temporary folder: it must be gone when the render ends."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "audio"
    done = subprocess.run(
        [sys.executable, "-m", "skill.cli", "render", "--out", str(out), "--only", "4-7-8", "--length", "1"]
        + ["--jobs", "1", "--quiet"],
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(cached_sentences(out)) > 0
    assert list(scratch.iterdir()) == [], "the engine workers left their temporary files behind"
