"""The listening page over the real rendered (partial) library, through the Flask app."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore

pytestmark = pytest.mark.slow


class Links(HTMLParser):
    """Every element with a href or src, and every play link's data."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.plays: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        self.urls += [v for k, v in attrs if k in {"href", "src", "data-src", "data-captions"} and v]
        if tag == "a" and "play" in (data.get("class") or "").split():
            self.plays.append(data)


def test_the_page_lists_what_is_rendered_and_what_is_still_coming(
    settings: Settings, store: SqlJournalStore, library: Path, manifest: list[dict[str, Any]]
) -> None:
    client = create_app(settings.replace(audio_dir=library), store=store).test_client()
    html = client.get("/").get_data(as_text=True)
    ready = sum(1 for e in manifest if e["kind"] == "meditation")
    assert f"{ready} of 32 meditation files are ready" in html
    assert 'id="library-empty"' not in html

    start = html.index('id="meditation-self-compassion-break"')
    end = html.find('class="item"', start + 1)
    section = html[start : end if end > 0 else None]
    assert ">3 min<" in section and "Still rendering: 5, 10, 20 minutes." in section
    breathing = html[html.index('id="breathing"') :]
    assert "Coherent breathing, 2 min" in breathing and "breathing/coherent-2min.mp3" in breathing
    assert "clips/" not in html, "the speaker clip is not a separate listing"

    parser = Links()
    parser.feed(html)
    files = {f"/audio/{e['file']}" for e in manifest if e["kind"] in {"meditation", "breathing"}}
    assert {p["data-src"] for p in parser.plays} == files
    for play in parser.plays:
        assert play["aria-label"] and play["aria-label"].startswith("Play ")
        assert play["data-captions"] and play["data-captions"].endswith(".vtt")
    for url in (u for u in parser.urls if not u.startswith("#")):
        assert url.startswith("/"), f"{url} is not on this server"
        assert client.get(url).status_code == 200, url
    vtt = client.get(parser.plays[0]["data-captions"] or "")
    assert vtt.mimetype == "text/vtt" and vtt.get_data(as_text=True).startswith("WEBVTT")
