"""Levelling sentences and measuring a programme from its busy stretches: the same numbers as measuring
the whole file sample by sample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from skill.render import level, loudness, mix
from skill.render.timeline import Bell, Layout, Placed, Prosody, Speech
from skill.render.tts import EngineSpec, open_engine

RATE = 24000


def voice_like(seconds: float, seed: int) -> np.ndarray:
    """Noise shaped like a synthetic voice: sharp pulses 120 times a second over a soft body."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    body = rng.standard_normal(n) * 0.02
    pulses = np.zeros(n)
    pulses[:: RATE // 120] = 0.6
    decay = np.exp(-np.arange(48) / 6.0)
    return (body + np.convolve(pulses, decay)[:n]).astype(np.float32)


def test_true_peak_equals_four_times_oversampling_with_resample_poly() -> None:
    x = voice_like(3.0, 1)
    reference = np.maximum(np.abs(resample_poly(x.astype(np.float64), 4, 1)).reshape(-1, 4).max(axis=1), np.abs(x))
    assert np.max(np.abs(loudness.true_peak_per_sample(x, -100.0) - reference)) < 1e-6
    assert loudness.true_peak_db(x) == pytest.approx(20 * np.log10(reference.max()), abs=1e-4)


@pytest.fixture(scope="module")
def spoken() -> np.ndarray:
    """A real sentence from the default engine, prepared as the studio prepares every sentence."""
    engine = open_engine(EngineSpec())
    try:
        samples, rate = engine.synth("May you be gentle with yourself today.", Prosody(rate=0.9))
    finally:
        engine.close()  # type: ignore[attr-defined]
    return mix.prepare_speech(samples, rate, RATE)


def test_a_levelled_sentence_is_at_the_reference_with_its_peaks_under_the_level(spoken: np.ndarray) -> None:
    crest = loudness.true_peak_db(level.at_reference(spoken, RATE)) - level.REFERENCE_LUFS
    assert crest > 12  # pulses far above the loudness, as a synthetic voice has
    y = level.level_sentence(spoken, RATE, level.VOICE_PEAK_DB)
    assert level.sentence_loudness(y, RATE) == pytest.approx(level.REFERENCE_LUFS, abs=0.25)
    assert loudness.true_peak_db(y) <= level.VOICE_PEAK_DB
    relaxed = level.level_sentence(spoken, RATE, level.REFERENCE_LUFS + crest + 1)
    assert np.allclose(relaxed, level.at_reference(spoken, RATE))  # nothing to control: only scaled


def test_a_sentence_shorter_than_a_gating_block_is_levelled_by_its_power(spoken: np.ndarray) -> None:
    short = spoken[: int(0.3 * RATE)]
    assert loudness.block_count(short.size, RATE) < 1
    y = level.level_sentence(short, RATE, level.VOICE_PEAK_DB)
    assert level.sentence_loudness(y, RATE) == pytest.approx(level.REFERENCE_LUFS, abs=0.25)
    assert loudness.true_peak_db(y) <= level.VOICE_PEAK_DB


def programme(bed: bool) -> mix.Programme:
    first, second = Speech("One."), Speech("Two.")
    sentences = {
        first: level.at_reference(voice_like(2.2, 4), RATE),
        second: level.at_reference(voice_like(3.1, 5), RATE),
    }
    events = (
        Placed(0, Bell("open"), 9000),
        Placed(4500, first, 2200),
        Placed(31_000, second, 3100),
        Placed(52_000, first, 2200),
        Placed(70_000, Bell("close"), 9000),
    )
    return mix.build(Layout(events, 79_000), sentences, RATE, bed=bed)


@pytest.mark.parametrize("bed", [True, False])
def test_measuring_busy_stretches_gives_the_whole_programmes_loudness_and_peak(bed: bool) -> None:
    prog = programme(bed)
    whole = np.concatenate(list(prog.chunks(1.0, size=10_000)))
    assert whole.size == prog.total
    assert np.array_equal(whole, prog.render(0, prog.total))
    found = level.measure(prog)
    assert found.lufs == pytest.approx(loudness.integrated(whole, RATE), abs=0.02)
    assert found.true_peak_db == pytest.approx(loudness.true_peak_db(whole), abs=0.01)
    quiet = level.measure(prog, decoded=whole * 0.5, gain=0.5)  # the same file, 6 dB down
    assert quiet.lufs == pytest.approx(found.lufs - 6.02, abs=0.02)


def test_the_bed_fades_in_and_out_and_sits_under_the_voice() -> None:
    prog = programme(True)
    assert prog.bed is not None
    fade = prog.bed_envelope(np.array([0, prog.bed_fade // 2, prog.bed_fade, prog.total // 2, prog.total]))
    assert fade.tolist() == pytest.approx([0.0, 0.5, 1.0, 1.0, 0.0])
    voice_rms = np.sqrt(np.mean(prog.render(31 * RATE, 34 * RATE) ** 2))
    bed_rms = np.sqrt(np.mean(prog.render(40 * RATE, 50 * RATE) ** 2))
    assert 20 * np.log10(voice_rms / bed_rms) >= 20
