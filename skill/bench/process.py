"""A WSGI app under gunicorn on loopback, for benchmarks and hardening tests: started, waited for, stopped.

Everything is bounded: start-up waits at most ``start_timeout_s``, stopping escalates from SIGTERM to
SIGKILL after a few seconds, and only loopback addresses are ever bound.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A running gunicorn master on ``LOOPBACK:port``."""

    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    host: str = LOOPBACK
    env: dict[str, str] = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        """The live worker processes (children of the master), from /proc."""
        found: list[int] = []
        task_dir = Path(f"/proc/{self.proc.pid}/task")
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for task in task_dir.iterdir():
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    found += [int(p) for p in (task / "children").read_text().split()]
        return sorted(set(found))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def get(self, path: str, timeout_s: float = 5.0) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout_s)
        try:
            conn.request("GET", path)
            answer = conn.getresponse()
            return answer.status, answer.read()
        finally:
            conn.close()

    def wait_ready(self, timeout_s: float, workers: int) -> None:
        """Until /healthz answers and every worker is up; raises with the server log if it never does."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            try:
                status, _ = self.get("/healthz", timeout_s=2.0)
            except OSError:
                status = 0
            if status == 200 and len(self.worker_pids()) >= workers:
                return
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not become ready in {timeout_s}s:\n{self.log()[-4000:]}")

    def wait_workers(self, count: int, timeout_s: float = 30.0, exclude: tuple[int, ...] = ()) -> list[int]:
        """Until ``count`` workers not in ``exclude`` are alive (e.g. after killing one)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pids = [p for p in self.worker_pids() if p not in exclude]
            if len(pids) >= count:
                return pids
            time.sleep(0.05)
        raise RuntimeError(f"only {self.worker_pids()} workers after {timeout_s}s:\n{self.log()[-4000:]}")

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout_s)


@contextlib.contextmanager
def gunicorn(
    app: str,
    env: Mapping[str, str],
    log_path: Path,
    *,
    workers: int = 2,
    start_timeout_s: float = 60.0,
    extra_args: tuple[str, ...] = (),
) -> Iterator[Served]:
    """Serve ``app`` ("module:factory()") with ``workers`` sync workers on a free loopback port."""
    port = free_port()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--timeout",
        "30",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
        *extra_args,
        app,
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            command, env=full_env, stdout=log_file, stderr=subprocess.STDOUT, cwd=str(Path(__file__).parents[2])
        )
    served = Served(proc=proc, port=port, log_path=log_path, env=dict(env))
    try:
        served.wait_ready(start_timeout_s, workers)
        yield served
    finally:
        served.stop()
