"""Stage 4: BS.1770 loudness to -14 LUFS integrated, with the true peak at or below the ceiling.

Loudness uses pyloudnorm's BS.1770 K-weighting filters with the standard gating (400 ms blocks, 75 %
overlap, -70 LUFS absolute and -10 LU relative gates) computed on whole arrays: the same number as
``pyloudnorm.Meter.integrated_loudness`` (a test holds them together) without its per-block Python loop,
which matters for twenty-minute files. True peak is measured on the signal oversampled four times.
Speech is peak-controlled sentence by sentence before the mix (:func:`control_peaks`), so the final
gain rarely needs the limiter; when it does, a look-ahead limiter lowers only the moments over the
ceiling and loudness is measured again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

TARGET_LUFS = -14.0
TRUE_PEAK_CEILING_DB = -3.0  # 1 dB below Amazon's -2 dBTP: MP3 encoding adds a little overshoot
OVERSAMPLE = 4
BLOCK_S, OVERLAP = 0.4, 0.75
ABSOLUTE_GATE, RELATIVE_GATE = -70.0, -10.0


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_db: float
    gain_db: float
    limited_ms: int


def k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    """``x`` through pyloudnorm's BS.1770 K-weighting filter stages."""
    y = np.asarray(x, dtype=np.float64)
    for stage in pyloudnorm.Meter(rate)._filters.values():
        y = stage.apply_filter(y)
    return y


def gated_loudness(weighted: np.ndarray, rate: int, gain: float = 1.0) -> float:
    """Integrated loudness (LUFS) of a K-weighted mono signal scaled by ``gain``; -inf when silent."""
    block = BLOCK_S * rate
    count = int(np.round((weighted.size / rate - BLOCK_S) / (BLOCK_S * (1 - OVERLAP)))) + 1
    if count < 1:
        raise ValueError("too short to measure loudness (under 400 ms)")
    j = np.arange(count)
    lower = (BLOCK_S * (j * (1 - OVERLAP)) * rate).astype(np.int64)
    upper = (BLOCK_S * (j * (1 - OVERLAP) + 1) * rate).astype(np.int64)
    power = np.concatenate(([0.0], np.cumsum(weighted * weighted)))
    z = (power[np.minimum(upper, weighted.size)] - power[lower]) / block * gain * gain
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(z)
    above = z[level >= ABSOLUTE_GATE]
    if above.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(np.mean(above)) + RELATIVE_GATE
    gated = z[(level > relative) & (level > ABSOLUTE_GATE)]
    return float(-0.691 + 10 * np.log10(np.mean(gated))) if gated.size else float("-inf")


def integrated(x: np.ndarray, rate: int) -> float:
    """Integrated loudness of ``x`` in LUFS (BS.1770-4)."""
    return gated_loudness(k_weighted(x, rate), rate)


def _runs(mask_index: np.ndarray, size: int, pad: int) -> list[tuple[int, int]]:
    if mask_index.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(mask_index) > 2 * pad)
    starts = np.maximum(0, np.concatenate(([mask_index[0]], mask_index[breaks + 1])) - pad)
    ends = np.minimum(size, np.concatenate((mask_index[breaks], [mask_index[-1]])) + pad + 1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def true_peak_per_sample(x: np.ndarray, floor_db: float) -> np.ndarray:
    """Each sample's 4x-oversampled peak magnitude; exact wherever it could reach ``floor_db``.

    Only the loud stretches (with a margin wider than the interpolation filter) are oversampled, in one
    pass over their concatenation.
    """
    peaks = np.abs(x).astype(np.float32)
    threshold = 10 ** ((floor_db - 4.0) / 20)  # inter-sample peaks rise at most ~3 dB above the samples
    runs = _runs(np.flatnonzero(peaks >= threshold), x.size, pad=64)
    if runs:
        index = np.concatenate([np.arange(s, e) for s, e in runs])
        up = resample_poly(x[index].astype(np.float64), OVERSAMPLE, 1)
        block = np.abs(up[: index.size * OVERSAMPLE]).reshape(-1, OVERSAMPLE).max(axis=1)
        peaks[index] = np.maximum(peaks[index], block)
    return peaks


def true_peak_db(x: np.ndarray) -> float:
    """The signal's true peak in dBTP (4x oversampled)."""
    sample_peak = float(np.max(np.abs(x))) if x.size else 0.0
    peak = float(np.max(true_peak_per_sample(x, floor_db=20 * np.log10(max(sample_peak, 1e-9)))))
    return 20 * float(np.log10(max(peak, 1e-12)))


def limit(x: np.ndarray, rate: int, ceiling_db: float, lookahead_ms: float = 4.0) -> tuple[np.ndarray, int]:
    """Lower the gain smoothly around every moment whose true peak is above the ceiling.

    The gain needed at each over-the-ceiling sample is held for the look-ahead on both sides and then
    smoothed over half that window, so the gain never exceeds what any sample needs and never jumps.
    Returns the limited signal and how many milliseconds were touched.
    """
    ceiling = 10 ** (ceiling_db / 20)
    peaks = true_peak_per_sample(x, ceiling_db)
    over = np.flatnonzero(peaks > ceiling)
    if over.size == 0:
        return x, 0
    width = max(1, int(lookahead_ms * rate / 1000))
    y = x.astype(np.float32, copy=True)
    touched = 0
    for start, end in _runs(over, x.size, pad=3 * width):
        need = np.minimum(1.0, ceiling / np.maximum(peaks[start:end], 1e-12))
        held = minimum_filter1d(need, size=2 * width + 1, mode="nearest")
        gain = np.minimum(uniform_filter1d(held, size=width + 1, mode="nearest"), need)
        y[start:end] *= gain
        touched += int(np.count_nonzero(gain < 0.9999))
    return y, touched * 1000 // rate


def compact_voice(sentences: list[np.ndarray], gaps_ms: list[int], rate: int) -> np.ndarray:
    """The spoken sentences with the silences between them capped at one second.

    Blocks of pure silence fall below the -70 LUFS absolute gate, so a meditation's voice has the same
    integrated loudness with its long rests shortened; measuring this is far cheaper than the whole file.
    """
    parts: list[np.ndarray] = []
    for samples, gap in zip(sentences, gaps_ms, strict=True):
        parts.append(np.zeros(int(min(gap, 1000) * rate // 1000), dtype=np.float32))
        parts.append(samples)
    parts.append(np.zeros(int(0.5 * rate), dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(rate, dtype=np.float32)


def soft_clip(x: np.ndarray, ceiling_db: float, knee_db: float = 6.0) -> np.ndarray:
    """Round off peaks above ``knee_db`` under the ceiling, on the 4x-oversampled signal.

    Synthetic voices have sharp glottal pulses: twelve or more dB from peak to loudness. A limiter has
    to pull the gain down on every pulse (and loses most of the loudness it was meant to allow); a soft,
    oversampled clipper only shaves the tips of the pulses, the way broadcast voice processing does.
    """
    ceiling = 10 ** (ceiling_db / 20)
    knee = ceiling * 10 ** (-knee_db / 20)
    if x.size == 0 or float(np.max(np.abs(x))) < knee * 0.7:
        return x
    up = resample_poly(x.astype(np.float64), OVERSAMPLE, 1)
    magnitude = np.abs(up)
    over = magnitude > knee
    up[over] = np.sign(up[over]) * (knee + (ceiling - knee) * np.tanh((magnitude[over] - knee) / (ceiling - knee)))
    return resample_poly(up, 1, OVERSAMPLE)[: x.size].astype(np.float32)


def limited_voice(sentences: list[np.ndarray], rate: int, gain_db: float, ceiling_db: float) -> list[np.ndarray]:
    """Each sentence with ``gain_db`` applied, its pulses soft-clipped and its true peaks limited."""
    gain = 10 ** (gain_db / 20)
    return [
        limit(soft_clip((s * gain).astype(np.float32), ceiling_db - 0.4), rate, ceiling_db - 0.05, 5.0)[0]
        for s in sentences
    ]


def voice_gain(
    sentences: list[np.ndarray], gaps_ms: list[int], rate: int, target_lufs: float, ceiling_db: float
) -> float:
    """The gain (dB) that puts the voice at ``target_lufs`` once its peaks are limited to ``ceiling_db``.

    Loudness after limiting rises steadily with the gain, so a secant search finds it in a few steps.
    """

    def loudness_at(gain_db: float) -> float:
        voice = compact_voice(limited_voice(sentences, rate, gain_db, ceiling_db), gaps_ms, rate)
        return integrated(voice, rate)

    level = integrated(compact_voice(sentences, gaps_ms, rate), rate)
    if not np.isfinite(level):
        raise ValueError("the voice is silent: nothing to normalise")
    g0 = target_lufs - level
    l0 = loudness_at(g0)
    if abs(l0 - target_lufs) < 0.1:
        return g0
    g1 = g0 + float(np.clip((target_lufs - l0) * 1.5, -6.0, 6.0))
    for _ in range(8):
        l1 = loudness_at(g1)
        if abs(l1 - target_lufs) < 0.1:
            break
        slope = (l1 - l0) / (g1 - g0) if g1 != g0 else 0.5
        g0, l0 = g1, l1
        g1 = g1 + float(np.clip((target_lufs - l1) / max(slope, 0.2), -6.0, 6.0))
    return g1


def normalise(
    x: np.ndarray, rate: int, target_lufs: float = TARGET_LUFS, ceiling_db: float = TRUE_PEAK_CEILING_DB
) -> tuple[np.ndarray, Loudness]:
    """``x`` at ``target_lufs`` integrated with its true peak at or below ``ceiling_db``.

    Meant for a programme already close to the target (its voice levelled by :func:`voice_gain`): one
    gain, a limiter pass for whatever the gain pushed over the ceiling, and one correction.
    """
    level = gated_loudness(k_weighted(x, rate), rate)
    if not np.isfinite(level):
        raise ValueError("the programme is silent: nothing to normalise")
    gain_db = target_lufs - level
    y = (x * 10 ** (gain_db / 20)).astype(np.float32)
    final = target_lufs  # loudness scales exactly with gain
    y, limited = limit(y, rate, ceiling_db - 0.05)
    if limited:
        final = integrated(y, rate)
        step = target_lufs - final
        if abs(step) >= 0.05:
            y, again = limit((y * 10 ** (step / 20)).astype(np.float32), rate, ceiling_db - 0.05)
            gain_db += step
            final = integrated(y, rate) if again else target_lufs
            limited += again
    return y, Loudness(final, true_peak_db(y), gain_db, limited)
