"""Stage 7: a content-addressed cache. TTS segments are keyed by engine, voice, text and prosody."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from skill.render.timeline import Prosody

PREPARE_VERSION = "p2"  # bump when preparing a sentence (trim, band limit, level) changes


def digest(*parts: object) -> str:
    """A stable sha256 over JSON-serialisable parts."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def tts_key(engine: str, voice: str | None, text: str, prosody: Prosody) -> str:
    """The cache key of one synthesised sentence (volume is applied in the mix, so it is not part)."""
    return digest("tts", 1, engine, voice or "default", text, round(prosody.rate, 4), round(prosody.pitch, 2))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, published_mode())  # mkstemp makes it private; the library is served to others
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class SegmentCache:
    """Synthesised sentences as 16-bit mono WAV files under ``root/tts``, named by their key."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / "tts" / key[:2] / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, samples: np.ndarray, rate: int) -> None:
        pcm = (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            with wave.open(tmp, "wb") as f:
                f.setnchannels(1)
                f.setsampwidth(2)
                f.setframerate(rate)
                f.writeframes(pcm)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def prepared(self, key: str, rate: int, prepare: Callable[[np.ndarray, int, int], np.ndarray]) -> np.ndarray:
        """The sentence as ``prepare(samples, engine_rate, rate)`` made it, cached next to the raw one."""

        def make() -> np.ndarray:
            samples, engine_rate = self.get(key)
            return prepare(samples, engine_rate, rate)

        return self.array(f"prepared/{PREPARE_VERSION}", f"{key}-{rate}", make)

    def array(self, kind: str, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """A float32 array computed once per ``kind`` and ``key`` (e.g. a levelled sentence)."""
        path = self.root / kind / key[:2] / f"{key}.npy"
        if path.is_file():
            return np.load(path)
        out = np.ascontiguousarray(compute(), dtype=np.float32)
        buffer = io.BytesIO()
        np.save(buffer, out)
        atomic_write_bytes(path, buffer.getvalue())
        return out

    def get(self, key: str) -> tuple[np.ndarray, int]:
        with wave.open(str(self.path(key)), "rb") as f:
            rate = f.getframerate()
            data = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
        return data.astype(np.float32) / 32768.0, rate


def published_mode() -> int:
    """The permissions of a finished library file: readable by all, as the umask allows."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o644 & ~mask
