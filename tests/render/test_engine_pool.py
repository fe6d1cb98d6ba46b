"""The speech engines' worker processes: hung engines replaced, unused ones stopped, numerics on one thread."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from skill.render.pipeline import one_numeric_thread
from skill.render.timeline import Prosody
from skill.render.tts import EnginePool, EngineSpec

pytestmark = pytest.mark.slow

SENTENCES = [
    ("first", "Let yourself settle for a moment.", Prosody()),
    ("second", "Breathe in slowly, and out again.", Prosody(rate=0.9)),
    ("third", "May you be kind to yourself today.", Prosody()),
]


def _gone(process: object, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while process.is_alive():  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_hung_engine_is_replaced_and_every_sentence_still_arrives() -> None:
    with EnginePool(EngineSpec("pyttsx3"), jobs=1, timeout=3.0) as pool:
        pool.start()
        hung = pool._workers[0].process
        os.kill(hung.pid, signal.SIGSTOP)  # an engine that stops answering, as pyttsx3 sometimes does
        try:
            results = {r.key: r for r in pool.synthesise(SENTENCES)}
        finally:
            if hung.is_alive():
                os.kill(hung.pid, signal.SIGCONT)
        assert sorted(results) == ["first", "second", "third"]
        for result in results.values():
            assert result.samples.size > result.rate // 4  # at least a quarter second of speech
            assert float(np.max(np.abs(result.samples))) > 0.05
        assert _gone(hung)
        workers = [w.process for w in pool._workers]
    assert all(_gone(p) for p in workers)


def test_after_one_replacement_a_spare_engine_stands_ready_for_the_next() -> None:
    with EnginePool(EngineSpec("pyttsx3"), jobs=1, timeout=3.0) as pool:
        pool.start()
        hung = []
        for batch in (SENTENCES[:1], SENTENCES[1:]):
            worker = pool._workers[0].process
            os.kill(worker.pid, signal.SIGSTOP)
            hung.append(worker)
            results = list(pool.synthesise(batch))
            assert sorted(r.key for r in results) == sorted(key for key, _, _ in batch)
            assert all(r.samples.size > r.rate // 4 for r in results)
            assert pool._spare is not None  # launched as soon as a worker needed replacing
        spare = pool._spare[0]
        assert all(_gone(p) for p in hung)
    assert _gone(spare)  # an unused spare is stopped with the pool


def test_engines_launched_but_never_used_are_stopped_on_close() -> None:
    pool = EnginePool(EngineSpec("pyttsx3"), jobs=2)
    pool.launch(2)
    launched = [process for process, _ in pool._starting]
    assert len(launched) == 2
    scratch = pool._scratch
    assert scratch is not None
    time.sleep(0.3)  # the engines are loading, and about to make their temporary folders in it
    pool.close()
    assert all(_gone(p) for p in launched)
    time.sleep(0.5)
    assert not scratch.exists()  # nothing an engine made while it was being stopped is left behind


def test_a_render_keeps_numpy_to_one_blas_thread_and_gives_the_setting_back() -> None:
    def blas_threads() -> list[int]:
        return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]

    before = blas_threads()
    assert before, "numpy's BLAS library should be loaded"
    limits = one_numeric_thread()
    try:
        assert blas_threads() == [1] * len(before)
    finally:
        limits.restore_original_limits()
    assert blas_threads() == before


def test_a_new_scratch_folder_clears_what_dead_processes_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import tempfile

    from skill.render.tts import SCRATCH_PREFIX, scratch_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    orphan = tmp_path / f"{SCRATCH_PREFIX}{gone.pid}-abc"  # a render killed with SIGKILL left this
    (orphan / "kindness-tts-worker").mkdir(parents=True)
    (orphan / "kindness-tts-worker" / "sentence.wav").write_bytes(b"RIFF")
    live = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-def"  # a render still running
    live.mkdir()
    unnamed = tmp_path / f"{SCRATCH_PREFIX}xyz"  # no process named: left alone
    unnamed.mkdir()
    elsewhere = tmp_path / "not-ours"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("keep")
    (tmp_path / f"{SCRATCH_PREFIX}{gone.pid}-link").symlink_to(elsewhere)

    made = scratch_folder()

    assert made.parent == tmp_path and made.name.startswith(f"{SCRATCH_PREFIX}{os.getpid()}-")
    assert not orphan.exists()
    assert live.is_dir() and unnamed.is_dir()
    assert (elsewhere / "keep.txt").read_text() == "keep"  # a link is never followed
