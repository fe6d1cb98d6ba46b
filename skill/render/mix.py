"""Stage 3: the timeline as a programme — exact silences, faded sentences, bells and the ambient bed.

Each sentence is cut to its place with pydub (its prosody volume and short fades at both joins, so no
join clicks), once per distinct sentence and length. The programme itself is never held whole: a
twenty-minute file is mostly rest over the bed, so :class:`Programme` keeps the pieces (sentences and
bells at exact sample positions) and the bed's loop, and produces any stretch of samples on demand.
The encoder is fed a stretch at a time, and loudness is measured on the busy stretches only.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd

import numpy as np
from pydub import AudioSegment
from scipy.signal import butter, resample_poly, sosfilt

from skill.render import sounds
from skill.render.timeline import Bell, Layout, Speech

BELL_PEAK_DBFS = -15.0  # gentle, well under a voice at -14 LUFS
BED_UNDER_VOICE_DB = 27.0  # bed RMS below the voice's RMS while speaking
BED_FADE_MS = 4000
FADE_IN_MS = 3
FADE_OUT_MS = 25
BAND_LIMIT_HZ = 9000  # speech is low-passed here, and the MP3 encoder told the same
TRIM_THRESHOLD = 10 ** (-45 / 20)  # relative to the segment's peak
CHUNK = 1 << 16  # samples handed to the encoder at a time


def to_segment(samples: np.ndarray, rate: int) -> AudioSegment:
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=rate, channels=1)


def to_array(segment: AudioSegment) -> np.ndarray:
    return np.frombuffer(segment.raw_data, dtype="<i2").astype(np.float32) / 32768.0


def prepare_speech(samples: np.ndarray, rate: int, out_rate: int) -> np.ndarray:
    """A synthesised sentence trimmed of the engine's leading and trailing silence, at ``out_rate``.

    The first sample is the first audible one, so a cue placed on a beat starts on the beat.
    """
    x = np.asarray(samples, dtype=np.float32)
    if rate != out_rate:
        g = gcd(out_rate, rate)
        x = resample_poly(x, out_rate // g, rate // g).astype(np.float32)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0:
        return np.zeros(int(0.05 * out_rate), dtype=np.float32)
    loud = np.flatnonzero(np.abs(x) >= peak * TRIM_THRESHOLD)
    tail = int(0.04 * out_rate)
    return sosfilt(band_limit(out_rate), x[loud[0] : min(x.size, loud[-1] + tail)]).astype(np.float32)


@functools.lru_cache(maxsize=4)
def band_limit(rate: int) -> np.ndarray:
    """The low-pass every encoding profile also applies (so encoding changes loudness very little)."""
    return butter(8, BAND_LIMIT_HZ, btype="low", fs=rate, output="sos")


def duration_ms(samples: np.ndarray, rate: int) -> int:
    """Whole milliseconds a prepared sentence occupies on the time line (rounded up)."""
    return -(-samples.size * 1000 // rate)


def placed_sentence(samples: np.ndarray, rate: int, duration_ms: int, volume_db: float) -> np.ndarray:
    """A levelled sentence as it sits on the time line: its prosody volume, faded in and out."""
    frames = duration_ms * rate // 1000
    segment = to_segment(samples[:frames], rate)
    if volume_db:
        segment = segment.apply_gain(volume_db)
    return to_array(segment.fade_in(FADE_IN_MS).fade_out(FADE_OUT_MS))


@dataclass(frozen=True)
class Piece:
    start: int  # sample
    samples: np.ndarray  # float32

    @property
    def end(self) -> int:
        return self.start + self.samples.size


class Programme:
    """A whole file before its final gain: pieces at sample positions over a looped, faded bed."""

    def __init__(self, rate: int, total: int, pieces: list[Piece], bed: np.ndarray | None, bed_fade: int) -> None:
        self.rate = rate
        self.total = total
        self.pieces = sorted(pieces, key=lambda p: p.start)
        self._starts = [p.start for p in self.pieces]
        self._longest = max((p.samples.size for p in self.pieces), default=0)
        self.bed = bed  # one period of the bed at its level, or None
        self.bed_fade = max(1, bed_fade)
        self._fade = 0.5 - 0.5 * np.cos(np.pi * np.arange(self.bed_fade + 1) / self.bed_fade)
        self._bed_twice = None if bed is None else np.concatenate((bed, bed))  # any stretch up to a period

    def bed_envelope(self, positions: np.ndarray) -> np.ndarray:
        """The bed's fade in and out (raised cosine) at sample ``positions``."""
        edge = np.clip(np.minimum(positions, self.total - positions), 0, self.bed_fade)
        return self._fade[edge]

    def render(self, start: int, stop: int) -> np.ndarray:
        """Samples ``start`` to ``stop`` of the programme (float32)."""
        start, stop = max(0, start), min(self.total, stop)
        out = np.zeros(max(0, stop - start), dtype=np.float32)
        if out.size == 0:
            return out
        if self._bed_twice is not None:
            period = self._bed_twice.size // 2
            at = 0
            while at < out.size:  # one pass when the stretch is no longer than the loop
                offset = (start + at) % period
                n = min(out.size - at, period)
                out[at : at + n] += self._bed_twice[offset : offset + n]
                at += n
            if start < self.bed_fade or stop > self.total - self.bed_fade:
                out *= self.bed_envelope(np.arange(start, stop)).astype(np.float32)
        first = bisect.bisect_left(self._starts, start - self._longest)
        last = bisect.bisect_left(self._starts, stop)
        for piece in self.pieces[first:last]:
            a, b = max(start, piece.start), min(stop, piece.end)
            if a < b:
                out[a - start : b - start] += piece.samples[a - piece.start : b - piece.start]
        return out

    def chunks(self, gain: float = 1.0, size: int = CHUNK) -> Iterator[np.ndarray]:
        """The whole programme times ``gain``, a stretch at a time."""
        for start in range(0, self.total, size):
            block = self.render(start, start + size)
            block *= np.float32(gain)
            yield block

    def busy_spans(self, pad: int) -> list[tuple[int, int]]:
        """Stretches holding a sentence or a bell, widened by ``pad`` samples and merged."""
        spans: list[tuple[int, int]] = []
        for piece in self.pieces:
            a, b = max(0, piece.start - pad), min(self.total, piece.end + pad)
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], b))
            else:
                spans.append((a, b))
        return spans


def build(
    layout: Layout,
    sentences: dict[Speech, np.ndarray],
    rate: int,
    bed: bool = True,
) -> Programme:
    """The programme for ``layout`` from levelled sentences (see ``level.py``)."""
    placed: dict[tuple[Speech, int], np.ndarray] = {}
    pieces: list[Piece] = []
    voice_energy, voice_frames, cursor = 0.0, 0, 0
    for event in layout.events:
        start = event.start_ms * rate // 1000
        if isinstance(event.item, Speech):
            if event.start_ms < cursor:
                raise ValueError(f"speech overlaps at {event.start_ms} ms")
            cursor = event.start_ms + event.duration_ms
            key = (event.item, event.duration_ms)
            sentence = sentences[event.item]
            if key not in placed:
                placed[key] = placed_sentence(sentence, rate, event.duration_ms, event.item.prosody.volume_db)
            samples = placed[key]
            voice_energy += float(np.dot(sentence[: samples.size], sentence[: samples.size]))
            voice_frames += event.duration_ms * rate // 1000
            pieces.append(Piece(start, samples))
        elif isinstance(event.item, Bell):
            pieces.append(Piece(start, _bell(rate, event.item.kind, event.duration_ms)))
    total = layout.total_ms * rate // 1000
    if cursor > layout.total_ms:
        raise ValueError("speech runs past the end of the layout")
    loop = None
    if bed and voice_frames:
        voice_rms = np.sqrt(voice_energy / voice_frames)
        loop = (sounds.bed_loop(rate) * voice_rms * 10 ** (-BED_UNDER_VOICE_DB / 20)).astype(np.float32)
    return Programme(rate, total, pieces, loop, min(BED_FADE_MS, layout.total_ms // 4) * rate // 1000)


@functools.lru_cache(maxsize=16)
def _bell(rate: int, kind: str, ms: int) -> np.ndarray:
    return (sounds.bell(rate, kind, ms / 1000) * 10 ** (BELL_PEAK_DBFS / 20)).astype(np.float32)
