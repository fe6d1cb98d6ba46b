"""Real `kindness serve` processes on free ports for end-to-end tests of the journal through HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.conftest import envelope, intent
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
SAID_HEADER = "X-Kindness-Said"


def kindness_command() -> list[str]:
    """The `kindness` console script next to this Python, else the same CLI as a module."""
    script = Path(sys.executable).with_name("kindness")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "skill.cli"]


class Server:
    """One `kindness serve` process; ``url`` is its base URL."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [*kindness_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout_s}s:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@contextmanager
def serving(count: int, env: Mapping[str, str], log_dir: Path) -> Iterator[list[Server]]:
    """``count`` servers sharing ``env`` (one database), started together, stopped at the end."""
    with ExitStack() as stack:
        servers = []
        for i in range(count):
            server = Server(env, log_dir / f"server-{i}.log")
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            server.wait_ready()
        yield servers


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for test servers: no signature checks, this data dir (and secret), this database."""
    env = {"KINDNESS_VERIFY_SIGNATURE": "0", "KINDNESS_DATA_DIR": str(data_dir), **extra}
    if database_url:
        env["KINDNESS_DATABASE_URL"] = database_url
    return env


def gratitude_request(user: str, thing: str) -> dict[str, Any]:
    """ "I'm grateful for <thing>", as a one-shot request in a new session."""
    return envelope(intent("GratitudeIntent", thing=thing), user=user, new=True)


def post(session: requests.Session, server: Server, body: dict[str, Any]) -> tuple[int, dict[str, Any], list[str]]:
    """POST an envelope to /alexa: status, JSON answer, template keys said."""
    answer = session.post(f"{server.url}/alexa", json=body, timeout=60)
    said = [k for k in answer.headers.get(SAID_HEADER, "").split(",") if k]
    return answer.status_code, answer.json(), said


def assert_valid_speech_response(payload: dict[str, Any]) -> str:
    """A well-formed Alexa response envelope with SSML speech; its SSML."""
    assert payload.get("version") == "1.0"
    speech = payload["response"]["outputSpeech"]
    assert speech["type"] == "SSML" and speech["ssml"].startswith("<speak>")
    return str(speech["ssml"])
