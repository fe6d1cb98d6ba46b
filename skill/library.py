"""The rendered audio library, as its manifest describes it.

``audio_dir/manifest.json`` is a JSON list of entries (see :class:`LibraryEntry`); the studio writes it
atomically after every finished file, so a library that is still rendering is simply a shorter list.
:class:`Library` re-reads the manifest whenever it changes on disk and never fails on a missing or
unreadable one: it keeps the last good reading (or nothing).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any, Literal

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
Kind = Literal["meditation", "breathing", "clip"]
KINDS: tuple[str, ...] = ("meditation", "breathing", "clip")


@dataclass(frozen=True)
class LibraryEntry:
    """One rendered file. ``file`` and ``captions`` are relative to the audio directory."""

    id: str
    kind: str  # "meditation" | "breathing" | "clip"
    title: str
    length_min: int
    file: str  # e.g. "meditations/loving-kindness-10min.mp3"
    duration_ms: int
    sha256: str
    captions: str  # e.g. "meditations/loving-kindness-10min.vtt"
    profile: str = "longform"  # "longform" | "clip" | "wav"
    theme: str = ""
    description: str = ""
    bitrate_kbps: int = 0
    sample_rate: int = 0
    format: str = "mp3"
    wav: str = ""  # a WAV copy, when rendered with --wav
    inputs: str = ""  # the studio's key of everything this file was made from (for its cache)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LibraryEntry:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        entry = cls(**values)
        if entry.kind not in KINDS:
            raise ValueError(f"unknown kind {entry.kind!r}")
        for rel in (entry.file, entry.captions):
            if not is_safe_relative(rel):
                raise ValueError(f"path {rel!r} is not inside the audio directory")
        return entry


def is_safe_relative(rel: str) -> bool:
    """True for a plain relative path that stays inside its directory."""
    if not rel or "\\" in rel or "\x00" in rel:
        return False
    path = PurePosixPath(rel)
    return not path.is_absolute() and ".." not in path.parts


def meditation_file(meditation_id: str, minutes: int, ext: str = "mp3") -> str:
    return f"meditations/{meditation_id}-{minutes}min.{ext}"


def breathing_file(pattern_id: str, minutes: int, ext: str = "mp3") -> str:
    return f"breathing/{pattern_id}-{minutes}min.{ext}"


def clip_file(clip_id: str, ext: str = "mp3") -> str:
    return f"clips/{clip_id}.{ext}"


def captions_for(rel_file: str) -> str:
    return str(PurePosixPath(rel_file).with_suffix(".vtt"))


def parse_manifest(text: str) -> list[LibraryEntry]:
    """Entries from manifest text; malformed entries are skipped (logged), a malformed file raises."""
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("entries", [])
    if not isinstance(data, list):
        raise ValueError("manifest is not a list of entries")
    entries: list[LibraryEntry] = []
    for raw in data:
        try:
            entries.append(LibraryEntry.from_json(raw))
        except (TypeError, ValueError) as exc:
            log.warning("skipping a malformed manifest entry: %s", exc)
    return entries


class Library:
    """Read access to the rendered library in ``audio_dir`` (thread-safe, reloads on change)."""

    def __init__(self, audio_dir: Path) -> None:
        self.audio_dir = Path(audio_dir)
        self.manifest_path = self.audio_dir / MANIFEST
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._entries: list[LibraryEntry] = []

    def _refresh(self) -> list[LibraryEntry]:
        with self._lock:
            try:
                st = self.manifest_path.stat()
            except OSError:
                self._stamp, self._entries = None, []
                return self._entries
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                try:
                    self._entries = parse_manifest(self.manifest_path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    log.warning("cannot read %s (keeping the last good reading): %s", self.manifest_path, exc)
                self._stamp = stamp
            return self._entries

    def entries(self, kind: str | None = None) -> list[LibraryEntry]:
        """Entries whose audio file exists, in manifest order (optionally of one kind)."""
        return [e for e in self._refresh() if (kind is None or e.kind == kind) and (self.audio_dir / e.file).is_file()]

    def find(self, kind: str, id: str, length_min: int | None = None) -> LibraryEntry | None:
        """The entry for ``kind``/``id`` at ``length_min`` (any length when None); None if not rendered."""
        for entry in self.entries(kind):
            if entry.id == id and (length_min is None or entry.length_min == length_min):
                return entry
        return None

    def lengths(self, kind: str, id: str) -> list[int]:
        """The lengths rendered for ``kind``/``id``, shortest first."""
        return sorted({e.length_min for e in self.entries(kind) if e.id == id})

    def by_file(self, relative: str) -> LibraryEntry | None:
        """The entry whose audio (or captions) file is ``relative``; None for anything not in the manifest."""
        if not is_safe_relative(relative):
            return None
        for entry in self.entries():
            if relative in (entry.file, entry.captions):
                return entry
        return None

    def path(self, entry: LibraryEntry) -> Path:
        """The absolute path of an entry's audio file."""
        return self.audio_dir / entry.file

    def captions_path(self, entry: LibraryEntry) -> Path:
        return self.audio_dir / entry.captions
