"""HTTP routes: POST /alexa, GET /healthz. The only module besides app.py that imports flask."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from skill.endpoint import AlexaEndpoint

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


@bp.post("/alexa")
def alexa() -> tuple[Response, int]:
    endpoint = _endpoint()
    body = _read_body(endpoint.max_body_bytes)
    if body is None:
        return jsonify({"error": "request body is too large"}), 413
    result = endpoint.handle(body, dict(request.headers))
    response = jsonify(result.body)
    if result.said:
        response.headers[SAID_HEADER] = ",".join(result.said)
    return response, result.status


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    store = current_app.extensions["kindness.store"]
    ok = bool(store.healthy())
    return jsonify({"status": "ok" if ok else "degraded", "database": ok}), 200 if ok else 503
