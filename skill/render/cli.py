"""`kindness render [--out DIR] [--only ID] [--length MIN] [--engine pyttsx3|piper] [--jobs N] ...`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from skill.config import Settings


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kindness render", description="Render the meditation audio library.")
    p.add_argument("--out", type=Path, help="the audio folder (default: KINDNESS_AUDIO_DIR or audio/)")
    p.add_argument("--only", metavar="ID", help="render one meditation, breathing pattern or clip")
    p.add_argument("--length", type=int, metavar="MIN", help="render only this length in minutes")
    p.add_argument("--engine", choices=("pyttsx3", "piper"), default="pyttsx3", help="text-to-speech engine")
    p.add_argument("--voice", help="engine voice (pyttsx3 voice id, or a piper .onnx model path)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="files rendered at once")
    p.add_argument("--missing", action="store_true", help="render only what the manifest lacks")
    p.add_argument("--wav", action="store_true", help="also write a WAV file next to every MP3")
    p.add_argument("--no-bed", dest="bed", action="store_false", help="no ambient bed under the voice")
    p.add_argument("--templates", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--cache", type=Path, help="cache folder (default: OUT/.cache)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


class Bar:
    """A tqdm progress bar over seconds of audio, showing files done and time left."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.files = 0
        self.total_files = 0

    def __call__(self, event: str, job: object, amount: float) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if event == "tts-start":
            self.bar = tqdm(total=int(amount), desc="speaking", unit="sentence", leave=False, file=sys.stderr)
        elif event == "tts" and self.bar is not None:
            self.bar.update(1)
        elif event == "tts-done" and self.bar is not None:
            self.bar.close()
        elif event == "render-start":
            self.bar = tqdm(
                total=round(amount),
                desc="rendering",
                unit="s audio",
                file=sys.stderr,
                bar_format="{desc} {percentage:3.0f}%|{bar}| {postfix} [{elapsed} elapsed, {remaining} left]",
            )
        elif event == "file" and self.bar is not None:
            self.files += 1
            self.bar.set_postfix_str(f"{self.files} files", refresh=False)
            self.bar.update(round(amount))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from skill.render.pipeline import RenderOptions, render
    from skill.render.timeline import ScriptError
    from skill.render.tts import EngineError, EngineSpec

    settings = Settings.from_env()
    out = args.out or settings.audio_dir
    try:
        options = RenderOptions(
            out_dir=out,
            templates_dir=args.templates or settings.templates_dir,
            engine=EngineSpec(args.engine, args.voice),
            jobs=max(1, args.jobs),
            only=args.only,
            length=args.length,
            missing=args.missing,
            wav=args.wav,
            bed=args.bed,
            cache_dir=args.cache,
        )
        bar = Bar(args.quiet)
        try:
            report = render(options, bar)
        finally:
            bar.close()
    except (EngineError, ScriptError) as exc:
        print(f"kindness render: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kindness render: interrupted; finished files are kept, nothing half-written", file=sys.stderr)
        return 130
    except Exception as exc:
        from skill.render.encode import EncodeError

        if isinstance(exc, EncodeError):
            print(f"kindness render: {exc}", file=sys.stderr)
            return 2
        raise
    done = len(report.rendered)
    print(
        f"{done} file{'s' if done != 1 else ''} rendered, {report.skipped} up to date; "
        f"{report.synthesised} sentences spoken, {report.reused} from the cache; "
        f"{report.seconds:.1f} s -> {out}",
        file=sys.stderr,
    )
    return 0
