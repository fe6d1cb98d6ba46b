"""Runs the studio: plan -> synthesise what the cache lacks -> render each file (in parallel) -> manifest."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.library import LibraryEntry
from skill.render import manifest
from skill.render.cache import SegmentCache, atomic_write_bytes, digest, tts_key
from skill.render.plan import Job, plan, select
from skill.render.timeline import Speech
from skill.render.tts import EnginePool, EngineSpec

log = logging.getLogger(__name__)

RENDER_VERSION = "1"  # bump when a change to the studio should re-render every file
MIX_RATE = 24000
LUFS_TOLERANCE = 0.3  # of the encoded file, measured after decoding
PEAK_LIMIT_DB = -2.2  # true peak of the encoded file (Amazon asks for -2 dBTP or lower)


@dataclass(frozen=True)
class RenderOptions:
    out_dir: Path
    templates_dir: Path
    engine: EngineSpec = EngineSpec()
    jobs: int = 1
    only: str | None = None
    length: int | None = None
    missing: bool = False  # render only what the manifest lacks, whatever changed
    wav: bool = False  # also write a WAV next to every MP3
    bed: bool = True
    cache_dir: Path | None = None
    tts_timeout: float = 60.0
    lengths: tuple[int, ...] = ()  # only these lengths (the benchmark's smaller runs)

    @property
    def cache_root(self) -> Path:
        return self.cache_dir or self.out_dir / ".cache"


@dataclass
class RenderReport:
    planned: int = 0
    skipped: int = 0
    rendered: list[str] = field(default_factory=list)
    synthesised: int = 0  # sentences the engine spoke this time
    reused: int = 0  # sentences found in the cache
    engine_seconds: float = 0.0  # time inside the engine, summed over workers
    tts_seconds: float = 0.0  # wall time of the speech phase (with engine start-up)
    seconds: float = 0.0  # wall time of the whole render
    stages: dict[str, float] = field(default_factory=dict)  # summed seconds per stage


Progress = Callable[[str, Job | None, float], None]  # (event, job, seconds of audio)


def speech_key(spec: EngineSpec, speech: Speech) -> str:
    return tts_key(spec.name, spec.voice, speech.text, speech.prosody)


def inputs_key(job: Job, options: RenderOptions) -> str:
    """Everything the output file is made from: the job, the engine and voice, the bed, the formats."""
    return digest(
        "output", RENDER_VERSION, repr(job), options.engine.name, options.engine.voice, options.bed, options.wav
    )


def _up_to_date(job: Job, entry: LibraryEntry | None, key: str, options: RenderOptions) -> bool:
    if entry is None or not (options.out_dir / entry.file).is_file():
        return False
    if options.wav and not (entry.wav and (options.out_dir / entry.wav).is_file()):
        return False
    return options.missing or entry.inputs == key


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def render_job(job: Job, options: RenderOptions, key: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Mix, normalise, encode and caption one file from cached sentences; returns its manifest entry."""
    from skill.render import captions, encode, loudness, mix

    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    cache = SegmentCache(options.cache_root)
    prepared: dict[Speech, Any] = {}
    durations: dict[Speech, int] = {}
    for speech in job.speech():
        prepared[speech] = cache.prepared(speech_key(options.engine, speech), MIX_RATE, mix.prepare_speech)
        durations[speech] = mix.duration_ms(prepared[speech], MIX_RATE)
    layout = job.layout(durations)
    profile = encode.PROFILES[job.profile]
    target = options.out_dir / job.file
    # MP3 encoding lowers loudness a little and adds overshoot to peaks: the voice is levelled for the
    # profile, the encoded file is decoded and measured, and when it is out of bounds (rare) it is made
    # again with corrected settings.
    offset_db, ceiling_db = profile.level_offset_db, profile.peak_ceiling_db
    measured: dict[str, float] = {}
    spoken = [e for e in layout.events if isinstance(e.item, Speech)]
    keys = [speech_key(options.engine, e.item) for e in spoken]  # type: ignore[arg-type]
    gaps: list[int] = []
    previous_end = 0
    for event in spoken:
        gaps.append(event.start_ms - previous_end)
        previous_end = event.start_ms + event.duration_ms
    stages["mix"] = time.perf_counter() - t0

    def acceptable(tmp: Path) -> bool:
        started = time.perf_counter()
        decoded = encode.decode(tmp, MIX_RATE)
        measured["lufs"] = loudness.integrated(decoded, MIX_RATE)
        measured["tp"] = loudness.true_peak_db(decoded)
        stages["verify"] = stages.get("verify", 0.0) + time.perf_counter() - started
        log.debug("%s: %.2f LUFS, %.2f dBTP after encoding", job.file, measured["lufs"], measured["tp"])
        return abs(measured["lufs"] - loudness.TARGET_LUFS) <= LUFS_TOLERANCE and measured["tp"] <= PEAK_LIMIT_DB

    attempts = 5
    samples = None
    for attempt in range(attempts):
        t1 = time.perf_counter()
        programme_target = loudness.TARGET_LUFS + offset_db
        voice_target = programme_target
        sentences = [prepared[e.item] for e in spoken]  # type: ignore[index]
        for _ in range(5):
            # the whole programme (quiet rests, bells, bed) gates differently from the voice alone:
            # set the voice, measure the programme, and move the voice by the difference
            gain_key = digest("voice-gain", keys, [min(g, 1000) for g in gaps], round(voice_target, 2), ceiling_db)
            gain_db = cache.value(
                gain_key,
                functools.partial(loudness.voice_gain, sentences, gaps, MIX_RATE, round(voice_target, 2), ceiling_db),
            )
            levelled = loudness.limited_voice(sentences, MIX_RATE, gain_db, ceiling_db)
            voice = {e.item: s for e, s in zip(spoken, levelled, strict=True)}
            mixed = mix.mix(layout, voice, MIX_RATE, bed=options.bed)  # type: ignore[arg-type]
            programme = loudness.integrated(mixed.samples, MIX_RATE)
            if abs(programme - programme_target) < 0.1:
                break
            voice_target += programme_target - programme
        t2 = t3 = time.perf_counter()
        samples, info = loudness.normalise(mixed.samples, MIX_RATE, programme_target, ceiling_db)
        t4 = time.perf_counter()
        stages["mix"] += t3 - t2
        stages["loudness"] = stages.get("loudness", 0.0) + (t2 - t1) + (t4 - t3)
        log.debug("%s attempt %d: voice gain %.1f dB; %s", job.file, attempt, gain_db, info)
        verify_before = stages.get("verify", 0.0)
        ok = encode.encode(
            encode.pcm_chunks(samples),
            MIX_RATE,
            profile,
            target,
            title=job.title,
            seconds=samples.size / MIX_RATE,
            accept=None if attempt == attempts - 1 else acceptable,
        )
        stages["encode"] = stages.get("encode", 0.0) + time.perf_counter() - t4 - (stages["verify"] - verify_before)
        if ok:
            break
        offset_db += loudness.TARGET_LUFS - measured["lufs"]
        if measured["tp"] > PEAK_LIMIT_DB:
            ceiling_db -= measured["tp"] - PEAK_LIMIT_DB + 0.5
    assert samples is not None
    t5 = time.perf_counter()
    wav_rel = ""
    if options.wav:
        # the WAV is the finished programme as it went to the MP3 encoder
        wav_rel = str(Path(job.file).with_suffix(".wav"))
        encode.encode(encode.pcm_chunks(samples), MIX_RATE, encode.PROFILES["wav"], options.out_dir / wav_rel)
    t6 = time.perf_counter()
    stages["wav"] = t6 - t5
    atomic_write_bytes(options.out_dir / job.captions, captions.webvtt(layout, job.title).encode())
    entry = LibraryEntry(
        id=job.id,
        kind=job.kind,
        title=job.title,
        length_min=job.length_min,
        file=job.file,
        duration_ms=layout.total_ms,
        sha256=sha256_file(target),
        captions=job.captions,
        profile=job.profile,
        theme=job.theme,
        description=job.description,
        bitrate_kbps=profile.bitrate_kbps,
        sample_rate=profile.sample_rate,
        format=profile.format,
        wav=wav_rel,
        inputs=key,
    )
    stages["captions"] = time.perf_counter() - t6
    return entry.to_json(), stages


def _terminate_gracefully(*_: object) -> None:
    raise SystemExit(143)


def _worker_init() -> None:
    signal.signal(signal.SIGTERM, _terminate_gracefully)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means


def synthesise_missing(jobs: list[Job], options: RenderOptions, report: RenderReport, progress: Progress) -> None:
    """Speak every sentence of ``jobs`` that the cache lacks (each unique sentence once)."""
    cache = SegmentCache(options.cache_root)
    wanted: dict[str, Speech] = {}
    for job in jobs:
        for speech in job.speech():
            wanted.setdefault(speech_key(options.engine, speech), speech)
    todo = [(k, s.text, s.prosody) for k, s in wanted.items() if not cache.has(k)]
    report.reused = len(wanted) - len(todo)
    if not todo:
        return
    t0 = time.perf_counter()
    progress("tts-start", None, float(len(todo)))
    with EnginePool(options.engine, jobs=options.jobs, timeout=options.tts_timeout) as pool:
        for result in pool.synthesise(todo):
            cache.put(result.key, result.samples, result.rate)
            report.synthesised += 1
            report.engine_seconds += result.engine_seconds
            progress("tts", None, 1.0)
    report.tts_seconds = time.perf_counter() - t0
    progress("tts-done", None, 0.0)


def render(options: RenderOptions, progress: Progress | None = None) -> RenderReport:
    """Bring the library in ``options.out_dir`` up to date; returns what was done."""
    say: Progress = progress or (lambda *_: None)
    started = time.perf_counter()
    report = RenderReport()
    jobs = select(plan(options.templates_dir), options.only, options.length)
    if options.lengths:
        jobs = [j for j in jobs if j.length_min in options.lengths]
    report.planned = len(jobs)
    entries = manifest.read(options.out_dir)
    keyed = [(job, inputs_key(job, options)) for job in jobs]
    todo = [(job, key) for job, key in keyed if not _up_to_date(job, entries.get(job.file), key, options)]
    report.skipped = len(jobs) - len(todo)
    if not todo:
        report.seconds = time.perf_counter() - started
        return report

    from skill.render.encode import remove_stale_parts

    options.out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(options.out_dir)
    previous = signal.signal(signal.SIGTERM, _terminate_gracefully)
    try:
        synthesise_missing([job for job, _ in todo], options, report, say)
        todo.sort(key=lambda jk: -jk[0].estimate_seconds())
        say("render-start", None, sum(job.estimate_seconds() for job, _ in todo))

        def finished(job: Job, result: tuple[dict[str, Any], dict[str, float]]) -> None:
            entry = LibraryEntry.from_json(result[0])
            entries[entry.file] = entry
            manifest.write(options.out_dir, entries)
            report.rendered.append(entry.file)
            for stage, seconds in result[1].items():
                report.stages[stage] = report.stages.get(stage, 0.0) + seconds
            say("file", job, job.estimate_seconds())

        if options.jobs <= 1 or len(todo) == 1:
            for job, key in todo:
                finished(job, render_job(job, options, key))
        else:
            context = mp.get_context("fork" if os.name == "posix" else "spawn")
            with ProcessPoolExecutor(
                max_workers=min(options.jobs, len(todo)), mp_context=context, initializer=_worker_init
            ) as pool:
                running: dict[Future[tuple[dict[str, Any], dict[str, float]]], Job] = {
                    pool.submit(render_job, job, options, key): job for job, key in todo
                }
                try:
                    while running:
                        done, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            finished(running.pop(future), future.result())
                except BaseException:
                    for future in running:
                        future.cancel()
                    for process in list(getattr(pool, "_processes", {}).values()):
                        with contextlib.suppress(Exception):
                            process.terminate()
                    raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    report.seconds = time.perf_counter() - started
    return report
