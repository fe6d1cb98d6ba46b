"""Whatever a client sends: a 413 for big bodies, a 400 with a short JSON error for anything that is not a
request envelope, never a 5xx and never a stack trace."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.server.checks import assert_sane_answer

LIMIT = 64 * 1024


@pytest.fixture
def client(settings: Settings, store: SqlJournalStore) -> FlaskClient:
    return create_app(settings, store=store).test_client()


def padded(payload: dict[str, Any], size: int) -> bytes:
    """``payload`` as JSON, padded with trailing spaces to exactly ``size`` bytes."""
    body = json.dumps(payload).encode()
    return body + b" " * (size - len(body))


def test_a_body_over_64_kib_is_a_413(client: FlaskClient) -> None:
    answer = client.post("/alexa", data=padded(envelope({"type": "LaunchRequest"}), LIMIT + 1))
    assert answer.status_code == 413
    assert answer.json == {"error": "request body is too large"}
    assert "X-Kindness-Said" not in answer.headers


def test_a_body_of_exactly_64_kib_is_answered(client: FlaskClient) -> None:
    answer = client.post("/alexa", data=padded(envelope({"type": "LaunchRequest"}), LIMIT))
    assert answer.status_code == 200
    assert answer.headers["X-Kindness-Said"].startswith("launch/welcome")


@pytest.mark.parametrize("size", [LIMIT + 1, 10 * LIMIT])
def test_a_chunked_body_over_64_kib_is_a_413(client: FlaskClient, size: int) -> None:
    """No Content-Length: the server (waitress, gunicorn) de-chunks and marks the input terminated."""
    answer = client.post(
        "/alexa",
        input_stream=io.BytesIO(padded(envelope({"type": "LaunchRequest"}), size)),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 413
    assert answer.json["error"].lower().startswith("request")


def test_a_chunked_body_under_the_limit_is_answered(client: FlaskClient) -> None:
    answer = client.post(
        "/alexa",
        input_stream=io.BytesIO(json.dumps(envelope({"type": "LaunchRequest"})).encode()),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "body is not JSON"),
        (b"{not json", "body is not JSON"),
        (b"\xff\xfe\x00garbage", "body is not JSON"),
        (b"[" * 100_00 + b"]" * 100_00, "body is nested too deeply"),
        (b'{"request": {"type": "LaunchRequest", "n": ' + b"7" * 5000 + b"}}", "body is not JSON"),
        (b"null", "body is not an Alexa request envelope"),
        (b"[1, 2]", "body is not an Alexa request envelope"),
        (b'"LaunchRequest"', "body is not an Alexa request envelope"),
        (b'{"version": "1.0"}', "body is not an Alexa request envelope"),
        (b'{"request": "LaunchRequest"}', "body is not an Alexa request envelope"),
        (b'{"request": {}}', "request has no type"),
        (b'{"request": {"type": 7}}', "request has no type"),
        (b'{"request": {"type": ""}}', "request has no type"),
    ],
)
def test_bodies_that_are_not_envelopes_are_a_400(client: FlaskClient, body: bytes, error: str) -> None:
    answer = client.post("/alexa", data=body, content_type="application/json")
    assert_sane_answer(answer.status_code, answer.get_data(as_text=True))
    assert answer.status_code == 400
    assert answer.json == {"error": error}


def _break(path: str, value: Any) -> dict[str, Any]:
    body = envelope(intent("AMAZON.HelpIntent"))
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[part]
    node[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("request.locale", "../../../etc/passwd"),
        ("request.locale", 42),
        ("request.locale", "en-US<speak>"),
        ("request.timestamp", "not a time"),
        ("request.timestamp", {"at": 1}),
        ("request.intent", "AMAZON.HelpIntent"),
        ("request.intent", ["AMAZON.HelpIntent"]),
        ("request.intent.name", 7),
        ("request.intent.name", None),
        ("request.intent.slots", ["thing"]),
        ("request.intent.slots", {"thing": "value"}),
        ("request.intent.slots", {"thing": {"name": "thing", "value": {"nested": True}}}),
        ("request.intent.confirmationStatus", "MAYBE"),
        ("request.dialogState", 3.5),
        ("request.requestId", {"id": 1}),
        ("session", "a session"),
        ("session.attributes", [1, 2, 3]),
        ("session.new", "yes"),
        ("session.user", 5),
        ("context", []),
        ("context.System", "system"),
        ("context.System.device", {"supportedInterfaces": "all"}),
        ("context.System.user", None),
        ("version", {"v": 1}),
    ],
)
def test_malformed_envelopes_never_get_a_server_error(client: FlaskClient, path: str, value: Any) -> None:
    answer = client.post("/alexa", json=_break(path, value))
    assert_sane_answer(answer.status_code, answer.get_data(as_text=True))


def test_a_locale_that_is_not_a_locale_is_a_400(client: FlaskClient) -> None:
    answer = client.post("/alexa", json=_break("request.locale", "../../../etc/passwd"))
    assert answer.status_code == 400
    assert answer.json == {"error": "request locale is not a locale"}


def test_a_request_type_alexa_does_not_define_is_a_400(client: FlaskClient) -> None:
    answer = client.post("/alexa", json=envelope({"type": "Unknown.Request"}))
    assert answer.status_code == 400
    assert answer.json == {"error": "request envelope does not match Alexa's schema"}


@pytest.mark.parametrize(
    "kind", ["Alexa.Presentation.APL.UserEvent", "Messaging.MessageReceived", "Display.ElementSelected"]
)
def test_request_types_the_skill_does_not_handle_get_an_empty_answer(client: FlaskClient, kind: str) -> None:
    answer = client.post("/alexa", json=envelope({"type": kind}))
    payload = assert_sane_answer(answer.status_code, answer.get_data(as_text=True))
    assert payload is not None and "outputSpeech" not in payload["response"]


def test_other_methods_and_paths_get_short_json_errors(client: FlaskClient) -> None:
    for answer, status in ((client.get("/alexa"), 405), (client.post("/nowhere", data=b"x"), 404)):
        assert answer.status_code == status
        assert set(answer.json) == {"error"}


def test_healthz_reports_the_database(client: FlaskClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": True}
