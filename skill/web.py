"""HTTP routes: POST /alexa, GET /healthz. The only module besides app.py that imports flask."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from skill.endpoint import AlexaEndpoint

bp = Blueprint("kindness", __name__)

SAID_HEADER = "X-Kindness-Said"


def _endpoint() -> AlexaEndpoint:
    endpoint = current_app.extensions["kindness.endpoint"]
    assert isinstance(endpoint, AlexaEndpoint)
    return endpoint


@bp.post("/alexa")
def alexa() -> tuple[Response, int]:
    result = _endpoint().handle(request.get_data(cache=False), dict(request.headers))
    response = jsonify(result.body)
    if result.said:
        response.headers[SAID_HEADER] = ",".join(result.said)
    return response, result.status


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    store = current_app.extensions["kindness.store"]
    ok = bool(store.healthy())
    return jsonify({"status": "ok" if ok else "degraded", "database": ok}), 200 if ok else 503
