"""HTTP routes: POST /alexa, GET /healthz, GET /audio/<file>, the listening page at GET / and its assets.

The only module besides app.py that imports flask."""

from __future__ import annotations

import gc
import json

import jinja2
from flask import Blueprint, Response, abort, current_app, jsonify, request, send_from_directory
from werkzeug.http import http_date

from skill.audio_files import (
    CACHE_CONTROL,
    byte_range,
    clean_relative,
    content_type,
    etag_matches,
    if_range_allows,
    safe_file,
    stream_slice,
)
from skill.config import PROJECT_ROOT
from skill.endpoint import AlexaEndpoint
from skill.listening import Listening, listening_for
from skill.page import HELPLINES, SECURITY_HEADERS, page_model

bp = Blueprint("kindness", __name__)

SAID_HEADER = "X-Kindness-Said"
READ_CHUNK = 16 * 1024


def _endpoint() -> AlexaEndpoint:
    endpoint = current_app.extensions["kindness.endpoint"]
    assert isinstance(endpoint, AlexaEndpoint)
    return endpoint


def _read_body(limit: int) -> bytes | None:
    """The raw body, or None when it is over ``limit`` bytes (also without a Content-Length)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    stream = request.stream
    while True:
        chunk = stream.read(READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


_first_answer_given = False


def _freeze_after_first_answer() -> None:
    """Once per process, after its first answer: what exists by then (modules, compiled templates and
    statements, caches) lives as long as the process, so the collector stops walking it (gc.freeze)."""
    global _first_answer_given
    if not _first_answer_given:
        _first_answer_given = True
        gc.freeze()


@bp.post("/alexa")
def alexa() -> tuple[Response, int]:
    endpoint = _endpoint()
    body = _read_body(endpoint.max_body_bytes)
    if body is None:
        return jsonify({"error": "request body is too large"}), 413
    result = endpoint.handle(body, dict(request.headers))
    # as jsonify writes it, less the key sorting it does on every object (the answer needs no order)
    response = Response(json.dumps(result.body, separators=(",", ":")) + "\n", mimetype="application/json")
    if result.said:
        response.headers[SAID_HEADER] = ",".join(result.said)
    # after the answer has gone out, not inside the COMMIT of whichever request comes due
    response.call_on_close(current_app.extensions["kindness.store"].checkpoint_when_due)
    _freeze_after_first_answer()
    return response, result.status


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    store = current_app.extensions["kindness.store"]
    ok = bool(store.healthy())
    return jsonify({"status": "ok" if ok else "degraded", "database": ok}), 200 if ok else 503


# ---- the rendered library: /audio/<file>, the listening page at /, its assets ------------------------

ASSETS_DIR = PROJECT_ROOT / "static"


def _listening() -> Listening:
    return listening_for(current_app.extensions["kindness.settings"])


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.get("/audio/<path:name>")
def audio_file(name: str) -> Response:
    """A file the manifest lists (audio or captions): Range, ETag, caching and HEAD; anything else 404."""
    listening = _listening()
    served = listening.served_files()
    path = safe_file(listening.audio_dir, name, served)
    if path is None:
        abort(404)
    stat = path.stat()
    entry = served[clean_relative(name) or ""]
    digest = entry.sha256 if name == entry.file and entry.sha256 else f"{stat.st_size:x}-{stat.st_mtime_ns:x}"
    etag = f'"{digest}"'
    last_modified = http_date(stat.st_mtime)
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Cache-Control": CACHE_CONTROL,
        "Accept-Ranges": "bytes",
        "Content-Type": content_type(name),
    }
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return _secure(Response(status=304, headers=headers))
    wanted = byte_range(request.headers.get("Range"), stat.st_size)
    if wanted.status == 206 and not if_range_allows(request.headers.get("If-Range"), etag, last_modified):
        wanted = byte_range(None, stat.st_size)
    if wanted.status == 416:
        headers["Content-Range"] = wanted.content_range or ""
        return _secure(Response(status=416, headers=headers))
    if wanted.content_range:
        headers["Content-Range"] = wanted.content_range
    headers["Content-Length"] = str(wanted.length)
    body = stream_slice(path, wanted.start, wanted.length) if request.method != "HEAD" else []
    response = Response(body, status=wanted.status, headers=headers, direct_passthrough=True)
    return _secure(response)


def _page_env() -> jinja2.Environment:
    """Flask's jinja2 environment, loading the page templates from ``templates/web``."""
    env = current_app.extensions.get("kindness.page_env")
    if env is None:
        folder = current_app.extensions["kindness.settings"].templates_dir / "web"
        env = current_app.jinja_env.overlay(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True)
        current_app.extensions["kindness.page_env"] = env
    assert isinstance(env, jinja2.Environment)
    return env


@bp.get("/")
def listening_page() -> Response:
    """The listening page: the library grouped by theme, with captions and download links."""
    html = _page_env().get_template("listen.html").render(page=page_model(_listening()), helplines=HELPLINES)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return _secure(response)


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    """The page's own stylesheet, script and icon (no third-party requests)."""
    if clean_relative(name) is None:
        abort(404)
    response = send_from_directory(ASSETS_DIR, name, max_age=3600)
    return _secure(response)
