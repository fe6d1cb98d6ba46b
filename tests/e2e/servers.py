"""Real servers for the end-to-end tests (fixtures re-exported by conftest.py): `kindness serve`
(waitress) and gunicorn, as subprocesses on free ports, each with its own data directory, stopped after the module."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from skill.config import PROJECT_ROOT

BIN = Path(sys.executable).parent
STARTUP_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def alexa(self) -> str:
        return f"{self.url}/alexa"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class PortTaken(RuntimeError):
    """Another process bound the port between our choosing it and the server binding it."""


def _listening(server: Server, port: int) -> bool:
    """The server's own log says it bound the port (waitress: "Serving on", gunicorn: "Listening at")."""
    address = f"127.0.0.1:{port}"
    return any(
        address in line and ("Serving on" in line or "Listening at" in line) for line in server.output().splitlines()
    )


def _launch(command: list[str], port: int, data_dir: Path, env: dict[str, str]) -> Server:
    log = data_dir / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server.output()
            if "in use" in output:
                raise PortTaken(output)
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        # only trust /healthz once our process says it holds the port: another test's server could
        # have taken the port first and would answer in our place
        if _listening(server, port):
            try:
                if requests.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                    return server
            except requests.RequestException:  # slow while workers boot
                pass
        time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"server did not answer /healthz within {STARTUP_S} s:\n{server.output()}")


def start(command: Callable[[int], list[str]], data_dir: Path, **env: str) -> Server:
    """Start ``command(port)`` on a free port and wait until it holds the port and /healthz answers 200."""
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "KINDNESS_DATA_DIR": str(data_dir),
        "KINDNESS_DATABASE_URL": f"sqlite:///{data_dir / 'journal.sqlite3'}",
        "KINDNESS_VERIFY_SIGNATURE": "0",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    if "KINDNESS_SKILL_ID" not in env:
        environment.pop("KINDNESS_SKILL_ID", None)
    for attempt in range(3):
        port = free_port()
        try:
            return _launch(command(port), port, data_dir, environment)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


def kindness_command(port: int) -> list[str]:
    script = BIN / "kindness"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "skill.cli"]
    return [*base, "serve", "--host", "127.0.0.1", "--port", str(port)]


def gunicorn_command(port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "skill.app:create_app()"]


@pytest.fixture(scope="module")
def kindness_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(kindness_command, tmp_path_factory.mktemp("serve"))
    yield server
    stop(server)


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not (BIN / "gunicorn").exists():
        pytest.fail("gunicorn is not installed: run scripts/setup --dev")
    server = start(gunicorn_command, tmp_path_factory.mktemp("gunicorn"))
    yield server
    stop(server)


@pytest.fixture(scope="module")
def verifying_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`kindness serve` with signature checks on (the default) and one accepted skill id."""
    data = tmp_path_factory.mktemp("verifying")
    server = start(
        kindness_command,
        data,
        KINDNESS_VERIFY_SIGNATURE="1",
        KINDNESS_SKILL_ID="amzn1.ask.skill.test",
    )
    yield server
    stop(server)


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if not found or not (PROJECT_ROOT / "node_modules" / "virtual-alexa").is_dir():
        pytest.fail("node and virtual-alexa are needed: run scripts/setup --dev")
    return found
