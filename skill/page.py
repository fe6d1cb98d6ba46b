"""What the listening page shows: the rendered library grouped by theme, breathing apart, what is missing.

Built from the catalogue and the manifest only: nothing here reads the journal, so the page can never
show what a person said to the skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skill.library import LibraryEntry
from skill.listening import Listening

# Security headers for everything the page loads: only this server, no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

# Helplines shown in the footer (PRACTICES.md); check them before each release.
HELPLINES = (
    ("United States and Canada", "988 Suicide & Crisis Lifeline: call or text 988", "911"),
    ("United Kingdom and Ireland", "Samaritans: 116 123", "999 or 112"),
    ("Australia", "Lifeline: 13 11 14", "000"),
    ("India", "Tele-MANAS: 14416", "112"),
)


@dataclass(frozen=True)
class Track:
    """One playable file: a length of a meditation, or a breathing session."""

    id: str
    title: str
    minutes: int
    file: str
    captions: str | None
    duration_s: int
    size_bytes: int

    @property
    def download_name(self) -> str:
        return self.file.rsplit("/", 1)[-1]

    @property
    def duration_label(self) -> str:
        return f"{self.duration_s // 60}:{self.duration_s % 60:02d}"


@dataclass
class Item:
    """A meditation with its rendered lengths and the lengths still to come."""

    id: str
    title: str
    description: str
    tracks: list[Track] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


@dataclass
class Group:
    theme: str
    items: list[Item]


@dataclass
class PageModel:
    groups: list[Group]
    breathing: list[Track]
    rendered: int  # meditation files ready
    expected: int  # meditation files the catalogue offers

    @property
    def empty(self) -> bool:
        return not self.breathing and self.rendered == 0

    @property
    def partial(self) -> bool:
        return not self.empty and self.rendered < self.expected


def _track(listening: Listening, entry: LibraryEntry, title: str) -> Track | None:
    path = listening.path(entry)
    try:
        size = path.stat().st_size
    except OSError:
        return None
    captions = entry.captions if entry.captions and (listening.audio_dir / entry.captions).is_file() else None
    return Track(
        id=entry.id,
        title=title,
        minutes=entry.length_min,
        file=entry.file,
        captions=captions,
        duration_s=int(round(entry.duration_ms / 1000)),
        size_bytes=size,
    )


def page_model(listening: Listening) -> PageModel:
    """The page's content from the catalogue and whatever the manifest holds right now."""
    catalogue = listening.catalogue()
    by_item: dict[tuple[str, int], LibraryEntry] = {(e.id, e.length_min): e for e in listening.entries("meditation")}
    groups: dict[str, list[Item]] = {}
    rendered = expected = 0
    for meditation in catalogue.values():
        item = Item(meditation.id, meditation.title, meditation.description)
        for minutes in sorted(meditation.lengths):
            expected += 1
            entry = by_item.get((meditation.id, minutes))
            track = _track(listening, entry, meditation.title) if entry else None
            if track is None:
                item.missing.append(minutes)
            else:
                item.tracks.append(track)
                rendered += 1
        groups.setdefault(meditation.theme, []).append(item)
    breathing = [
        t
        for e in sorted(listening.entries("breathing"), key=lambda e: (e.id, e.length_min))
        if (t := _track(listening, e, e.title)) is not None
    ]
    return PageModel(
        groups=[Group(theme, items) for theme, items in groups.items()],
        breathing=breathing,
        rendered=rendered,
        expected=expected,
    )
