"""The library as the manifest describes it: lookups, partial libraries, reloads, unsafe paths."""

from __future__ import annotations

import json
import os
from pathlib import Path

from skill.library import Library, LibraryEntry, parse_manifest


def entry(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "loving-kindness",
        "kind": "meditation",
        "title": "Loving-kindness",
        "length_min": 10,
        "file": "meditations/loving-kindness-10min.mp3",
        "duration_ms": 600_000,
        "sha256": "0" * 64,
        "captions": "meditations/loving-kindness-10min.vtt",
        "profile": "longform",
        "theme": "kindness",
        "description": "d",
        "bitrate_kbps": 64,
        "sample_rate": 24000,
    }
    data.update(over)
    return data


def write_manifest(audio: Path, entries: list[dict[str, object]]) -> None:
    audio.mkdir(parents=True, exist_ok=True)
    for e in entries:
        path = audio / str(e["file"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"ID3")
    (audio / "manifest.json").write_text(json.dumps(entries))


def test_missing_library_is_empty(tmp_path: Path) -> None:
    library = Library(tmp_path / "nowhere")
    assert library.entries() == []
    assert library.find("meditation", "loving-kindness", 10) is None
    assert library.by_file("meditations/loving-kindness-10min.mp3") is None


def test_find_path_and_by_file(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    write_manifest(
        audio,
        [
            entry(),
            entry(length_min=3, file="meditations/loving-kindness-3min.mp3", captions="x/3.vtt"),
            entry(id="box", kind="breathing", length_min=2, file="breathing/box-2min.mp3", captions="b.vtt"),
            entry(id="self-compassion-break", kind="clip", file="clips/self-compassion-break.mp3", profile="clip"),
        ],
    )
    library = Library(audio)
    found = library.find("meditation", "loving-kindness", 10)
    assert isinstance(found, LibraryEntry) and found.duration_ms == 600_000
    assert library.path(found) == audio / "meditations/loving-kindness-10min.mp3"
    assert library.lengths("meditation", "loving-kindness") == [3, 10]
    assert library.find("meditation", "loving-kindness", 5) is None
    assert library.find("breathing", "box", 2) is not None
    assert library.find("meditation", "box", 2) is None
    clip = library.find("clip", "self-compassion-break")
    assert clip is not None and clip.profile == "clip"
    assert library.by_file("breathing/box-2min.mp3") == library.find("breathing", "box", 2)
    assert library.by_file("meditations/loving-kindness-10min.vtt") == found
    assert library.by_file("../secret.mp3") is None
    assert library.by_file("/etc/passwd") is None


def test_entries_without_a_file_on_disk_are_not_offered(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    write_manifest(audio, [entry()])
    (audio / "meditations/loving-kindness-10min.mp3").unlink()
    assert Library(audio).entries() == []


def test_reloads_when_the_manifest_changes_and_keeps_last_good(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    write_manifest(audio, [entry()])
    library = Library(audio)
    assert [e.length_min for e in library.entries()] == [10]
    write_manifest(audio, [entry(), entry(length_min=3, file="meditations/lk-3.mp3")])
    os.utime(audio / "manifest.json", ns=(1, 10**18))
    assert [e.length_min for e in library.entries()] == [10, 3]
    (audio / "manifest.json").write_text('[{"id": "trunc')  # a torn write (should never happen)
    assert [e.length_min for e in library.entries()] == [10, 3]


def test_malformed_entries_are_skipped() -> None:
    text = json.dumps(
        [entry(), {"id": "x"}, entry(kind="podcast"), entry(file="../../etc/passwd"), entry(captions="/abs.vtt")]
    )
    assert [e.id for e in parse_manifest(text)] == ["loving-kindness"]
    assert [e.id for e in parse_manifest(json.dumps({"entries": [entry()]}))] == ["loving-kindness"]
