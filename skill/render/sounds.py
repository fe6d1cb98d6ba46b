"""Sounds made in code, no third-party files: a struck bell and a soft ambient bed that loops seamlessly."""

from __future__ import annotations

import functools

import numpy as np

# inharmonic partials of a small singing bowl: (ratio to the fundamental, amplitude, decay time in s)
_PARTIALS = ((1.0, 1.0, 4.5), (2.76, 0.45, 2.6), (5.40, 0.22, 1.4), (8.93, 0.08, 0.8))
_BELLS = {"open": (392.0, 1.0), "close": (392.0, 1.0), "interval": (523.25, 0.7)}


def bell(rate: int, kind: str = "open", seconds: float = 9.0) -> np.ndarray:
    """A soft struck bell (peak 1.0): inharmonic partials, each a slowly beating pair, decaying away."""
    fundamental, level = _BELLS.get(kind, _BELLS["interval"])
    t = np.arange(int(seconds * rate), dtype=np.float64) / rate
    out = np.zeros_like(t)
    for ratio, amp, decay in _PARTIALS:
        f = fundamental * ratio
        if f >= rate / 2:
            continue
        beat = 0.6 + 0.4 * ratio  # a gentle shimmer: two nearly equal tones
        wave = np.sin(2 * np.pi * f * t) + 0.6 * np.sin(2 * np.pi * (f + beat) * t + 1.3)
        out += amp * wave * np.exp(-t / decay)
    attack = int(0.004 * rate)
    out[:attack] *= 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    release = int(0.5 * rate)
    out[-release:] *= np.linspace(1.0, 0.0, release) ** 2
    return (level * out / np.max(np.abs(out))).astype(np.float32)


@functools.lru_cache(maxsize=4)
def bed_loop(rate: int, seconds: float = 12.0, seed: int = 7) -> np.ndarray:
    """A loop of soft, low-passed noise with a slow swell, exactly periodic so it repeats without a seam.

    Built in the frequency domain: shaped magnitudes and random phases on the loop's own harmonic grid,
    so the inverse FFT is one period of a periodic signal. RMS is 1.0. The same array every time (read-only).
    """
    n = int(round(seconds * rate))
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(n, 1 / rate)
    shape = np.zeros_like(freqs)
    band = freqs > 40
    shape[band] = 1.0 / np.sqrt(freqs[band])  # pink
    shape *= 1.0 / (1.0 + (freqs / 600.0) ** 4)  # a soft low-pass: more hush than hiss
    spectrum = shape * np.exp(2j * np.pi * rng.random(freqs.size))
    noise = np.fft.irfft(spectrum, n)
    t = np.arange(n) / n
    swell = 0.75 + 0.25 * np.sin(2 * np.pi * 2 * t)  # two slow swells per loop, also periodic
    out = noise * swell
    loop = (out / np.sqrt(np.mean(out**2))).astype(np.float32)
    loop.setflags(write=False)
    return loop
