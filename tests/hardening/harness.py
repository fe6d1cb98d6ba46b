"""Helpers for the hardening tests: HTTP to a served skill, and a read-only look at its SQLite journal."""

from __future__ import annotations

import contextlib
import http.client
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.bench.process import Served
from skill.config import Settings

SECRET = "hardening-secret"
JOURNAL_TABLES = ("people", "gratitude_entries", "checkins", "practices", "preferences", "playback_state")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def said(self) -> list[str]:
        value = self.headers.get("X-Kindness-Said", "")
        return [k for k in value.split(",") if k]

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    served: Served,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/alexa",
    timeout_s: float = 15.0,
) -> Answer:
    """One request on a fresh connection; the whole answer."""
    conn = http.client.HTTPConnection(served.host, served.port, timeout=timeout_s)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        answer = conn.getresponse()
        return Answer(answer.status, {k: v for k, v in answer.getheaders()}, answer.read())
    finally:
        conn.close()


CLOSED = -1  # the status recorded when the server closed the connection while a body was being sent
LIMIT = Settings().max_body_bytes


def send_lenient(served: Served, body: bytes, **kwargs: Any) -> Answer:
    """:func:`send`, except that a body over the size limit may be refused before it is read and the
    connection closed under the sender's feet (HTTP allows it): that gives an answer with status CLOSED.
    For any other body a dropped connection is raised."""
    try:
        return send(served, body, **kwargs)
    except (BrokenPipeError, ConnectionResetError):
        if len(body) <= LIMIT:
            raise
        return Answer(CLOSED, {}, b"")


def post_json(served: Served, payload: dict[str, Any], **kwargs: Any) -> Answer:
    return send(served, json.dumps(payload).encode(), **kwargs)


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    return {
        "KINDNESS_DATA_DIR": str(data_dir),
        "KINDNESS_DATABASE_URL": database_url or f"sqlite:///{data_dir / 'journal.sqlite3'}",
        "KINDNESS_USER_SECRET": SECRET,
        "KINDNESS_VERIFY_SIGNATURE": "0",
        **extra,
    }


class Journal:
    """Read-only look at a SQLite journal file from the test process (WAL lets it read while served)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            yield conn
        finally:
            conn.close()

    def counts(self) -> dict[str, int]:
        with self.connect() as conn:
            found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            return {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in JOURNAL_TABLES if t in found
            }

    def gratitude_texts(self) -> list[str]:
        with self.connect() as conn:
            return [r[0] for r in conn.execute("SELECT text FROM gratitude_entries")]


def journal_of(served: Served) -> Journal:
    url = served.env["KINDNESS_DATABASE_URL"]
    assert url.startswith("sqlite:///")
    return Journal(Path(url.removeprefix("sqlite:///")))
