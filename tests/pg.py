"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary directory, on a free port.

The binaries come from ``KINDNESS_PG_BINDIR``, else ``pg_ctl`` on PATH, else the newest
``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu's layout; ``scripts/setup --dev`` installs it). PostgreSQL
refuses to run as root, so under root (CI containers) the cluster runs as the ``postgres`` user when it
exists, else as ``nobody``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest


class ClusterError(RuntimeError):
    """The cluster could not be created or started (the message carries PostgreSQL's log)."""


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None when PostgreSQL is not installed."""
    explicit = os.environ.get("KINDNESS_PG_BINDIR")
    candidates: list[Path] = [Path(explicit)] if explicit else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for directory in candidates:
        if all((directory / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def postgres_required() -> bool:
    """In CI (or when asked) a missing PostgreSQL fails the run instead of skipping its tests."""
    flags = (os.environ.get("CI", ""), os.environ.get("KINDNESS_REQUIRE_POSTGRES", ""))
    return any(f.strip().lower() not in {"", "0", "false", "no"} for f in flags)


def unavailable(reason: str) -> NoReturn:
    """Skip the PostgreSQL tests on a developer machine without it; fail in CI."""
    if postgres_required():
        pytest.fail(f"PostgreSQL is required here (CI): {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterError("running as root and neither a 'postgres' nor a 'nobody' account exists")


class PgCluster:
    """One PostgreSQL cluster in its own temporary directory; ``start``/``stop`` may repeat."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _run_as()
        self.root = Path(tempfile.mkdtemp(prefix="kindness-pg-", dir=self._base_dir()))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        atexit.register(self.destroy)  # also when the run is interrupted
        if self.user is not None:
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)

    def init(self) -> None:
        """Create the cluster's files (initdb)."""
        self._run(
            ["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
            + ["--locale=C", "--no-sync"]
        )

    def _base_dir(self) -> str | None:
        """Where to make the cluster's directory: one the unprivileged account can reach, when we are root."""
        if self.user is None:
            return None
        for candidate in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
            path = Path(candidate).resolve()
            if path.is_dir() and all(os.stat(p).st_mode & 0o001 for p in (path, *path.parents)):
                return str(path)
        raise ClusterError("no temporary directory that the postgres account can reach")

    def _run(self, argv: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.root), "PGTZ": "UTC"}
        options: dict[str, object] = {}
        if self.user is not None:
            options = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            command,
            env=env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            **options,  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{argv[0]} failed ({result.returncode}): {result.stderr.strip()}\n{log}")
        return result

    def start(self) -> None:
        """Start the server (waiting until it accepts connections), on the same port as before."""
        settings = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ]
        self._run(
            ["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", " ".join(settings), "start"]
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def running(self) -> bool:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        options: dict[str, object] = {}
        if self.user is not None:
            options = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run(command, capture_output=True, **options).returncode == 0  # type: ignore[call-overload]

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for ``database`` over TCP on loopback (trust authentication)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database in this cluster; its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server at once and remove its directory (again is harmless)."""
        if not self.root.exists():
            return
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PgCluster:
    """A started throwaway cluster; skips (or fails in CI) when PostgreSQL or psycopg is missing."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("the psycopg package is not installed (pip install -e '.[postgres]')")
    bindir = find_bindir()
    if bindir is None:
        unavailable("no initdb/pg_ctl found (scripts/setup --dev installs PostgreSQL with apt)")
    cluster = PgCluster(bindir)
    try:
        cluster.init()
    except (ClusterError, subprocess.TimeoutExpired, OSError) as exc:
        cluster.destroy()
        unavailable(f"initdb failed: {exc}")
    try:
        cluster.start()
    except (ClusterError, subprocess.TimeoutExpired, OSError) as exc:
        cluster.destroy()
        unavailable(f"the server did not start: {exc}")
    return cluster
