"""`kindness bench render` on a one-file library: every figure present and consistent with the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_bench_render_reports_ratio_speed_up_and_re_render_from_its_own_runs() -> None:
    command = [sys.executable, "-m", "skill.cli", "bench", "render", "--only", "box", "--lengths", "2"]
    command += ["--repeat", "2", "--json", "--check"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])  # stdout holds nothing but the figures
    assert figures["files"] == 1
    assert figures["runs"] == 2
    assert len(figures["render_jobs1_runs_s"]) == len(figures["render_jobs2_runs_s"]) == 2
    assert figures["render_jobs1_s"] == min(figures["render_jobs1_runs_s"])
    assert figures["render_jobs2_s"] == min(figures["render_jobs2_runs_s"])
    baseline = figures["raw_tts_s"] + figures["ffmpeg_encode_s"]
    assert figures["raw_tts_s"] > 0 and figures["ffmpeg_encode_s"] > 0
    assert figures["ratio_jobs1"] == pytest.approx(figures["render_jobs1_s"] / baseline, rel=0.02)
    assert figures["speedup_jobs2"] == pytest.approx(figures["render_jobs1_s"] / figures["render_jobs2_s"], rel=0.02)
    assert 0 < figures["noop_rerender_in_process_s"] < figures["render_jobs1_s"]
    assert figures["noop_rerender_s"] is not None
    assert "wav" not in figures["stages_jobs1_s"]  # the timed render writes no WAV copies
    compliance = figures["compliance"]
    assert compliance["files_checked"] == 1
    assert -14.5 <= compliance["lufs_min"] <= compliance["lufs_max"] <= -13.5
    assert compliance["true_peak_max_dbtp"] <= -2.0


def test_bench_render_refuses_a_repeat_count_out_of_range() -> None:
    command = [sys.executable, "-m", "skill.cli", "bench", "render", "--only", "box", "--repeat", "0"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert "--repeat must be 1..10" in done.stderr
    assert "Traceback" not in done.stderr
