"""Stage 5: encode with ffmpeg to a profile, written to a temporary name and renamed when complete.

Profiles: ``clip`` — for the SSML ``<audio>`` tag: MP3, 48 kbps, 24 000 Hz, mono, at most 240 s;
``longform`` — for AudioPlayer: MP3 at 96 kbps (Alexa accepts 64-128; at 64 kbps the encoder's noise
lifts the peaks of a synthetic voice by up to 3 dB, at 96 kbps by a few tenths); ``wav`` — 16-bit PCM.
Each profile says how much of a file the studio decodes again to check it (``verify_seconds``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skill.render.cache import published_mode

CHUNK = 1 << 16
CUTOFF_HZ = 9000  # the encoder's low-pass; speech is band-limited the same way before loudness is set


class EncodeError(RuntimeError):
    """ffmpeg is missing or failed; the message says what to do."""


@dataclass(frozen=True)
class Profile:
    name: str
    format: str  # "mp3" | "wav"
    sample_rate: int
    bitrate_kbps: int  # 0 for WAV
    max_seconds: float | None = None
    peak_ceiling_db: float = -2.5  # true-peak ceiling before encoding (MP3 adds overshoot)
    level_offset_db: float = 0.0  # loudness the encoder and decoder lose, measured on this library
    verify_seconds: float | None = None  # decode this much of each file to check it (None: all of it)

    @property
    def ext(self) -> str:
        return self.format


PROFILES = {
    "clip": Profile("clip", "mp3", 24000, 48, max_seconds=240.0, peak_ceiling_db=-4.6, level_offset_db=0.4),
    "longform": Profile("longform", "mp3", 24000, 96, peak_ceiling_db=-3.4, level_offset_db=0.45, verify_seconds=30.0),
    "wav": Profile("wav", "wav", 24000, 0, peak_ceiling_db=-2.5),
}


def ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if not path:
        raise EncodeError("ffmpeg is not installed: run scripts/setup, or: sudo apt-get install ffmpeg")
    return path


def pcm_chunks(samples: np.ndarray, chunk: int = CHUNK) -> Iterable[bytes]:
    """``samples`` (float, -1..1) as 16-bit little-endian PCM, a chunk at a time."""
    return pcm_blocks(samples[start : start + chunk] for start in range(0, samples.size, chunk))


def pcm_blocks(blocks: Iterable[np.ndarray]) -> Iterable[bytes]:
    """Each float block (-1..1) as 16-bit little-endian PCM."""
    for block in blocks:
        scaled = np.clip(block, -1.0, 32767 / 32768)
        scaled *= 32767
        yield np.rint(scaled, out=scaled).astype("<i2").tobytes()


def encode(
    chunks: Iterable[bytes],
    rate: int,
    profile: Profile,
    target: Path,
    title: str = "",
    seconds: float | None = None,
    accept: Callable[[Path], bool] | None = None,
) -> bool:
    """Encode 16-bit mono PCM ``chunks`` at ``rate`` to ``target`` in ``profile``; atomic.

    The output appears under its final name only when ffmpeg finished cleanly; any failure or
    interruption (an exception from ``chunks``, a signal) removes the temporary file. ``accept`` may
    inspect the finished temporary file first; when it returns False the file is dropped and encode
    returns False.
    """
    if profile.max_seconds is not None and seconds is not None and seconds > profile.max_seconds:
        raise EncodeError(
            f"{target.name} lasts {seconds:.0f} s; the {profile.name} profile allows {profile.max_seconds:g}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    cmd = [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", "-ar", str(profile.sample_rate), "-ac", "1"]
    if profile.format == "mp3":
        cmd += ["-c:a", "libmp3lame", "-b:a", f"{profile.bitrate_kbps}k", "-cutoff", str(CUTOFF_HZ)]
        cmd += ["-id3v2_version", "3"]
        if title:
            cmd += ["-metadata", f"title={title}", "-metadata", "artist=Inner Kindness"]
        cmd += ["-f", "mp3"]
    else:
        cmd += ["-c:a", "pcm_s16le", "-f", "wav"]
    # named before it exists, so an interruption at any moment knows what to remove
    tmp = target.parent / f".{target.name}.{os.getpid()}.{threading.get_ident()}.part"
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen([*cmd, str(tmp)], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdin is not None and proc.stderr is not None
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
        except BrokenPipeError:
            pass
        proc.stdin.close()
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise EncodeError(f"ffmpeg failed on {target.name}: {stderr.strip()[-400:]}")
        if accept is not None and not accept(tmp):
            tmp.unlink()
            return False
        tmp.chmod(published_mode())
        os.replace(tmp, target)
        return True
    except BaseException:
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.kill()
                proc.wait(5)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        if proc is not None and proc.stderr:
            proc.stderr.close()


def decode(path: Path, rate: int, seconds: float | None = None) -> np.ndarray:
    """An encoded file (or its first ``seconds``) decoded by ffmpeg to mono float32 at ``rate``."""
    cmd = [ffmpeg(), "-nostdin", "-v", "error", "-i", str(path)]
    cmd += ["-t", f"{seconds:.3f}"] if seconds is not None else []
    cmd += ["-f", "s16le", "-ac", "1", "-ar", str(rate), "-"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdout is not None
        with proc.stdout:
            pcm = proc.stdout.read()
        if proc.wait() != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-300:]
            raise EncodeError(f"ffmpeg cannot decode {path.name}: {message}")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def remove_stale_parts(folder: Path) -> int:
    """Delete temporary files an earlier, killed render left behind; returns how many."""
    count = 0
    if folder.is_dir():
        for path in folder.rglob(".*.part"):
            with contextlib.suppress(OSError):
                path.unlink()
                count += 1
        for path in folder.rglob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()
                count += 1
    return count
