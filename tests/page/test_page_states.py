"""The listening page's HTML through the Flask app: empty library, headers, assets, nothing private.

The page with a real rendered library (full and partial) is tested in test_page_library.py, and in a
real browser in test_browser.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore


def page(settings: Settings, store: SqlJournalStore) -> FlaskClient:
    return create_app(settings, store=store).test_client()


def test_an_empty_library_says_how_to_render_it(settings: Settings, store: SqlJournalStore) -> None:
    answer = page(settings, store).get("/")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    html = answer.get_data(as_text=True)
    assert 'id="library-empty"' in html and "kindness render" in html
    assert "<audio" not in html and 'class="play"' not in html
    assert "not a substitute for professional medical advice" in html
    assert "988" in html and "116 123" in html and "13 11 14" in html


def test_the_page_allows_only_itself(settings: Settings, store: SqlJournalStore) -> None:
    answer = page(settings, store).get("/")
    csp = answer.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "media-src", "img-src"):
        assert directives[name] == "'self'", name
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    html = answer.get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "no inline script"
    assert " style=" not in html and "<style" not in html, "no inline style"
    assert re.search(r"""(src|href)=["']?(https?:)?//""", html) is None, "no third-party requests"


def test_assets_are_served_locally_with_their_types(settings: Settings, store: SqlJournalStore) -> None:
    client = page(settings, store)
    for path, mimetype in [
        ("/assets/listen.js", "text/javascript"),
        ("/assets/listen.css", "text/css"),
        ("/assets/favicon.svg", "image/svg+xml"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200 and answer.mimetype == mimetype, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    for bad in ("/assets/../skill/config.py", "/assets/nothing.js", "/assets/%2e%2e/pyproject.toml"):
        assert client.get(bad).status_code == 404, bad


def test_nothing_on_the_page_reveals_journal_data(settings: Settings, store: SqlJournalStore) -> None:
    now = datetime.now(UTC)
    store.add_gratitude("amzn1.ask.account.PAGE", "my sister's lemon cake", now)
    store.add_checkin("amzn1.ask.account.PAGE", "lonely", "lonely", 7, now)
    html = page(settings, store).get("/").get_data(as_text=True)
    assert "lemon cake" not in html and "lonely" not in html and "PAGE" not in html
