"""Serving library files over HTTP without Flask: which file, which bytes, which validators.

- :func:`safe_file` maps a requested relative path to a file inside the audio directory, only when
  the manifest lists it (audio or captions); anything else, including traversal, is None.
- :func:`byte_range` reads a ``Range`` header (RFC 9110 §14): one satisfiable byte range gives a part;
  an unsatisfiable one gives 416; a header we do not serve (several ranges, another unit, bad syntax)
  is ignored, which the RFC allows, and the whole file is sent.
- :func:`etag_matches` and :func:`if_range_allows` answer the conditional headers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json",
}
CACHE_CONTROL = "public, max-age=3600"


def content_type(path: str | Path) -> str:
    return CONTENT_TYPES.get(PurePosixPath(str(path)).suffix.lower(), "application/octet-stream")


def clean_relative(requested: str) -> str | None:
    """``requested`` as a plain relative POSIX path, or None if it could leave the directory."""
    if not requested or "\x00" in requested or "\\" in requested or requested.startswith("/"):
        return None
    parts = requested.split("/")
    if not parts or any(p in {"", ".", ".."} or ":" in p for p in parts):
        return None
    return "/".join(parts)


def safe_file(audio_dir: Path, requested: str, listed: Collection[str]) -> Path | None:
    """The file to serve for ``requested``: listed in the manifest, inside ``audio_dir``, existing."""
    relative = clean_relative(requested)
    if relative is None or relative not in listed:
        return None
    root = audio_dir.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


@dataclass(frozen=True)
class ByteRange:
    """The answer to a Range header: ``status`` 200 (whole file), 206 (``start``..``end`` inclusive) or 416."""

    status: int
    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1 if self.status != 416 else 0

    @property
    def content_range(self) -> str | None:
        if self.status == 206:
            return f"bytes {self.start}-{self.end}/{self.size}"
        if self.status == 416:
            return f"bytes */{self.size}"
        return None


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def byte_range(header: str | None, size: int) -> ByteRange:
    """What to send for ``Range: header`` of a file of ``size`` bytes."""
    whole = ByteRange(200, 0, size - 1, size)
    if not header:
        return whole
    m = _RANGE.match(header)
    if not m or (not m.group(1) and not m.group(2)):
        return whole  # several ranges, another unit or bad syntax: ignored
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return whole  # invalid range-spec: ignored like bad syntax
        if start >= size:
            return ByteRange(416, 0, 0, size)
        return ByteRange(206, start, end, size)
    suffix = int(last)
    if suffix == 0 or size == 0:
        return ByteRange(416, 0, 0, size)
    return ByteRange(206, max(0, size - suffix), size - 1, size)


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` names ``etag`` (weak comparison) or is ``*``."""
    if not if_none_match:
        return False
    tags = _tags(if_none_match)
    return "*" in tags or etag.removeprefix("W/") in tags


def if_range_allows(if_range: str | None, etag: str, last_modified: str) -> bool:
    """True when a Range may be honoured: no ``If-Range``, or it names this very version."""
    if not if_range:
        return True
    value = if_range.strip()
    if value.startswith('"'):
        return value == etag  # strong comparison
    if value.startswith("W/"):
        return False
    return value == last_modified


def stream_slice(path: Path, start: int, length: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Yield ``length`` bytes of ``path`` from ``start`` in chunks (the file stays closed in between)."""
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(chunk, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
