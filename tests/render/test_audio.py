"""The rendered audio, measured from the files themselves with ffmpeg and ffprobe."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from skill.library import LibraryEntry
from skill.practices.breathing import PATTERNS, beat_times
from skill.render.cache import published_mode
from skill.render.captions import parse_webvtt
from skill.speech import Speech, to_plain_text
from tests.render.conftest import TEMPLATES, Rendered, decode, ebur128, ffprobe

pytestmark = pytest.mark.slow
RATE = 24000


def entry(rendered: Rendered, kind: str, id: str, length: int | None = None) -> LibraryEntry:
    found = rendered.library.find(kind, id, length)
    assert found is not None, f"{kind} {id} {length} was not rendered"
    return found


def test_manifest_lists_every_rendered_file_with_its_real_hash(rendered: Rendered) -> None:
    import hashlib

    raw = json.loads((rendered.out / "manifest.json").read_text())
    assert isinstance(raw, list)
    files = {e["file"] for e in raw}
    assert files == {
        "meditations/self-compassion-break-3min.mp3",
        "clips/self-compassion-break.mp3",
        "breathing/4-7-8-1min.mp3",
        "breathing/cyclic-sigh-2min.mp3",
    }
    readable = published_mode()
    assert (rendered.out / "manifest.json").stat().st_mode & 0o777 == readable
    for e in rendered.library.entries():
        assert hashlib.sha256(rendered.library.path(e).read_bytes()).hexdigest() == e.sha256
        assert (rendered.out / e.captions).is_file()
        for path in (rendered.library.path(e), rendered.out / e.captions):
            assert path.stat().st_mode & 0o777 == readable, f"{path.name} cannot be served"
        for key in ("id", "title", "length_min", "file", "duration_ms", "sha256", "captions"):
            assert key in e.to_json()


def test_meditation_lasts_its_target_length(rendered: Rendered) -> None:
    meditation = entry(rendered, "meditation", "self-compassion-break", 3)
    seconds = float(ffprobe(rendered.library.path(meditation))["format"]["duration"])
    assert abs(seconds - 180) <= 180 * 0.03
    assert abs(meditation.duration_ms - 180_000) <= 180_000 * 0.03


def test_every_file_is_at_minus_14_lufs_and_under_minus_2_dbtp(rendered: Rendered) -> None:
    paths = [rendered.library.path(e) for e in rendered.library.entries()]
    paths.append(rendered.out / entry(rendered, "meditation", "self-compassion-break", 3).wav)
    for path in paths:
        integrated, peak = ebur128(path)
        assert -14.5 <= integrated <= -13.5, f"{path.name}: {integrated} LUFS"
        assert peak <= -2.0, f"{path.name}: true peak {peak} dBTP"


def test_each_profile_has_its_codec_bitrate_rate_and_channels(rendered: Rendered) -> None:
    longform = ffprobe(rendered.library.path(entry(rendered, "meditation", "self-compassion-break", 3)))
    stream = longform["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("mp3", "24000", 1)
    assert 64_000 <= int(stream["bit_rate"]) <= 128_000

    clip_entry = entry(rendered, "clip", "self-compassion-break")
    clip = ffprobe(rendered.library.path(clip_entry))
    stream = clip["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"], stream["bit_rate"]) == (
        "mp3",
        "24000",
        1,
        "48000",
    )
    assert float(clip["format"]["duration"]) <= 240
    assert clip_entry.profile == "clip" and clip_entry.bitrate_kbps == 48

    wav = ffprobe(rendered.out / entry(rendered, "meditation", "self-compassion-break", 3).wav)
    stream = wav["streams"][0]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("pcm_s16le", "24000", 1)


def onsets(samples: np.ndarray, quiet_s: float = 0.25) -> list[float]:
    """Times where sound starts after at least ``quiet_s`` of quiet, from the signal alone.

    The signal is high-passed at 1 kHz (the ambient bed lives far below that); the energy in 1 ms
    steps is compared with a threshold 30 dB under the loudest millisecond.
    """
    high = sosfilt(butter(4, 1000, btype="high", fs=RATE, output="sos"), samples)
    step = RATE // 1000
    frames = high[: high.size // step * step].reshape(-1, step)
    energy = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-20)
    loud = energy > energy.max() - 30
    found, quiet_run = [], 0
    for i, is_loud in enumerate(loud):
        if is_loud:
            if quiet_run >= quiet_s * 1000:
                # refine to the sample: the first one above the threshold within this millisecond or the last
                start = max(0, (i - 1) * step)
                window = np.abs(high[start : start + 2 * step])
                limit = np.sqrt(10 ** ((energy.max() - 30) / 10))
                found.append((start + int(np.argmax(window >= limit))) / RATE)
            quiet_run = 0
        else:
            quiet_run += 1
    return found


@pytest.mark.parametrize(("pattern_id", "minutes"), [("4-7-8", 1), ("cyclic-sigh", 2)])
def test_breathing_cues_start_on_their_beats(rendered: Rendered, pattern_id: str, minutes: int) -> None:
    session = entry(rendered, "breathing", pattern_id, minutes)
    pattern = PATTERNS[pattern_id]
    rounds = pattern.clamp_rounds(pattern.rounds_for_minutes(minutes))
    cues = [c for c in parse_webvtt((rendered.out / session.captions).read_text()) if c[2] in CUE_WORDS]
    grid_start = cues[0][0] / 1000
    expected = [t for t, _ in beat_times(pattern, rounds, start=grid_start)]
    assert len(cues) == len(expected)
    detected = onsets(decode(rendered.library.path(session)), quiet_s=0.15)
    window = [t for t in detected if grid_start - 0.5 <= t <= expected[-1] + 0.5]
    assert len(window) == len(expected), (window[:6], expected[:6])
    errors_ms = [abs(d - e) * 1000 for d, e in zip(window, expected, strict=True)]
    assert max(errors_ms) <= 10, f"worst cue is {max(errors_ms):.1f} ms off its beat"


CUE_WORDS = {
    to_plain_text(Speech(TEMPLATES).render(f"breathing_audio/{cue}", "en").ssml)
    for cue in ("in", "hold", "out", "in_again")
}


def level_db(x: np.ndarray) -> float:
    return 10 * float(np.log10(np.mean(x**2) + 1e-20))


def test_ambient_bed_is_at_least_20_db_under_the_voice(rendered: Rendered) -> None:
    meditation = entry(rendered, "meditation", "self-compassion-break", 3)
    samples = decode(rendered.library.path(meditation))
    cues = parse_webvtt((rendered.out / meditation.captions).read_text())
    voice = np.concatenate([samples[s * RATE // 1000 : e * RATE // 1000] for s, e, _ in cues])
    # the bed alone: the middle of the longest rest between two sentences (bells only open and close)
    gaps = [(a[1], b[0]) for a, b in zip(cues, cues[1:], strict=False)]
    start, end = max(gaps, key=lambda g: g[1] - g[0])
    middle = (start + end) // 2
    bed = samples[(middle - 1000) * RATE // 1000 : (middle + 1000) * RATE // 1000]
    assert level_db(bed) > -90, "there is no ambient bed at all"
    assert level_db(voice) - level_db(bed) >= 20


def test_captions_are_the_spoken_sentences_at_their_real_times(rendered: Rendered) -> None:
    meditation = entry(rendered, "meditation", "self-compassion-break", 3)
    cues = parse_webvtt((rendered.out / meditation.captions).read_text())
    script = to_plain_text(Speech(TEMPLATES).render_file("meditations/self-compassion-break.ssml.j2"), False)
    assert " ".join(text for _, _, text in cues) == script
    samples = decode(rendered.library.path(meditation))
    for start, end, text in cues:
        inside = samples[start * RATE // 1000 : end * RATE // 1000]
        assert level_db(inside) > -30, f"{text!r} is not audible inside its cue"
        assert end > start
        if start > 10_000:  # after the opening bell has rung out: only the bed before a sentence
            before = samples[(start - 150) * RATE // 1000 : (start - 30) * RATE // 1000]
            assert level_db(inside) - level_db(before) >= 15, f"{text!r} starts before its cue"
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:], strict=False))
