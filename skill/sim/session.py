"""Session and AudioPlayer state, kept the way a speaker keeps them between requests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.sim.envelopes import new_session_id

NEARLY_FINISHED_MS = 20_000  # PlaybackNearlyFinished arrives this long before the end (or at the end)


@dataclass
class Session:
    """A skill session: its id, attributes, and whether the next request is its first."""

    id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    turns: int = 0

    @property
    def open(self) -> bool:
        return self.id is not None

    def start(self) -> None:
        self.id = new_session_id()
        self.attributes = {}
        self.turns = 0

    def close(self) -> None:
        self.id = None
        self.attributes = {}
        self.turns = 0


@dataclass
class Stream:
    """One audio item: what an AudioPlayer.Play directive named."""

    token: str
    url: str
    offset_ms: int = 0
    title: str | None = None
    subtitle: str | None = None
    duration_ms: int | None = None
    local_path: Path | None = None
    nearly_finished_sent: bool = False


@dataclass
class AudioPlayer:
    """The device's player: activity, the current stream and its offset, and the queue."""

    activity: str = "IDLE"  # IDLE | PLAYING | PAUSED | STOPPED | FINISHED | BUFFER_UNDERRUN
    current: Stream | None = None
    queue: list[Stream] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        """``context.AudioPlayer`` as Alexa sends it."""
        if self.current is None:
            return {"playerActivity": self.activity}
        return {
            "playerActivity": self.activity,
            "token": self.current.token,
            "offsetInMilliseconds": int(self.current.offset_ms),
        }

    @property
    def playing(self) -> bool:
        return self.activity == "PLAYING" and self.current is not None

    def describe(self) -> str:
        if self.current is None:
            return f"player {self.activity.lower()}"
        where = f"{self.current.offset_ms / 1000:.0f}s"
        if self.current.duration_ms:
            where += f" of {self.current.duration_ms / 1000:.0f}s"
        queued = f", {len(self.queue)} queued" if self.queue else ""
        return f"player {self.activity.lower()}: {self.current.title or self.current.token} at {where}{queued}"


class AudioCatalogue:
    """Finds a stream's local file and duration from the audio library's manifest.json."""

    def __init__(self, audio_dir: Path, public_url: str) -> None:
        self.audio_dir = Path(audio_dir)
        self.public_url = public_url.rstrip("/")
        self._entries: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = {}
            try:
                data = json.loads((self.audio_dir / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = []
            for entry in data if isinstance(data, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                    self._entries[entry["file"]] = entry
        return self._entries

    def relative(self, url: str) -> str | None:
        """The file's path inside the audio directory for a URL the skill serves, else None."""
        marker = "/audio/"
        if marker not in url:
            return None
        rel = url.split(marker, 1)[1].split("?", 1)[0]
        return rel if rel and ".." not in rel.split("/") else None

    def lookup(self, url: str) -> tuple[Path | None, int | None, str | None]:
        """(local file if present, duration in ms if known, title if known) for a stream URL."""
        rel = self.relative(url)
        if rel is None:
            return None, None, None
        entry = self._load().get(rel, {})
        path = self.audio_dir / rel
        duration = entry.get("duration_ms")
        return (
            path if path.is_file() else None,
            int(duration) if isinstance(duration, int | float) else None,
            entry.get("title") if isinstance(entry.get("title"), str) else None,
        )
