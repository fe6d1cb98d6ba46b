"""The same conversation in-process and through a real `kindness serve` gives the same answers."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.config import Settings
from skill.sim import cli
from skill.sim.device import Device
from skill.sim.envelopes import Identity
from skill.sim.model import load_model
from skill.sim.transport import HttpTransport, InProcessTransport

CONVERSATION = [
    "open inner kindness",
    "what can i say",
    "i feel anxious about a seven",
    "what's the weather in paris",
    "main menu",
    "stop",
    "ask inner kindness for a loving kindness meditation",
    "tell inner kindness goodbye",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kindness serve` as a real subprocess, signatures off (local development mode)."""
    data = tmp_path_factory.mktemp("server-data")
    port = _free_port()
    env = {**os.environ, "KINDNESS_DATA_DIR": str(data), "KINDNESS_VERIFY_SIGNATURE": "0"}
    env.pop("KINDNESS_DATABASE_URL", None)
    env.pop("KINDNESS_SKILL_ID", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "server exited") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield f"{base}/alexa"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr:
            process.stderr.close()


@pytest.mark.slow
def test_same_requests_get_the_same_answers_in_process_and_over_http(server: str, settings: Settings) -> None:
    local = InProcessTransport(settings)
    try:
        device = Device(local, load_model(), Identity(user="parity"))
        turns = [turn for line in CONVERSATION for turn in device.say(line)]
    finally:
        local.close()
    remote = HttpTransport(server)
    sent = [t for t in turns if t.exchange is not None]
    assert len(sent) == len(CONVERSATION)
    for turn in sent:
        assert turn.exchange is not None
        over_http = remote.send(turn.exchange.request)
        assert over_http.status == 200, over_http.error
        # the skill picks wording variants by request id: the same request, the same words
        assert over_http.said == turn.exchange.said, turn.label
        assert over_http.response == turn.exchange.response, turn.label


@pytest.mark.slow
def test_a_bare_answer_after_dialog_elicit_slot_works_over_http_too(server: str) -> None:
    device = Device(HttpTransport(server), load_model(), Identity(user="http-elicit"))
    device.say("open inner kindness")
    [asked] = device.say("check in")
    assert [d["type"] for d in asked.response["directives"]] == ["Dialog.ElicitSlot"]
    [answer] = device.say("lonely")
    assert answer.exchange is not None and answer.exchange.status == 200
    request = answer.exchange.request["request"]
    assert request["intent"]["name"] == "CheckInIntent" and request["dialogState"] == "IN_PROGRESS"
    assert request["intent"]["slots"]["feeling"]["value"] == "lonely"
    assert "checkin/reflect" in answer.exchange.said


@pytest.mark.slow
def test_cli_through_url_matches_in_process(server: str, settings: Settings) -> None:
    def conversation(*extra: str) -> list[dict[str, object]]:
        out = io.StringIO()
        assert cli.main(["--json", "--user", "cli-parity", *extra, *CONVERSATION], out=out, settings=settings) == 0
        return [json.loads(line) for line in out.getvalue().splitlines()]

    local, remote = conversation(), conversation("--url", server)
    assert len(local) == len(remote) == len(CONVERSATION)

    def shape(turn: dict[str, object]) -> tuple[object, ...]:
        request = turn["request"]["request"]  # type: ignore[index]
        response = turn["response"]["response"]  # type: ignore[index]
        return (
            request["type"],
            (request.get("intent") or {}).get("name"),
            json.dumps((request.get("intent") or {}).get("slots"), sort_keys=True),
            response.get("shouldEndSession"),
            bool(response.get("outputSpeech")),
            bool(response.get("reprompt")),
        )

    assert [shape(t) for t in local] == [shape(t) for t in remote]


@pytest.mark.slow
def test_a_bad_body_through_the_transport_is_a_clear_error(server: str) -> None:
    answer = HttpTransport(server).send({"version": "1.0", "request": {"no": "type"}})
    assert answer.status == 400
    assert answer.error is not None and answer.error.startswith("HTTP 400")
    assert not answer.ok


@pytest.fixture(scope="module")
def trusting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python -m skill.sim.signing serve`: signatures ON, trusting only the simulator's test CA."""
    data = tmp_path_factory.mktemp("trusting-data")
    port = _free_port()
    env = {**os.environ, "KINDNESS_DATA_DIR": str(data)}
    for name in ("KINDNESS_DATABASE_URL", "KINDNESS_SKILL_ID", "KINDNESS_VERIFY_SIGNATURE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.sim.signing", "serve", "--port", str(port)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "server exited") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the trusting server did not start")
        yield f"{base}/alexa", data
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr:
            process.stderr.close()


@pytest.mark.slow
def test_signed_requests_pass_real_verification_and_unsigned_ones_are_refused(
    trusting_server: tuple[str, Path], settings: Settings
) -> None:
    url, server_data = trusting_server
    signed_settings = settings.replace(data_dir=server_data)  # the CA the server made and trusts
    out = io.StringIO()
    code = cli.main(
        ["--url", url, "--sign", "--explain", "open inner kindness", "stop"], out=out, settings=signed_settings
    )
    assert code == 0, out.getvalue()
    assert "said: launch/welcome" in out.getvalue()
    assert "said: builtin/goodbye" in out.getvalue()

    out = io.StringIO()
    assert cli.main(["--url", url, "open inner kindness"], out=out, settings=signed_settings) == 1
    assert "✗ HTTP 400" in out.getvalue()

    other_ca = settings.replace(data_dir=settings.data_dir / "elsewhere")  # a CA the server never trusted
    out = io.StringIO()
    assert cli.main(["--url", url, "--sign", "open inner kindness"], out=out, settings=other_ca) == 1
    assert "✗ HTTP 400" in out.getvalue()
