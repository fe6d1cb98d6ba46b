"""Stage 4: the voice levelled sentence by sentence, and the programme measured for its one final gain.

A synthetic voice has sharp glottal pulses (twelve or more dB from peak to loudness), and a slow
meditation with long rests gates to a lower integrated loudness than its sentences, so -14 LUFS with
the true peak under the ceiling needs real peak control. Every sentence is brought to the reference
loudness with its true peak at :data:`VOICE_PEAK_DB` — its pulse tips rounded off on the oversampled
signal, what is left limited — once per sentence (the result is cached), so the voice sounds the same in
every file. The programme is then measured and one gain brings it to the target (a programme too
sparse for that has its sentences levelled again with lower peaks).

Measuring a programme does not filter the whole file: wherever a sentence or a bell sounds, the BS.1770
block powers are computed exactly (with half a second of the real signal before each stretch for the
K-filter to settle); in the rests, where only the bed plays, each block's power comes from the bed loop's
K-weighted power over the same stretch of the loop, times its fade. Gating then runs on all blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import resample_poly

from skill.render import loudness
from skill.render.mix import Programme

REFERENCE_LUFS = loudness.TARGET_LUFS  # every sentence's own loudness before the final gain
# every sentence's true peak after levelling: 7 dB over its loudness leaves room for the gain of a
# sparse programme (its rests gate it under its sentences) under the encoders' ceilings
VOICE_PEAK_DB = REFERENCE_LUFS + 7.0
MAKE_UP_STRIDE = 7  # every 7th oversampled sample (a stride prime to 4 visits every phase)
LOWEST_PEAK_DB = REFERENCE_LUFS + 5.0  # below this the pulses of a voice turn to buzz
PEAK_STEP_DB = 0.25  # lower peak levels come in whole steps, so their levelled sentences are shared


def peak_step(peak_db: float) -> float:
    """``peak_db`` rounded down to a whole step."""
    return math.floor(round(peak_db / PEAK_STEP_DB, 6)) * PEAK_STEP_DB


WARM_UP_S = 0.5


def sentence_loudness(x: np.ndarray, rate: int) -> float:
    """A sentence's loudness: gated as BS.1770 when it lasts a block or more, else its mean power."""
    weighted = loudness.k_weighted(x, rate)
    if loudness.block_count(x.size, rate) >= 1:
        return loudness.gated_loudness(weighted, rate)
    power = float(np.mean(weighted**2)) if weighted.size else 0.0
    return -0.691 + 10 * math.log10(power) if power > 0 else float("-inf")


def at_reference(x: np.ndarray, rate: int) -> np.ndarray:
    """The sentence scaled to the reference loudness, its peaks untouched."""
    level = sentence_loudness(x, rate)
    if not math.isfinite(level):
        return x
    return (x * 10 ** ((REFERENCE_LUFS - level) / 20)).astype(np.float32)


def level_sentence(x: np.ndarray, rate: int, peak_db: float) -> np.ndarray:
    """The sentence at the reference loudness with its true peak at or below ``peak_db`` (dBTP).

    Its pulse tips are rounded off on the signal oversampled four times, with a make-up gain before the
    clipper found by a secant search on the oversampled signal's power (peak control takes loudness
    away); then back at the sentence's rate, set to the reference exactly and limited.
    """
    y = at_reference(x, rate)
    if loudness.true_peak_db(y) <= peak_db:
        return y
    up = resample_poly(y.astype(np.float64), loudness.OVERSAMPLE, 1)
    sample = np.abs(up[::MAKE_UP_STRIDE])  # enough to find the make-up gain to a few hundredths of a dB
    clip_db = peak_db - 0.4
    shaped = loudness.soft_clip(up * 10 ** (_make_up_gain(sample, clip_db) / 20), clip_db)
    out = resample_poly(shaped, 1, loudness.OVERSAMPLE)[: y.size]
    out = out * 10 ** ((REFERENCE_LUFS - sentence_loudness(out, rate)) / 20)
    return loudness.limit(out.astype(np.float32), rate, peak_db - 0.05, 5.0)[0].astype(np.float32)


def _make_up_gain(magnitude: np.ndarray, clip_db: float) -> float:
    """The gain (dB) before a soft clip at ``clip_db`` that keeps the power of a signal (its magnitudes)."""
    ceiling = 10 ** (clip_db / 20)
    knee = ceiling * 10 ** (-loudness.SOFT_KNEE_DB / 20)
    loudest = np.sort(magnitude)[::-1]
    energy_above = np.concatenate(([0.0], np.cumsum(loudest * loudest)))  # of the n loudest samples
    energy = float(energy_above[-1])

    def lost_db(gain_db: float) -> float:
        gain = 10 ** (gain_db / 20)
        shaved_count = int(np.searchsorted(-loudest * gain, -knee))  # only these samples change
        over = loudest[:shaved_count] * gain
        shaved = knee + (ceiling - knee) * np.tanh((over - knee) / (ceiling - knee))
        kept = gain * gain * (energy - float(energy_above[shaved_count])) + float(np.dot(shaved, shaved))
        return 10 * math.log10(energy / max(kept, 1e-30))

    gain, slope = 0.0, 0.5
    lost = lost_db(gain)
    for _ in range(12):
        if abs(lost) < 0.03:
            break
        step = float(np.clip(lost / slope, -6.0, 6.0))
        now = lost_db(gain + step)
        slope = float(np.clip((lost - now) / step, 0.05, 1.0))
        gain, lost = gain + step, now
    return gain


@dataclass(frozen=True)
class Measure:
    lufs: float  # integrated loudness
    true_peak_db: float  # highest true peak


def _bed_block_powers(programme: Programme, starts: np.ndarray, block: int) -> np.ndarray:
    if programme.bed is None:
        return np.zeros(starts.size)
    period = programme.bed.size
    steady = loudness.k_weighted(np.tile(programme.bed, 3), programme.rate)[2 * period :]
    energy = np.concatenate(([0.0], np.cumsum(np.tile(steady**2, 2))))
    where = starts % period
    power = (energy[where + block] - energy[where]) / block
    return np.asarray(power * programme.bed_envelope(starts + block // 2) ** 2)


def measure(programme: Programme, decoded: np.ndarray | None = None, gain: float = 1.0, peaks: bool = True) -> Measure:
    """Integrated loudness and true peak of ``programme`` — or of ``decoded``, the same programme as it
    came back from the encoder after the final ``gain`` (the bed's blocks are then scaled by it).
    With ``peaks`` false the true peak is not measured (reported as -inf)."""
    rate, total = programme.rate, programme.total
    if decoded is not None:
        total = min(total, decoded.size)
    count = loudness.block_count(total, rate)
    if count < 1:
        raise ValueError("too short to measure loudness (under 400 ms)")
    hop, block = round(loudness.block_hop(rate)), round(loudness.BLOCK_S * rate)
    starts = np.arange(count, dtype=np.int64) * hop
    z = _bed_block_powers(programme, starts, block) * gain * gain
    peak = float(np.max(np.abs(programme.bed))) * gain if programme.bed is not None else 0.0
    peak_db = 20 * math.log10(peak) if peak > 0 else float("-inf")
    warm = int(WARM_UP_S * rate)
    for a, b in programme.busy_spans(pad=block):
        b = min(b, total)
        first = -(-a // hop)
        last = count - 1 if b >= total else (b - block) // hop
        if last < first:
            continue
        s0, s1 = max(0, first * hop - warm), min(total, last * hop + block)
        x = programme.render(s0, s1) if decoded is None else decoded[s0:s1]
        z[first : last + 1] = loudness.block_powers(loudness.k_weighted(x, rate), rate, first, last - first + 1, s0)
        if peaks:
            peak_db = max(peak_db, loudness.true_peak_db(x))
    return Measure(loudness.gate(z), peak_db)


def encoded(programme: Programme, gain: float, decoded: np.ndarray, whole: Measure) -> Measure:
    """What a file encoded from ``programme`` times ``gain`` measures, from ``decoded``: the whole file
    decoded, or its opening stretch.

    From an opening stretch, the encoder's effect there (the loudness it lost, the overshoot it added to
    the peaks) is carried over to the whole programme, whose own measure (at unit gain) is ``whole``.
    """
    if decoded.size >= programme.total - programme.rate // 10:
        return measure(programme, decoded, gain)
    before = programme.render(0, decoded.size) * np.float32(gain)
    whole_lufs = whole.lufs + 20 * math.log10(gain)
    lost = loudness.integrated(before, programme.rate) - loudness.integrated(decoded, programme.rate)
    decoded_peak = loudness.true_peak_db(decoded)
    overshoot = max(0.0, decoded_peak - loudness.true_peak_db(before))
    peak = max(decoded_peak, whole.true_peak_db + 20 * math.log10(gain) + overshoot)
    return Measure(whole_lufs - lost, peak)
