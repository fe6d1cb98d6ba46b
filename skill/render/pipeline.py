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
from typing import TYPE_CHECKING, Any

import numpy as np

from skill.library import LibraryEntry
from skill.render import manifest
from skill.render.cache import SegmentCache, atomic_write_bytes, digest, tts_key
from skill.render.plan import Job, plan, select
from skill.render.timeline import Layout, Speech
from skill.render.tts import EnginePool, EngineSpec

if TYPE_CHECKING:
    from skill.render import level
    from skill.render.mix import Programme

log = logging.getLogger(__name__)

RENDER_VERSION = "2"  # bump when a change to the studio should re-render every file
LEVEL_VERSION = "l3"  # bump when levelling a sentence changes
MIX_RATE = 24000
LUFS_TOLERANCE = 0.3  # of the encoded file, measured after decoding
PEAK_LIMIT_DB = -2.2  # true peak of the encoded file (Amazon asks for -2 dBTP or lower)
PEAK_MARGIN_DB = 0.1  # limiting the voice lowers the programme's loudness a little: leave room for it


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


def levelled_voice(
    cache: SegmentCache, engine: EngineSpec, prepared: dict[Speech, np.ndarray], peak_db: float
) -> dict[Speech, np.ndarray]:
    """Every sentence at the reference loudness with its true peak at ``peak_db`` (cached)."""
    from skill.render import level

    voice: dict[Speech, np.ndarray] = {}
    for speech, samples in prepared.items():
        key = digest("level", LEVEL_VERSION, speech_key(engine, speech), MIX_RATE, peak_db)
        make = functools.partial(level.level_sentence, samples, MIX_RATE, peak_db)
        voice[speech] = cache.array("levelled", key, make)
    return voice


def plan_levels(
    job: Job,
    options: RenderOptions,
    prepared: dict[Speech, np.ndarray],
    layout: Layout,
    offset_db: float,
    ceiling_db: float,
) -> tuple[Programme, float, level.Measure]:
    """The programme, the final gain (dB) that puts it at the target with its peaks under the ceiling,
    and its measure at unit gain.

    Every sentence is levelled with the same peak control (:data:`level.VOICE_PEAK_DB`), so most
    programmes need nothing more than their gain and share their levelled sentences. A very sparse
    programme (a few sentences between long bells and rests) gates far under its sentences and needs
    more gain than that leaves room for: its sentences are levelled again with lower peaks until the
    gain fits under the ceiling, down to :data:`level.LOWEST_PEAK_DB`; past that the file is played
    softer than the target rather than crush the voice (and a warning says so).
    """
    from skill.render import level, mix

    cache = SegmentCache(options.cache_root)
    target = level.loudness.TARGET_LUFS + offset_db
    peak_db = level.VOICE_PEAK_DB
    previous: tuple[float, float] | None = None  # (peak level, excess) of the last try
    while True:
        programme = mix.build(layout, levelled_voice(cache, options.engine, prepared, peak_db), MIX_RATE, options.bed)
        measured = level.measure(programme)
        gain_db = target - measured.lufs
        excess = measured.true_peak_db + gain_db - ceiling_db
        log.debug("%s: voice peaks at %.2f, gain %.2f dB, %.2f dB over the ceiling", job.file, peak_db, gain_db, excess)
        if excess <= 0:
            break
        if peak_db <= level.LOWEST_PEAK_DB:
            # so little speech that -14 LUFS would crush the voice: keep the voice, play it softer
            gain_db -= excess
            log.warning(
                "%s: too sparse to reach %.0f LUFS under the peak ceiling; rendered %.1f dB softer",
                job.file,
                level.loudness.TARGET_LUFS,
                excess,
            )
            break
        # lower peaks cost a little loudness, so the gain rises: a step down takes back only part of itself
        slope = 1.0 if previous is None else (previous[1] - excess) / (previous[0] - peak_db)
        previous = (peak_db, excess)
        peak_db = level.peak_step(peak_db - excess / float(np.clip(slope, 0.3, 1.0)) - PEAK_MARGIN_DB)
        peak_db = max(peak_db, level.LOWEST_PEAK_DB)
    return programme, gain_db, measured


def render_job(job: Job, options: RenderOptions, key: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Level, mix, encode and caption one file from cached sentences; returns its manifest entry."""
    from skill.render import captions, encode, level, mix

    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    cache = SegmentCache(options.cache_root)
    prepared: dict[Speech, np.ndarray] = {}
    durations: dict[Speech, int] = {}
    for speech in job.speech():
        prepared[speech] = cache.prepared(speech_key(options.engine, speech), MIX_RATE, mix.prepare_speech)
        durations[speech] = mix.duration_ms(prepared[speech], MIX_RATE)
    layout = job.layout(durations)
    profile = encode.PROFILES[job.profile]
    target = options.out_dir / job.file
    stages["mix"] = time.perf_counter() - t0
    # MP3 encoding lowers loudness a little and adds overshoot to peaks: the programme is levelled for
    # the profile, the encoded file (the clip whole, a long file's opening) is decoded and measured, and
    # when it is out of bounds (rare) it is made again with corrected settings.
    offset_db, ceiling_db = profile.level_offset_db, profile.peak_ceiling_db
    measured: dict[str, level.Measure] = {}
    attempts = 5
    for attempt in range(attempts):
        t1 = time.perf_counter()
        programme, gain_db, whole = plan_levels(job, options, prepared, layout, offset_db, ceiling_db)
        gain = 10 ** (gain_db / 20)
        t2 = time.perf_counter()
        stages["loudness"] = stages.get("loudness", 0.0) + t2 - t1

        intended_lufs = whole.lufs + gain_db - offset_db  # the target, unless the file is too sparse for it

        def acceptable(
            tmp: Path,
            programme: Programme = programme,
            gain: float = gain,
            whole: level.Measure = whole,
            intended: float = intended_lufs,
        ) -> bool:
            started = time.perf_counter()
            decoded = encode.decode(tmp, MIX_RATE, profile.verify_seconds)
            found = measured["encoded"] = level.encoded(programme, gain, decoded, whole)
            stages["verify"] = stages.get("verify", 0.0) + time.perf_counter() - started
            log.debug("%s: %.2f LUFS, %.2f dBTP after encoding", job.file, found.lufs, found.true_peak_db)
            in_bounds = abs(found.lufs - intended) <= LUFS_TOLERANCE
            return in_bounds and found.true_peak_db <= PEAK_LIMIT_DB

        verify_before = stages.get("verify", 0.0)
        ok = encode.encode(
            encode.pcm_blocks(programme.chunks(gain)),
            MIX_RATE,
            profile,
            target,
            title=job.title,
            seconds=programme.total / MIX_RATE,
            accept=None if attempt == attempts - 1 else acceptable,
        )
        stages["encode"] = stages.get("encode", 0.0) + time.perf_counter() - t2 - (stages["verify"] - verify_before)
        if ok:
            break
        found = measured["encoded"]
        offset_db += intended_lufs - found.lufs
        if found.true_peak_db > PEAK_LIMIT_DB:
            ceiling_db -= found.true_peak_db - PEAK_LIMIT_DB + 0.3
    t5 = time.perf_counter()
    wav_rel = ""
    if options.wav:
        # the WAV is the finished programme as it went to the MP3 encoder
        wav_rel = str(Path(job.file).with_suffix(".wav"))
        wav = encode.PROFILES["wav"]
        encode.encode(encode.pcm_blocks(programme.chunks(gain)), MIX_RATE, wav, options.out_dir / wav_rel)
    t6 = time.perf_counter()
    if options.wav:
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


def one_numeric_thread() -> Any:
    """Keep numpy's BLAS to one thread: the studio runs its own workers, and an idle BLAS thread spins.

    The true-peak measure is a matrix product; with a BLAS thread per core, each product leaves threads
    busy-waiting for more work, which cost a single render about half its own CPU time and took a core
    from the other worker under ``--jobs 2``.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _worker_init() -> None:
    one_numeric_thread()
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
        pool.launch(len(todo))
        load_render_stages()  # while the engines load
        for result in pool.synthesise(todo):
            cache.put(result.key, result.samples, result.rate)
            report.synthesised += 1
            report.engine_seconds += result.engine_seconds
            progress("tts", None, 1.0)
    report.tts_seconds = time.perf_counter() - t0
    progress("tts-done", None, 0.0)


def load_render_stages() -> None:
    """Import the stages a file is rendered with (scipy.signal alone takes most of a second), once, in
    this process: render workers forked from it then start with them loaded."""
    from skill.render import captions, encode, level, mix  # noqa: F401


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
    blas = one_numeric_thread()
    try:
        synthesise_missing([job for job, _ in todo], options, report, say)
        load_render_stages()
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
        blas.restore_original_limits()
        signal.signal(signal.SIGTERM, previous)
    report.seconds = time.perf_counter() - started
    return report
