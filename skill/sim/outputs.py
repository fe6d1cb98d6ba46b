"""Answers said aloud (pyttsx3) and audio played with a local player (ffplay, afplay, aplay)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

PLAYERS: tuple[tuple[str, list[str]], ...] = (
    ("ffplay", ["-nodisp", "-autoexit", "-loglevel", "quiet"]),
    ("afplay", []),
    ("aplay", ["-q"]),
)


class Voice:
    """Speaks text through pyttsx3 (espeak-ng on Linux); says why when it cannot."""

    def __init__(self) -> None:
        self.engine: Any = None
        self.problem: str | None = None

    def say(self, text: str) -> str | None:
        """Speak ``text``; returns a note when speaking is not possible."""
        words = re.sub(r"\[pause [\d.]+s\]", ",", text).strip()
        if not words:
            return None
        if self.engine is None and self.problem is None:
            try:
                import pyttsx3

                self.engine = pyttsx3.init()
            except Exception as exc:  # pyttsx3 raises many kinds when no driver or voice exists
                self.problem = f"cannot speak aloud: {exc}"
        if self.engine is None:
            return self.problem
        self.engine.say(words)
        self.engine.runAndWait()
        return None


class LocalPlayer:
    """Plays a file in the background with the first local player found; one file at a time."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        found = [(shutil.which(n), a) for n, a in PLAYERS if shutil.which(n)]
        self.command: tuple[str | None, list[str]] = found[0] if found else (None, [])

    def play(self, path: Path | None, url: str, duration_ms: int | None) -> str:
        """Start playing; returns a line saying what happens (or where the file is when it cannot play)."""
        self.stop()
        length = f"{duration_ms / 1000:.0f} s" if duration_ms else "length unknown"
        if path is None or not path.is_file():
            return f"(not rendered here: {url}, {length})"
        program, args = self.command
        if program is None or (Path(program).name == "aplay" and path.suffix != ".wav"):
            return f"(no local player: {path}, {length})"
        self.process = subprocess.Popen(
            [program, *args, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return f"(playing {path} with {Path(program).name}, {length})"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
