"""`kindness bench render`: the studio's render time against the work it cannot avoid.

In one run, on fresh folders:
0. (not timed) the library rendered once with ``--wav``: the finished programmes as WAV files;
1. the library rendered with ``--jobs 1``;
2. the unavoidable work: ffmpeg's time to encode those WAVs to the library's MP3s, plus the raw engine
   time for every unique sentence (one engine, one sentence after another, timed inside the engine);
3. the library rendered with ``--jobs 2`` (the parallel speed-up);
4. the ``--wav`` render repeated with nothing changed (in process, and as a ``kindness render`` process).

Steps 1 to 3 take turns ``--repeat`` times, each render on fresh folders (its own cache too); every
figure is the best of its runs (a shared machine only ever adds time), and the JSON lists every run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from skill.config import Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kindness bench render", description=__doc__.splitlines()[0])
    p.add_argument("--only", metavar="ID", help="one meditation, breathing pattern or clip (default: everything)")
    p.add_argument("--lengths", metavar="MIN,...", help="only these lengths, e.g. 3,5 (default: all)")
    p.add_argument("--engine", choices=("pyttsx3", "piper"), default="pyttsx3")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--keep", type=Path, help="keep the rendered folders here")
    p.add_argument("--repeat", type=int, default=2, metavar="N", help="time each part N times, keep the best")
    p.add_argument(
        "--check", action="store_true", help="also measure every rendered file with ffmpeg's ebur128 (not timed)"
    )
    return p


def raw_engine_seconds(engine: str, sentences: list) -> float:
    """Seconds the engine itself spends speaking ``sentences``, each once: the time inside the engine
    for each sentence, summed (start-up, a warm-up sentence and any failed attempt left out)."""
    from skill.render.tts import EnginePool, EngineSpec

    with EnginePool(EngineSpec(engine), jobs=1) as pool:
        list(pool.synthesise([("warm-up", "Warm up.", sentences[0].prosody)]))
        requests = [(str(n), sentence.text, sentence.prosody) for n, sentence in enumerate(sentences)]
        return sum(result.engine_seconds for result in pool.synthesise(requests))


def encode_seconds(out: Path) -> float:
    """ffmpeg's time to encode each finished WAV to the MP3 its manifest entry describes."""
    from skill.library import Library
    from skill.render.encode import CUTOFF_HZ, ffmpeg

    total = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        for entry in Library(out).entries():
            command = [ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(out / entry.wav), "-ar", "24000"]
            command += ["-ac", "1", "-c:a", "libmp3lame", "-b:a", f"{entry.bitrate_kbps}k", "-cutoff", str(CUTOFF_HZ)]
            command.append(str(Path(scratch) / "x.mp3"))
            started = time.perf_counter()
            subprocess.run(command, check=True)
            total += time.perf_counter() - started
    return total


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file as ffmpeg's ebur128 filter measures it."""
    from skill.render.encode import ffmpeg

    command = [ffmpeg(), "-nostdin", "-hide_banner", "-nostats", "-i", str(path)]
    command += ["-af", "ebur128=peak=true", "-f", "null", "-"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    return float(summary.split("I:")[1].split("LUFS")[0]), float(summary.split("Peak:")[1].split("dBFS")[0])


def compliance(out: Path) -> dict[str, float]:
    """The loudest, quietest and highest-peaking of the rendered files, measured independently."""
    from skill.library import Library

    measured = [ebur128(out / entry.file) for entry in Library(out).entries()]
    return {
        "files_checked": len(measured),
        "lufs_min": min(m[0] for m in measured),
        "lufs_max": max(m[0] for m in measured),
        "true_peak_max_dbtp": max(m[1] for m in measured),
    }


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if not 1 <= args.repeat <= 10:
        parser().error("--repeat must be 1..10")
    from skill.render.pipeline import RenderOptions, render, speech_key
    from skill.render.plan import plan, select
    from skill.render.tts import EngineSpec

    settings = Settings.from_env()
    lengths = tuple(int(n) for n in args.lengths.split(",")) if args.lengths else ()
    root = Path(tempfile.mkdtemp(prefix="kindness-bench-"))
    spec = EngineSpec(args.engine)

    def options(name: str, jobs: int, wav: bool) -> RenderOptions:
        return RenderOptions(
            out_dir=root / name,
            templates_dir=settings.templates_dir,
            engine=spec,
            jobs=jobs,
            only=args.only,
            wav=wav,
            lengths=lengths,
        )

    try:
        jobs = select(plan(settings.templates_dir), args.only, None)
        jobs = [j for j in jobs if not lengths or j.length_min in lengths]
        unique = {speech_key(spec, s): s for job in jobs for s in job.speech()}
        # the finished programmes as WAV files, which the encode baseline starts from (not timed)
        render(options("wav", 1, wav=True))
        ones, twos, tts_runs, enc_runs = [], [], [], []
        for run in range(args.repeat):
            # the parts take turns, so a slow spell of a shared machine falls on each of them alike
            name = "jobs1" if run == 0 else f"jobs1-{run}"  # the first is kept for --check
            ones.append(render(options(name, 1, wav=False)))
            enc_runs.append(encode_seconds(root / "wav"))
            tts_runs.append(raw_engine_seconds(args.engine, list(unique.values())))
            twos.append(render(options(f"jobs2-{run}", 2, wav=False)).seconds)
            if run:
                shutil.rmtree(root / name, ignore_errors=True)
            shutil.rmtree(root / f"jobs2-{run}", ignore_errors=True)
        one = min(ones, key=lambda report: report.seconds)
        render_1 = one.seconds
        render_2, tts, enc = min(twos), min(tts_runs), min(enc_runs)
        command = [sys.executable, "-m", "skill.cli", "render", "--out", str(root / "wav"), "--jobs", "1", "--quiet"]
        command += ["--engine", args.engine, "--wav"] + (["--only", args.only] if args.only else [])
        if len(lengths) == 1:
            command += ["--length", str(lengths[0])]
        noop_runs = []
        noop_inprocess = min(render(options("wav", 1, wav=True)).seconds for _ in range(3))
        if len(lengths) <= 1:
            for _ in range(3):
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                noop_runs.append(time.perf_counter() - started)
        audio_minutes = sum(job.estimate_seconds() for job in jobs) / 60
        figures: dict[str, Any] = {
            "files": len(one.rendered),
            "audio_minutes": round(audio_minutes, 1),
            "unique_sentences": len(unique),
            "render_jobs1_s": round(render_1, 2),
            "render_jobs2_s": round(render_2, 2),
            "runs": args.repeat,
            "render_jobs1_runs_s": [round(report.seconds, 2) for report in ones],
            "render_jobs2_runs_s": [round(seconds, 2) for seconds in twos],
            "raw_tts_runs_s": [round(seconds, 2) for seconds in tts_runs],
            "ffmpeg_encode_runs_s": [round(seconds, 2) for seconds in enc_runs],
            "raw_tts_s": round(tts, 2),
            "ffmpeg_encode_s": round(enc, 2),
            "ratio_jobs1": round(render_1 / (tts + enc), 3),
            "ratio_jobs2": round(render_2 / (tts + enc), 3),
            "speedup_jobs2": round(render_1 / render_2, 3),
            "noop_rerender_s": round(min(noop_runs), 3) if noop_runs else None,
            "noop_rerender_in_process_s": round(noop_inprocess, 3),
            "stages_jobs1_s": {k: round(v, 2) for k, v in one.stages.items()},
            "tts_phase_jobs1_s": round(one.tts_seconds, 2),
        }
        if args.check:
            figures["compliance"] = compliance(root / "jobs1")
    finally:
        if args.keep:
            shutil.copytree(root, args.keep, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"studio render benchmark ({figures['files']} files, {figures['audio_minutes']} min of audio)")
    print(f"  render, --jobs 1            {figures['render_jobs1_s']:>9.2f} s")
    print(f"  raw TTS ({len(unique)} sentences)    {figures['raw_tts_s']:>9.2f} s")
    print(f"  ffmpeg encode from WAV      {figures['ffmpeg_encode_s']:>9.2f} s")
    print(f"  ratio (target <= 1.3)       {figures['ratio_jobs1']:>9.3f}   (--jobs 2: {figures['ratio_jobs2']:.3f})")
    print(f"  render, --jobs 2            {figures['render_jobs2_s']:>9.2f} s")
    print(f"  speed-up (target >= 1.7)    {figures['speedup_jobs2']:>9.3f}")
    noop = figures["noop_rerender_s"]
    cli = f"{noop:.3f} s as a kindness render process" if noop is not None else "process not timed for this subset"
    print(f"  no-change re-render         {figures['noop_rerender_in_process_s']:>9.3f} s in process; {cli} (< 1 s)")
    print(f"  stages (--jobs 1, summed)   {figures['stages_jobs1_s']}")
    if "compliance" in figures:
        c = figures["compliance"]
        print(
            f"  ebur128 of {c['files_checked']} files   {c['lufs_min']:.1f} to {c['lufs_max']:.1f} LUFS, "
            f"true peak at most {c['true_peak_max_dbtp']:.1f} dBTP"
        )
    return 0
