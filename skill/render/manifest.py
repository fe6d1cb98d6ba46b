"""The library's manifest.json: a JSON list of entries, written atomically after every finished file."""

from __future__ import annotations

import json
from pathlib import Path

from skill.library import MANIFEST, LibraryEntry, parse_manifest
from skill.render.cache import atomic_write_bytes


def read(audio_dir: Path) -> dict[str, LibraryEntry]:
    """The current manifest's entries by file (empty when there is none or it cannot be read)."""
    try:
        text = (Path(audio_dir) / MANIFEST).read_text(encoding="utf-8")
        return {e.file: e for e in parse_manifest(text)}
    except (OSError, ValueError):
        return {}


def order_key(entry: LibraryEntry) -> tuple[int, str, int]:
    return (("meditation", "breathing", "clip").index(entry.kind), entry.id, entry.length_min)


def write(audio_dir: Path, entries: dict[str, LibraryEntry]) -> None:
    """Replace the manifest with ``entries`` (sorted by kind, id, length) in one atomic rename."""
    ordered = sorted(entries.values(), key=order_key)
    text = json.dumps([e.to_json() for e in ordered], indent=2) + "\n"
    atomic_write_bytes(Path(audio_dir) / MANIFEST, text.encode())
