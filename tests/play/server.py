"""A real `kindness serve` subprocess for end-to-end tests (HTTP through waitress, SQLite on disk)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str  # http://127.0.0.1:<port>
    log_path: Path
    data_dir: Path
    secret: str

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve(audio_dir: Path, data_dir: Path, public_url: str, secret: str = "e2e-secret") -> Iterator[Server]:
    """Start the skill server on a free port with signatures off; stop it afterwards."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KINDNESS_VERIFY_SIGNATURE": "0",
        "KINDNESS_AUDIO_DIR": str(audio_dir),
        "KINDNESS_DATA_DIR": str(data_dir),
        "KINDNESS_PUBLIC_URL": public_url,
        "KINDNESS_USER_SECRET": secret,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not come up:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Server(base, log_path, data_dir, secret)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
