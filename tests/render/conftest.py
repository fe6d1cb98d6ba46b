"""Render a small real library once per session and share it (short lengths keep it quick)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from skill.config import PROJECT_ROOT
from skill.library import Library
from skill.render.pipeline import RenderOptions, RenderReport, render

TEMPLATES = PROJECT_ROOT / "templates"

TINY = """{#---
title: Tiny
description: A one-minute test meditation.
theme: kindness
lengths: [1]
---#}
<prosody rate="90%">
Hello, and welcome. Let yourself settle for a moment, just as you are.
<break time="4s"/>
Breathe in slowly, and out again. Notice the air moving in, and the air moving out.
<break time="6s"/>
May you be well today. May you be kind to yourself, whatever the day brings.
</prosody>
"""


@dataclass
class Rendered:
    out: Path
    cache: Path
    library: Library
    reports: list[RenderReport]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The 3-minute self-compassion break (long-form MP3 + WAV) and its speaker clip, and two breathing
    sessions (4-7-8 for one minute, cyclic sighing for two), rendered with the default engine."""
    out = tmp_path_factory.mktemp("library")
    cache = tmp_path_factory.mktemp("cache")
    reports = []
    for only, length, wav in (("self-compassion-break", 3, True), ("4-7-8", 1, False), ("cyclic-sigh", 2, False)):
        options = RenderOptions(
            out_dir=out, templates_dir=TEMPLATES, only=only, length=length, wav=wav, jobs=2, cache_dir=cache
        )
        reports.append(render(options))
    return Rendered(out, cache, Library(out), reports)


@pytest.fixture
def tiny_templates(tmp_path: Path) -> Path:
    """A copy of the templates with a one-minute meditation ``tiny`` added."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    (root / "meditations" / "tiny.ssml.j2").write_text(TINY)
    return root


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KINDNESS_AUDIO_DIR", raising=False)
    yield


# ---- independent measurements (ffmpeg / ffprobe, not the studio's own code) -------------------------


def ffprobe(path: Path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures the file."""
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    integrated = float(summary.split("I:")[1].split("LUFS")[0])
    peak = float(summary.split("Peak:")[1].split("dBFS")[0])
    return integrated, peak


def decode(path: Path, rate: int = 24000) -> np.ndarray:
    """The file decoded by ffmpeg to mono float samples at ``rate``."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.float64) / 32768.0
