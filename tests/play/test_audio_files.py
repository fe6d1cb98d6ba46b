"""Which file and which bytes the /audio route serves: traversal, ranges, validators."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.audio_files import (
    byte_range,
    clean_relative,
    content_type,
    etag_matches,
    if_range_allows,
    safe_file,
    stream_slice,
)


@pytest.mark.parametrize(
    "requested",
    ["../secret", "meditations/../../x", "/etc/passwd", "a\\b", "a/./b", "a//b", "", "c:x", "x\x00.mp3", "."],
)
def test_paths_that_could_leave_the_directory_are_refused(requested: str) -> None:
    assert clean_relative(requested) is None


def test_only_listed_existing_files_inside_the_directory_are_served(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    (audio / "meditations").mkdir(parents=True)
    (audio / "meditations" / "a.mp3").write_bytes(b"abc")
    (audio / "meditations" / "unlisted.mp3").write_bytes(b"abc")
    (tmp_path / "outside.mp3").write_bytes(b"secret")
    (audio / "meditations" / "link.mp3").symlink_to(tmp_path / "outside.mp3")
    listed = {"meditations/a.mp3", "meditations/link.mp3", "meditations/gone.mp3"}
    assert safe_file(audio, "meditations/a.mp3", listed) == (audio / "meditations" / "a.mp3").resolve()
    assert safe_file(audio, "meditations/unlisted.mp3", listed) is None
    assert safe_file(audio, "meditations/gone.mp3", listed) is None
    assert safe_file(audio, "meditations/link.mp3", listed) is None  # listed, but points outside
    assert safe_file(audio, "../outside.mp3", listed | {"../outside.mp3"}) is None


@pytest.mark.parametrize(
    ("header", "status", "start", "end", "content_range"),
    [
        (None, 200, 0, 999, None),
        ("bytes=0-99", 206, 0, 99, "bytes 0-99/1000"),
        ("bytes=500-", 206, 500, 999, "bytes 500-999/1000"),
        ("bytes=900-5000", 206, 900, 999, "bytes 900-999/1000"),
        ("bytes=-100", 206, 900, 999, "bytes 900-999/1000"),
        ("bytes=-5000", 206, 0, 999, "bytes 0-999/1000"),
        ("bytes=999-999", 206, 999, 999, "bytes 999-999/1000"),
        ("bytes=1000-", 416, 0, 0, "bytes */1000"),
        ("bytes=-0", 416, 0, 0, "bytes */1000"),
        ("bytes=0-1,5-6", 200, 0, 999, None),
        ("items=0-1", 200, 0, 999, None),
        ("bytes=9-3", 200, 0, 999, None),
        ("bytes=abc", 200, 0, 999, None),
        ("bytes=-", 200, 0, 999, None),
    ],
)
def test_range_headers(header: str | None, status: int, start: int, end: int, content_range: str | None) -> None:
    answer = byte_range(header, 1000)
    assert (answer.status, answer.content_range) == (status, content_range)
    if status != 416:
        assert (answer.start, answer.end, answer.length) == (start, end, end - start + 1)


def test_conditional_headers() -> None:
    etag = '"abc"'
    assert etag_matches('"abc"', etag) and etag_matches('W/"abc", "x"', etag) and etag_matches("*", etag)
    assert not etag_matches('"abd"', etag) and not etag_matches(None, etag)
    date = "Sun, 22 Nov 2026 03:00:00 GMT"
    assert (
        if_range_allows(None, etag, date) and if_range_allows('"abc"', etag, date) and if_range_allows(date, etag, date)
    )
    assert not if_range_allows('"old"', etag, date) and not if_range_allows('W/"abc"', etag, date)


def test_content_types_and_slices(tmp_path: Path) -> None:
    assert content_type("m/a.mp3") == "audio/mpeg" and content_type("m/a.vtt").startswith("text/vtt")
    assert content_type("x.bin") == "application/octet-stream"
    path = tmp_path / "f"
    path.write_bytes(bytes(range(256)) * 1000)
    assert b"".join(stream_slice(path, 10, 200_000, chunk=4096)) == (bytes(range(256)) * 1000)[10:200_010]
