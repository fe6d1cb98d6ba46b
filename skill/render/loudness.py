"""Stage 4: BS.1770 loudness to -14 LUFS integrated, with the true peak at or below the ceiling.

The measuring tools: pyloudnorm's BS.1770 K-weighting filters with the standard gating (400 ms blocks,
75 % overlap, -70 LUFS absolute and -10 LU relative gates) computed on whole arrays: the same number as
``pyloudnorm.Meter.integrated_loudness`` (a test holds them together) without its per-block Python loop.
Block powers and gating are separate steps, so a programme can be measured from the blocks of its busy
stretches plus a model of its quiet ones (see ``level.py``). True peak is measured on the signal
oversampled four times, and the peak tools (an oversampled soft clipper and a look-ahead limiter) work
on single sentences.
"""

from __future__ import annotations

import functools

import numpy as np
import pyloudnorm
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import firwin, sosfilt

TARGET_LUFS = -14.0
OVERSAMPLE = 4
SOFT_KNEE_DB = 6.0  # the soft clipper starts rounding this far under its ceiling
HALF_TAPS = 10  # resample_poly's filter reaches ten input samples either side
BLOCK_S, OVERLAP = 0.4, 0.75
ABSOLUTE_GATE, RELATIVE_GATE = -70.0, -10.0


@functools.lru_cache(maxsize=4)
def _k_sections(rate: int) -> np.ndarray:
    """pyloudnorm's BS.1770 K-weighting stages at ``rate`` as second-order sections (gains folded in)."""
    rows = []
    for stage in pyloudnorm.Meter(rate)._filters.values():
        b, a = stage.generate_coefficients()
        rows.append(np.concatenate((np.asarray(b) * stage.passband_gain, a)))
    return np.array(rows)


def k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    """``x`` through the K-weighting filter: pyloudnorm's stages, run as one cascade (same numbers)."""
    return sosfilt(_k_sections(rate), np.asarray(x, dtype=np.float64))


def block_count(samples: int, rate: int) -> int:
    """How many 400 ms gating blocks (75 % overlap) a signal of ``samples`` holds."""
    return int(np.round((samples / rate - BLOCK_S) / (BLOCK_S * (1 - OVERLAP)))) + 1


def block_hop(rate: int) -> float:
    return BLOCK_S * (1 - OVERLAP) * rate


def block_powers(weighted: np.ndarray, rate: int, first: int = 0, count: int | None = None, at: int = 0) -> np.ndarray:
    """Mean square of the K-weighted signal in gating blocks ``first .. first+count``.

    ``weighted`` holds the programme's samples from sample ``at`` on; every block asked for must lie
    inside it.
    """
    block = BLOCK_S * rate
    if count is None:
        count = block_count(weighted.size, rate)
    j = np.arange(first, first + count)
    lower = (BLOCK_S * (j * (1 - OVERLAP)) * rate).astype(np.int64) - at
    upper = (BLOCK_S * (j * (1 - OVERLAP) + 1) * rate).astype(np.int64) - at
    if count and lower[0] < 0:
        raise ValueError("blocks before the measured stretch")
    power = np.concatenate(([0.0], np.cumsum(np.asarray(weighted, dtype=np.float64) ** 2)))
    return np.asarray((power[np.minimum(upper, weighted.size)] - power[lower]) / block)


def gate(z: np.ndarray, gain: float = 1.0) -> float:
    """Integrated loudness (LUFS) from block powers, with BS.1770's absolute and relative gates."""
    z = np.asarray(z, dtype=np.float64) * gain * gain
    if z.size == 0:
        raise ValueError("too short to measure loudness (under 400 ms)")
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(z)
    above = z[level >= ABSOLUTE_GATE]
    if above.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(np.mean(above)) + RELATIVE_GATE
    gated = z[(level > relative) & (level > ABSOLUTE_GATE)]
    return float(-0.691 + 10 * np.log10(np.mean(gated))) if gated.size else float("-inf")


def gated_loudness(weighted: np.ndarray, rate: int, gain: float = 1.0) -> float:
    """Integrated loudness (LUFS) of a K-weighted mono signal scaled by ``gain``; -inf when silent."""
    if block_count(weighted.size, rate) < 1:
        raise ValueError("too short to measure loudness (under 400 ms)")
    return gate(block_powers(weighted, rate), gain)


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


@functools.lru_cache(maxsize=1)
def _phases() -> np.ndarray:
    """The 4x interpolation filter of ``scipy.signal.resample_poly`` as one column per output phase.

    Output sample ``4n + k`` is ``x[n-10 : n+11] @ phases[:, k]``: the same numbers resample_poly gives,
    computed only where they are needed.
    """
    taps = firwin(2 * HALF_TAPS * OVERSAMPLE + 1, 1.0 / OVERSAMPLE, window=("kaiser", 5.0)) * OVERSAMPLE
    width = 2 * HALF_TAPS + 1
    phases = np.zeros((width, OVERSAMPLE))
    for k in range(OVERSAMPLE):
        for j in range(width):
            i = k + OVERSAMPLE * (width - 1 - j)
            if i < taps.size:
                phases[j, k] = taps[i]
    return phases


def true_peak_per_sample(x: np.ndarray, floor_db: float) -> np.ndarray:
    """Each sample's 4x-oversampled peak magnitude (the sample and the three points after it); exact
    wherever it could reach ``floor_db``, the plain sample magnitude elsewhere."""
    peaks = np.abs(x).astype(np.float32)
    threshold = 10 ** ((floor_db - 4.0) / 20)  # inter-sample peaks rise at most ~3 dB above the samples
    loud = peaks >= threshold
    loud[:-1] |= loud[1:]  # a peak just before a loud sample lies between the two
    near = np.flatnonzero(loud)
    if near.size == 0:
        return peaks
    padded = np.zeros(x.size + 2 * HALF_TAPS)
    padded[HALF_TAPS:-HALF_TAPS] = x
    windows = sliding_window_view(padded, 2 * HALF_TAPS + 1)[near]  # x[n-10 : n+11], zero outside x
    peaks[near] = np.maximum(peaks[near], np.abs(windows @ _phases()).max(axis=1))
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


def soft_clip(up: np.ndarray, ceiling_db: float, knee_db: float = SOFT_KNEE_DB) -> np.ndarray:
    """Round off the peaks of an oversampled signal above ``knee_db`` under the ceiling (a new array).

    Synthetic voices have sharp glottal pulses: twelve or more dB from peak to loudness. A limiter has
    to pull the gain down on every pulse (and loses most of the loudness it was meant to allow); a soft
    clipper on the oversampled signal only shaves the tips of the pulses, the way broadcast voice
    processing does, without folding the new harmonics back into the band.
    """
    ceiling = 10 ** (ceiling_db / 20)
    knee = ceiling * 10 ** (-knee_db / 20)
    out = np.array(up, dtype=np.float64)
    magnitude = np.abs(out)
    over = magnitude > knee
    out[over] = np.sign(out[over]) * (knee + (ceiling - knee) * np.tanh((magnitude[over] - knee) / (ceiling - knee)))
    return out
