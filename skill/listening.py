"""The rendered library as the skill and the listening page see it: catalogue, manifest, public URLs.

One :class:`Listening` per (templates, audio) directory pair is shared by the handlers and the web
routes. The catalogue is read once; the library re-reads ``manifest.json`` whenever it changes on disk,
so files that finish rendering while the server runs become playable without a restart.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from skill.catalogue import Meditation, load_catalogue, script_name
from skill.config import Settings
from skill.library import Library, LibraryEntry
from skill.practices.meditations import nearest_length
from skill.speech import Speech, break_ms, normalise_space, parse_ssml, pause

# Alexa's limits for the SSML <audio> tag
log = logging.getLogger(__name__)

CLIP_MAX_MS = 240_000
CLIP_BITRATE_KBPS = 48
CLIP_SAMPLE_RATES = frozenset({16_000, 22_050, 24_000})


@dataclass(frozen=True)
class Choice:
    """What a request for ``item`` at ``asked`` minutes resolves to in the library."""

    minutes: int  # the offered length chosen
    entry: LibraryEntry | None  # its rendered file, or None when not rendered yet
    alternative: LibraryEntry | None  # the rendered length nearest to it, when that one is missing


class Listening:
    """Catalogue and library for one pair of directories, cached and reloaded when the manifest changes."""

    def __init__(self, templates_dir: Path, audio_dir: Path) -> None:
        self.templates_dir = Path(templates_dir)
        self.audio_dir = Path(audio_dir)
        self._lock = threading.Lock()
        self._catalogue: dict[str, Meditation] | None = None
        self._library = Library(self.audio_dir)  # re-reads the manifest whenever it changes

    # ---- sources ------------------------------------------------------------------------------
    def catalogue(self) -> dict[str, Meditation]:
        with self._lock:
            if self._catalogue is None:
                self._catalogue = load_catalogue(self.templates_dir)
            return self._catalogue

    def library(self) -> Library:
        return self._library

    def entries(self, kind: str | None = None) -> list[LibraryEntry]:
        return [e for e in self.library().entries() if kind is None or e.kind == kind]

    def served_files(self) -> dict[str, LibraryEntry]:
        """Every relative path the /audio route may serve (audio and captions) -> its entry."""
        files: dict[str, LibraryEntry] = {}
        for entry in self.entries():
            files[entry.file] = entry
            if entry.captions:
                files[entry.captions] = entry
        return files

    def path(self, entry: LibraryEntry) -> Path:
        return self.audio_dir / entry.file

    # ---- choices ------------------------------------------------------------------------------
    def meditation_ids(self) -> list[str]:
        return list(self.catalogue())

    def rendered_ids(self, kind: str) -> list[str]:
        """Ids with at least one rendered file of ``kind``: catalogue order for meditations."""
        present = list(dict.fromkeys(e.id for e in self.entries(kind) if self.path(e).is_file()))
        if kind != "meditation":
            return present
        return [i for i in self.meditation_ids() if i in present]

    def rendered(self, kind: str, item: str) -> list[LibraryEntry]:
        """Rendered files of ``kind``/``item`` whose audio is on disk, shortest first."""
        found = [e for e in self.entries(kind) if e.id == item and self.path(e).is_file()]
        return sorted(found, key=lambda e: e.length_min)

    def choose(self, kind: str, item: str, asked: float | None) -> Choice:
        """The offered length for ``asked`` minutes, its file, and the nearest rendered one if it is missing."""
        rendered = self.rendered(kind, item)
        if kind == "meditation" and item in self.catalogue():
            offered: Sequence[int] = self.catalogue()[item].lengths
        else:
            offered = [e.length_min for e in rendered] or ([int(asked)] if asked else [])
        minutes = nearest_length(offered, asked)
        if minutes is None:
            return Choice(int(asked or 0), None, None)
        exact = next((e for e in rendered if e.length_min == minutes), None)
        if exact is not None:
            return Choice(minutes, exact, None)
        near = nearest_length([e.length_min for e in rendered], minutes)
        alternative = next((e for e in rendered if e.length_min == near), None)
        return Choice(minutes, None, alternative)

    def clip_for(self, item: str) -> LibraryEntry | None:
        """The shortest rendered clip of ``item`` that Alexa's SSML <audio> tag accepts, if any."""
        for entry in self.rendered("clip", item):
            if fits_ssml_audio(entry):
                return entry
        return None

    def spoken_script(self, item: str, speech: Speech) -> str | None:
        """The meditation's script as SSML for Alexa to speak: breaks over 10 s split; None if unusable."""
        if item not in self.catalogue():
            return None
        try:
            ssml = split_breaks(normalise_space(speech.render_file(script_name(item))))
            parse_ssml(ssml)
        except Exception:  # a script that does not render or parse is not spoken
            log.exception("meditation script %s cannot be spoken", item)
            return None
        return ssml


_BREAK = re.compile(r"<break\b[^>]*/>")


def split_breaks(ssml: str) -> str:
    """Every ``<break>`` longer than Alexa's 10 s as several in a row."""

    def one(match: re.Match[str]) -> str:
        return pause(break_ms(parse_ssml(match.group(0))[0]))

    return _BREAK.sub(one, ssml)


def fits_ssml_audio(entry: LibraryEntry) -> bool:
    """True when the file meets the SSML <audio> limits: MP3, 48 kbps, 16/22.05/24 kHz, at most 240 s."""
    return (
        entry.file.lower().endswith(".mp3")
        and 0 < entry.duration_ms <= CLIP_MAX_MS
        and entry.bitrate_kbps == CLIP_BITRATE_KBPS
        and entry.sample_rate in CLIP_SAMPLE_RATES
    )


def audio_url(public_url: str, file: str) -> str:
    """The public URL of a library file: ``KINDNESS_PUBLIC_URL/audio/<file>``, path segments quoted."""
    return f"{public_url.rstrip('/')}/audio/{quote(file, safe='/')}"


_shared: dict[tuple[str, str], Listening] = {}
_shared_lock = threading.Lock()


def listening_for(settings: Settings) -> Listening:
    """The shared :class:`Listening` for these settings' directories."""
    key = (str(settings.templates_dir), str(settings.audio_dir))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Listening(settings.templates_dir, settings.audio_dir)
        return _shared[key]
