"""Stage 3: put the timeline together with pydub — exact silences, faded joins, bells and the ambient bed.

Every piece is a pydub ``AudioSegment`` (16-bit mono at the output rate). The voice track is one linear
join of silences and sentences at their exact sample positions (placed in whole milliseconds from the
layout, so nothing drifts); bells are overlaid at their starts; the bed is looped under everything.
"""

from __future__ import annotations

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
    return sosfilt(_band_limit(out_rate), x[loud[0] : min(x.size, loud[-1] + tail)]).astype(np.float32)


def _band_limit(rate: int) -> np.ndarray:
    """The low-pass every encoding profile also applies (so encoding changes loudness very little)."""
    return butter(8, BAND_LIMIT_HZ, btype="low", fs=rate, output="sos")


def duration_ms(samples: np.ndarray, rate: int) -> int:
    """Whole milliseconds a prepared sentence occupies on the time line (rounded up)."""
    return -(-samples.size * 1000 // rate)


@dataclass(frozen=True)
class MixResult:
    samples: np.ndarray  # float32 mono
    rate: int
    voice_rms: float
    bed_rms: float


def mix(layout: Layout, speech: dict[Speech, np.ndarray], rate: int, bed: bool = True) -> MixResult:
    """The programme for ``layout`` from sentences already at their final level (see ``level_voice``)."""
    pieces: list[bytes] = []
    cursor_ms = 0
    voiced = []
    for event in layout.events:
        if not isinstance(event.item, Speech):
            continue
        if event.start_ms < cursor_ms:
            raise ValueError(f"speech overlaps at {event.start_ms} ms")
        if event.start_ms > cursor_ms:
            pieces.append(AudioSegment.silent(duration=event.start_ms - cursor_ms, frame_rate=rate).raw_data)
        samples = speech[event.item]
        frames = event.duration_ms * rate // 1000
        padded = np.zeros(frames, dtype=np.float32)
        padded[: min(frames, samples.size)] = samples[:frames]
        voiced.append(padded)
        segment = to_segment(padded, rate)
        if event.item.prosody.volume_db:
            segment = segment.apply_gain(event.item.prosody.volume_db)
        segment = segment.fade_in(FADE_IN_MS).fade_out(FADE_OUT_MS)
        pieces.append(segment.raw_data)
        cursor_ms = event.start_ms + event.duration_ms
    if layout.total_ms < cursor_ms:
        raise ValueError("speech runs past the end of the layout")
    pieces.append(AudioSegment.silent(duration=layout.total_ms - cursor_ms, frame_rate=rate).raw_data)
    track = AudioSegment(data=b"".join(pieces), sample_width=2, frame_rate=rate, channels=1)

    voice_rms = float(np.sqrt(np.mean(np.concatenate(voiced) ** 2))) if voiced else 0.0
    for event in layout.events:
        if isinstance(event.item, Bell):
            peak = 10 ** (BELL_PEAK_DBFS / 20)
            ring = sounds.bell(rate, event.item.kind, event.duration_ms / 1000) * peak
            track = track.overlay(to_segment(ring, rate), position=event.start_ms)

    bed_rms = 0.0
    if bed and voice_rms > 0:
        bed_rms = voice_rms * 10 ** (-BED_UNDER_VOICE_DB / 20)
        loop = to_segment(sounds.bed_loop(rate) * bed_rms, rate)
        fade = min(BED_FADE_MS, layout.total_ms // 4)
        under = AudioSegment.silent(duration=layout.total_ms, frame_rate=rate).overlay(loop, loop=True)
        track = track.overlay(under.fade_in(fade).fade_out(fade))
    return MixResult(to_array(track), rate, voice_rms, bed_rms)
