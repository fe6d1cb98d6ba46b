"""End to end over real HTTP: a `kindness serve` subprocess, Alexa-shaped envelopes, a real rendered library.

launch -> meditation -> Play (the URL is then fetched with Range) -> PlaybackStarted -> Pause ->
PlaybackStopped -> Resume at that offset -> resume in a new session -> PlaybackFinished -> offered again;
PlaybackFailed and missing files. Every Play URL is HTTPS, its file exists, plays (ffprobe) and matches
the manifest's sha256."""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import requests

from skill.config import Settings
from skill.store.engine import open_store
from tests.conftest import envelope, intent
from tests.play.helpers import PUBLIC_URL, RENDERED, Answer, answer_from, event, read_manifest, with_player
from tests.play.server import Server, serve

pytestmark = pytest.mark.slow

MEDITATION, MINUTES = RENDERED


def new_user() -> str:
    return f"amzn1.ask.account.E2E-{uuid.uuid4().hex[:8]}"


def post(server: Server, body: dict[str, Any]) -> Answer:
    result = requests.post(f"{server.base}/alexa", json=body, timeout=30)
    return answer_from(result.status_code, result.headers.get("X-Kindness-Said"), result.json())


def local_url(server: Server, url: str) -> str:
    """The public HTTPS URL of a Play directive, fetched from the local server instead."""
    assert url.startswith(PUBLIC_URL + "/audio/"), url
    return server.base + url[len(PUBLIC_URL) :]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        check=True,
        text=True,
    )
    return dict(json.loads(out.stdout))


def check_play(stream: dict[str, Any], library: Path, manifest: list[dict[str, Any]], server: Server) -> dict[str, Any]:
    """The Play URL is HTTPS, names a manifest file that exists, plays, and matches its sha256 as served."""
    url = stream["url"]
    assert urlsplit(url).scheme == "https"
    relative = unquote(urlsplit(url).path.removeprefix("/audio/"))
    entry = next(e for e in manifest if e["file"] == relative)
    path = library / relative
    assert path.is_file()
    assert sha256(path.read_bytes()) == entry["sha256"]
    served = requests.get(local_url(server, url), timeout=30)
    assert served.status_code == 200 and sha256(served.content) == entry["sha256"]
    info = probe(path)
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert audio and audio[0]["codec_name"] == "mp3"
    assert float(info["format"]["duration"]) * 1000 == pytest.approx(entry["duration_ms"], rel=0.02)
    assert len(stream["token"]) <= 1024
    return entry


def test_meditation_plays_pauses_and_resumes_at_the_offset(
    http_server: Server, library: Path, manifest: list[dict[str, Any]]
) -> None:
    user = new_user()
    launch = post(http_server, envelope({"type": "LaunchRequest"}, user=user))
    assert launch.said[0] == "launch/welcome"
    asked = post(
        http_server,
        envelope(
            intent("MeditationIntent", meditation="self compassion break", minutes=str(MINUTES)), user=user, new=False
        ),
    )
    assert asked.status == 200 and asked.said == ["meditation/intro", "playback/subtitle"]
    assert "Self-compassion break" in asked.text and f"{MINUTES} minutes" in asked.text
    assert asked.ends_session is True and asked.play is not None
    assert asked.play["playBehavior"] == "REPLACE_ALL"
    assert asked.play["audioItem"]["metadata"]["title"] == "Self-compassion break"
    assert str(MINUTES) in asked.play["audioItem"]["metadata"]["subtitle"]
    stream = asked.stream
    token = stream["token"]
    assert token.startswith(f"med:{MEDITATION}:{MINUTES}:") and stream["offsetInMilliseconds"] == 0
    entry = check_play(stream, library, manifest, http_server)

    # the device fetches the stream in ranges
    url = local_url(http_server, stream["url"])
    part = requests.get(url, headers={"Range": "bytes=100-1123"}, timeout=30)
    size = (library / entry["file"]).stat().st_size
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1123/{size}"
    assert part.content == (library / entry["file"]).read_bytes()[100:1124]

    started = post(http_server, envelope(event("AudioPlayer.PlaybackStarted", token, 0), user=user))
    assert started.response == {} and started.said == []
    paused = post(http_server, with_player(envelope(intent("AMAZON.PauseIntent"), user=user), token, 61_000))
    assert [d["type"] for d in paused.directives] == ["AudioPlayer.Stop"] and "outputSpeech" not in paused.response
    stopped = post(http_server, envelope(event("AudioPlayer.PlaybackStopped", token, 61_234), user=user))
    assert stopped.response == {}
    resumed = post(
        http_server, with_player(envelope(intent("AMAZON.ResumeIntent"), user=user), token, 61_234, "STOPPED")
    )
    assert resumed.stream["token"] == token and resumed.stream["offsetInMilliseconds"] == 61_234
    assert resumed.play is not None and resumed.play["playBehavior"] == "REPLACE_ALL"
    check_play(resumed.stream, library, manifest, http_server)

    # days later, a new session with nothing playing: "resume my meditation"
    later = post(
        http_server, with_player(envelope(intent("ResumeMeditationIntent"), user=user, new=True), token, 61_234, "IDLE")
    )
    assert later.said[0] == "meditation/resume_intro" and "Self-compassion break" in later.text
    assert later.stream["token"] == token and later.stream["offsetInMilliseconds"] == 61_234
    assert later.ends_session is True


def test_finished_meditation_is_completed_and_offered_again(
    http_server: Server, library: Path, manifest: list[dict[str, Any]]
) -> None:
    user = new_user()
    asked = post(http_server, envelope(intent("MeditationIntent", meditation="self compassion break"), user=user))
    token = asked.stream["token"]
    post(http_server, envelope(event("AudioPlayer.PlaybackStarted", token, 0), user=user))
    assert (
        post(http_server, envelope(event("AudioPlayer.PlaybackNearlyFinished", token, 170_000), user=user)).response
        == {}
    )
    finished = post(http_server, envelope(event("AudioPlayer.PlaybackFinished", token, 180_000), user=user))
    assert finished.response == {}

    settings = Settings.from_env({"KINDNESS_DATA_DIR": str(http_server.data_dir)}).replace(
        user_secret=http_server.secret
    )
    store = open_store(settings)
    try:
        saved = store.get_playback(user)
        assert saved is not None and saved.finished and saved.token == token
        assert store.streak(user, datetime.now(UTC).date()) == 1
        assert store.holdings(user).practices == 1
    finally:
        store.engine.dispose()

    again = post(http_server, envelope(intent("ResumeMeditationIntent"), user=user))
    assert again.said == ["meditation/finished_before", "meditation/offer_reprompt"] and again.play is None
    assert again.attributes["offer"]["kind"] == "meditation_again"
    yes = post(http_server, envelope(intent("AMAZON.YesIntent"), user=user, new=False, attributes=again.attributes))
    assert yes.stream["offsetInMilliseconds"] == 0
    assert yes.stream["token"].startswith(f"med:{MEDITATION}:{MINUTES}:") and yes.stream["token"] != token
    assert "offer" not in yes.attributes
    check_play(yes.stream, library, manifest, http_server)


def test_playback_failed_is_logged_and_answered_with_nothing(http_server: Server) -> None:
    user = new_user()
    token = f"med:{MEDITATION}:{MINUTES}:abcdef012345"
    error = {"type": "MEDIA_ERROR_INTERNAL_DEVICE_ERROR", "message": "decoder"}
    failed = post(http_server, envelope(event("AudioPlayer.PlaybackFailed", token, 0, error=error), user=user))
    assert failed.status == 200 and failed.response == {}
    log = http_server.log()
    assert "playback failed" in log and "MEDIA_ERROR_INTERNAL_DEVICE_ERROR" in log
    assert user not in log


def test_a_length_not_rendered_offers_the_rendered_one(
    http_server: Server, library: Path, manifest: list[dict[str, Any]]
) -> None:
    user = new_user()
    asked = post(
        http_server, envelope(intent("MeditationIntent", meditation="self compassion break", minutes="20"), user=user)
    )
    assert asked.said == ["meditation/not_ready_offer", "meditation/offer_reprompt"] and asked.play is None
    assert "20 minute" in asked.text and f"{MINUTES} minute" in asked.text and asked.ends_session is False
    yes = post(http_server, envelope(intent("AMAZON.YesIntent"), user=user, new=False, attributes=asked.attributes))
    assert yes.stream["token"].startswith(f"med:{MEDITATION}:{MINUTES}:")
    check_play(yes.stream, library, manifest, http_server)


def test_a_meditation_not_rendered_at_all_gets_a_kind_answer(http_server: Server) -> None:
    asked = post(
        http_server, envelope(intent("MeditationIntent", meditation="forgiveness", minutes="10"), user=new_user())
    )
    assert asked.said == ["meditation/not_ready"] and asked.play is None and asked.ends_session is True


def test_audio_route_serves_ranges_heads_and_validators(
    http_server: Server, library: Path, manifest: list[dict[str, Any]]
) -> None:
    entry = next(e for e in manifest if e["kind"] == "meditation")
    url = f"{http_server.base}/audio/{entry['file']}"
    data = (library / entry["file"]).read_bytes()
    size = len(data)

    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(size) and head.headers["Content-Type"] == "audio/mpeg"
    assert head.headers["Accept-Ranges"] == "bytes" and head.headers["ETag"] == f'"{entry["sha256"]}"'
    assert "max-age" in head.headers["Cache-Control"] and head.headers["Last-Modified"]

    tail = requests.get(url, headers={"Range": "bytes=-500"}, timeout=30)
    assert tail.status_code == 206 and tail.content == data[-500:]
    assert tail.headers["Content-Range"] == f"bytes {size - 500}-{size - 1}/{size}"
    assert tail.headers["Content-Length"] == "500"

    rest = requests.get(url, headers={"Range": f"bytes={size - 10}-"}, timeout=30)
    assert rest.status_code == 206 and rest.content == data[-10:]

    beyond = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=30)
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"

    several = requests.get(url, headers={"Range": "bytes=0-1,5-6"}, timeout=30)
    assert several.status_code == 200 and several.content == data

    cached = requests.get(url, headers={"If-None-Match": head.headers["ETag"]}, timeout=30)
    assert cached.status_code == 304 and cached.content == b""

    stale = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"older"'}, timeout=30)
    assert stale.status_code == 200 and stale.content == data
    fresh = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": head.headers["ETag"]}, timeout=30)
    assert fresh.status_code == 206 and fresh.content == data[:10]

    captions = requests.get(f"{http_server.base}/audio/{entry['captions']}", timeout=30)
    assert captions.status_code == 200 and captions.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert captions.text.startswith("WEBVTT")


def raw_get(server: Server, path: str) -> int:
    """GET ``path`` exactly as written (no client-side normalisation of ``..``), following same-host redirects."""
    split = urlsplit(server.base)
    for _ in range(3):
        conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            location = answer.getheader("Location")
            if answer.status not in (301, 302, 307, 308) or not location:
                return answer.status
            path = urlsplit(location).path  # e.g. merged slashes; still on this server
        finally:
            conn.close()
    return 310


@pytest.mark.parametrize(
    "path",
    [
        "/audio/manifest.json",
        "/audio/../pyproject.toml",
        "/audio/..%2f..%2fpyproject.toml",
        "/audio/%2e%2e/%2e%2e/etc/passwd",
        "/audio//etc/passwd",
        "/audio/meditations/not-a-file.mp3",
        "/audio/meditations",
        "/audio/meditations/",
    ],
)
def test_audio_route_never_serves_anything_outside_the_manifest(http_server: Server, path: str) -> None:
    assert raw_get(http_server, path) == 404


def test_a_listed_file_deleted_from_disk_is_not_offered(tmp_path: Path, library: Path) -> None:
    """The manifest lists a file that is gone: the skill says it is not ready; the route says 404."""
    copy = tmp_path / "audio"
    shutil.copytree(library, copy)
    entry = next(e for e in read_manifest(copy) if e["kind"] == "meditation" and e["id"] == "self-compassion-break")
    (copy / entry["file"]).unlink()
    with serve(copy, tmp_path / "data", PUBLIC_URL) as server:
        asked = post(
            server,
            envelope(
                intent("MeditationIntent", meditation="self compassion break", minutes=str(MINUTES)), user=new_user()
            ),
        )
        assert asked.said == ["meditation/not_ready"] and asked.play is None
        assert requests.get(f"{server.base}/audio/{entry['file']}", timeout=30).status_code == 404
