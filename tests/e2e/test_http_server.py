"""The skill server as a real subprocess, over real HTTP: `kindness serve` (waitress) and gunicorn."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from skill.speech import to_plain_text
from tests.conftest import envelope, intent
from tests.e2e.servers import Server
from tests.server.checks import assert_sane_answer

pytestmark = pytest.mark.slow


def post(server: Server, payload: Any, headers: dict[str, str] | None = None) -> requests.Response:
    data = payload if isinstance(payload, bytes | Iterator) else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    try:
        return requests.post(server.alexa, data=data, headers=sent, timeout=30)
    except requests.RequestException as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{server.output()[-3000:]}") from exc


def spoken(answer: requests.Response) -> str:
    body = assert_sane_answer(answer.status_code, answer.text)
    assert body is not None
    return to_plain_text(body["response"]["outputSpeech"]["ssml"])


def chunks(size: int) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked (no Content-Length)."""
    sent = 0
    while sent < size:
        step = min(8192, size - sent)
        sent += step
        yield b" " * step


@pytest.fixture(params=["kindness_server", "gunicorn_server"])
def server(request: pytest.FixtureRequest) -> Server:
    found = request.getfixturevalue(request.param)
    assert isinstance(found, Server)
    return found


def newcomer() -> str:
    return f"amzn1.ask.account.{uuid.uuid4()}"


def test_a_launch_request_gets_the_welcome(server: Server) -> None:
    answer = post(server, envelope({"type": "LaunchRequest"}, user=newcomer()))
    assert answer.status_code == 200
    assert answer.headers["X-Kindness-Said"].split(",")[:2] == ["launch/welcome", "launch/options"]
    text = spoken(answer)
    assert "Inner Kindness" in text and "meditation" in text


def test_help_then_stop(server: Server) -> None:
    help_answer = post(server, envelope(intent("AMAZON.HelpIntent"), new=False))
    assert help_answer.headers["X-Kindness-Said"] == "builtin/help,builtin/help_reprompt"
    assert "not a substitute for professional care" in spoken(help_answer)
    assert help_answer.json()["response"]["shouldEndSession"] is False
    stop_answer = post(server, envelope(intent("AMAZON.StopIntent"), new=False))
    assert stop_answer.headers["X-Kindness-Said"] == "builtin/goodbye"
    assert "Goodbye" in spoken(stop_answer)
    assert stop_answer.json()["response"]["shouldEndSession"] is True


def test_a_body_over_64_kib_is_a_413(server: Server) -> None:
    answer = post(server, b" " * (64 * 1024 + 1))
    assert answer.status_code == 413
    assert_sane_answer(answer.status_code, answer.text)


def test_a_chunked_body_over_64_kib_is_a_413(server: Server) -> None:
    answer = post(server, chunks(200 * 1024))
    assert answer.status_code == 413
    assert_sane_answer(answer.status_code, answer.text)


def test_a_chunked_launch_is_answered(server: Server) -> None:
    body = json.dumps(envelope({"type": "LaunchRequest"}, user=newcomer())).encode()
    answer = post(server, iter([body[:100], body[100:]]))
    assert answer.status_code == 200 and "Inner Kindness" in spoken(answer)


@pytest.mark.parametrize("body", [b"", b"{not json", b"\xff\xfe", b'{"request": {"type": 5}}', b"[]"])
def test_bodies_that_are_not_envelopes_are_a_400(server: Server, body: bytes) -> None:
    answer = post(server, body)
    assert answer.status_code == 400
    assert_sane_answer(answer.status_code, answer.text)


def test_signature_checks_off_is_announced_at_start(kindness_server: Server) -> None:
    assert "SIGNATURES ARE NOT CHECKED" in kindness_server.output()
    assert "KINDNESS_SKILL_ID is not set" in kindness_server.output()


def test_with_signature_checks_on_an_unsigned_request_is_refused(verifying_server: Server) -> None:
    answer = post(verifying_server, envelope({"type": "LaunchRequest"}, application_id="amzn1.ask.skill.test"))
    assert answer.status_code == 400
    assert answer.json() == {"error": "missing SignatureCertChainUrl header"}
    assert "X-Kindness-Said" not in answer.headers
    assert "SIGNATURES ARE NOT CHECKED" not in verifying_server.output()


def test_with_signature_checks_on_a_forged_certificate_url_is_refused(verifying_server: Server) -> None:
    payload = envelope({"type": "LaunchRequest"}, application_id="amzn1.ask.skill.test")
    headers = {"SignatureCertChainUrl": "https://evil.example/echo.api/cert.pem", "Signature-256": "AAAA"}
    answer = post(verifying_server, payload, headers)
    assert answer.status_code == 400
    assert answer.json() == {"error": "certificate URL host is not s3.amazonaws.com"}


def test_healthz(server: Server) -> None:
    try:
        answer = requests.get(f"{server.url}/healthz", timeout=10)
    except requests.RequestException as exc:
        raise AssertionError(f"{exc}\n--- server log ---\n{server.output()[-3000:]}") from exc
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "database": True}


def test_a_huge_chunked_body_is_refused_without_a_server_error(kindness_server: Server) -> None:
    """Waitress itself refuses bodies over 1 MiB; the answer is still a 413, never a 5xx."""
    answer = requests.post(kindness_server.alexa, data=chunks(4 * 1024 * 1024), timeout=30)
    assert answer.status_code == 413
    assert "Traceback" not in answer.text
