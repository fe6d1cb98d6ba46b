"""Script -> timeline -> layout: rests stretch, words stay, totals land exactly; sounds; captions; loudness."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from skill.render import loudness, sounds
from skill.render.captions import parse_webvtt, timestamp, webvtt
from skill.render.plan import breathing_layout, plan
from skill.render.timeline import (
    SENTENCE_GAP_MS,
    Bell,
    Placed,
    Prosody,
    ScriptError,
    Silence,
    Speech,
    layout_to_length,
    parse_script,
    rest_scale,
)
from tests.render.conftest import TEMPLATES

RATE = 24000


def test_script_becomes_sentences_rests_and_bells() -> None:
    items = parse_script(
        '<prosody rate="80%">One. Two!<break time="500ms"/>Three?<break time="3s"/><break time="2s"/>'
        '<audio src="studio:bell"/><prosody volume="+2dB" rate="50%">Four.</prosody></prosody>'
    )
    assert items == [
        Speech("One.", Prosody(0.8)),
        Silence(SENTENCE_GAP_MS),
        Speech("Two!", Prosody(0.8)),
        Silence(500),
        Speech("Three?", Prosody(0.8)),
        Silence(5000, stretch=True),
        Bell("interval"),
        Speech("Four.", Prosody(0.4, 0.0, 2.0)),
    ]


@pytest.mark.parametrize(
    ("ssml", "message"),
    [
        ("<p>unclosed", "well-formed"),
        ('<break time="2s"/>', "no words"),
        ('<audio src="https://example.com/x.mp3"/>Hi.', "studio only knows"),
        ('<prosody rate="warp">Hi.</prosody>', "rate"),
    ],
)
def test_bad_scripts_are_clear_errors(ssml: str, message: str) -> None:
    with pytest.raises(ScriptError, match=message):
        parse_script(ssml)


def test_rests_scale_in_proportion_and_sum_exactly() -> None:
    scaled = rest_scale([4000, 8000, 12000], 48_001)
    assert sum(scaled) == 48_001
    assert scaled[1] == pytest.approx(2 * scaled[0], rel=1e-3) and scaled[2] == pytest.approx(3 * scaled[0], rel=1e-3)
    assert min(rest_scale([4000, 8000], 3100)) >= 1500  # never below the floor


def durations_for(items: list) -> dict[Speech, int]:
    return {i: 300 + 40 * len(i.text) for i in items if isinstance(i, Speech)}


def test_every_meditation_lands_exactly_on_each_length_with_the_same_words() -> None:
    jobs = [j for j in plan(TEMPLATES) if j.kind == "meditation"]
    assert len(jobs) == 32
    for job in jobs:
        layout = job.layout(durations_for(list(job.items)))
        assert layout.total_ms == job.length_min * 60_000
        spoken = [e.item.text for e in layout.events if isinstance(e.item, Speech)]
        assert spoken == [i.text for i in job.items if isinstance(i, Speech)]
        kinds = [e.item.kind for e in layout.events if isinstance(e.item, Bell)]
        assert kinds[0] == "open" and kinds[-1] == "close"
        starts = [e.start_ms for e in layout.events]
        assert starts == sorted(starts)


def test_too_many_words_for_the_length_is_a_clear_error() -> None:
    items = parse_script('Hello.<break time="3s"/>Again.')
    with pytest.raises(ScriptError, match="too long for 0.5 minutes"):
        layout_to_length(items, {i: 20_000 for i in items if isinstance(i, Speech)}, 30_000)


def test_breathing_cues_sit_on_the_grid_and_too_long_a_cue_is_refused() -> None:
    job = next(j for j in plan(TEMPLATES) if j.kind == "breathing" and j.id == "box" and j.length_min == 2)
    durations = {s: 700 for s in job.speech()}
    layout = breathing_layout(job, durations)
    cues = [e for e in layout.events if isinstance(e.item, Speech) and e.item in dict(job.cues).values()]
    assert len(cues) == job.rounds * 4
    assert [b.start_ms - a.start_ms for a, b in zip(cues, cues[1:], strict=False)] == [4000] * (len(cues) - 1)
    durations[dict(job.cues)["hold"]] = 3900
    with pytest.raises(ScriptError, match="too long for a 4 s phase"):
        breathing_layout(job, durations)


def test_breathing_sessions_and_clip_are_planned() -> None:
    jobs = plan(TEMPLATES)
    files = {j.file for j in jobs}
    assert "clips/self-compassion-break.mp3" in files
    assert {"breathing/box-2min.mp3", "breathing/4-7-8-1min.mp3", "breathing/coherent-10min.mp3"} <= files
    assert all(j.rounds <= 4 for j in jobs if j.id == "4-7-8")


def test_webvtt_round_trips_real_timings() -> None:
    from skill.render.timeline import Layout

    layout = Layout(
        (Placed(0, Bell("open"), 9000), Placed(4500, Speech("Hi --> there."), 1234), Placed(3_723_004, Speech("B"), 5)),
        3_800_000,
    )
    text = webvtt(layout, "T")
    assert text.startswith("WEBVTT")
    assert parse_webvtt(text) == [(4500, 5734, "Hi -> there."), (3_723_004, 3_723_009, "B")]
    assert timestamp(3_723_004) == "01:02:03.004"


def test_bell_decays_and_bed_loops_without_a_seam() -> None:
    ring = sounds.bell(RATE, "open")
    assert np.max(np.abs(ring)) == pytest.approx(1.0, abs=1e-3)
    first, last = np.abs(ring[: RATE // 2]).max(), np.abs(ring[-RATE // 20 :]).max()
    assert last < first / 100
    loop = sounds.bed_loop(RATE)
    assert np.sqrt(np.mean(loop**2)) == pytest.approx(1.0, rel=1e-3)
    steps = np.abs(np.diff(loop))
    seam = abs(float(loop[0] - loop[-1]))
    assert seam <= np.percentile(steps, 99.9)  # the jump across the seam is an ordinary step
    spectrum = np.abs(np.fft.rfft(loop)) ** 2
    freqs = np.fft.rfftfreq(loop.size, 1 / RATE)
    assert spectrum[freqs > 2000].sum() < spectrum[freqs < 1000].sum() / 100  # soft: no hiss


def test_loudness_matches_pyloudnorm_and_true_peak_is_oversampled() -> None:
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(RATE * 20) * 0.05).astype(np.float32)
    x[RATE * 5 : RATE * 10] *= 0.001
    assert loudness.integrated(x, RATE) == pytest.approx(
        pyloudnorm.Meter(RATE).integrated_loudness(x.astype(np.float64)), abs=0.01
    )
    t = np.arange(RATE) / RATE
    sine = (0.5 * np.sin(2 * np.pi * (RATE / 4) * t + np.pi / 4)).astype(np.float32)  # samples miss the crest
    assert 20 * np.log10(np.max(np.abs(sine))) == pytest.approx(-9.03, abs=0.05)
    assert loudness.true_peak_db(sine) == pytest.approx(-6.02, abs=0.2)


def test_limiter_holds_the_ceiling() -> None:
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(RATE * 10) * 0.1).astype(np.float32)
    x[RATE : RATE + 50] = 0.99
    y, touched = loudness.limit(x, RATE, -6.0)
    assert touched > 0 and loudness.true_peak_db(y) <= -5.99
    assert np.array_equal(y[RATE * 5 :], x[RATE * 5 :])  # only the moments over the ceiling change
