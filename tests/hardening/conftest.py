"""Fixtures for the hardening tests: our skill under real gunicorn on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skill.bench.process import Served, gunicorn
from tests.hardening.harness import server_env

ServerFactory = Callable[..., Served]


@pytest.fixture
def serve_skill(tmp_path: Path) -> Iterator[ServerFactory]:
    """Start our skill under gunicorn: ``serve_skill(workers=2, database_url=None, **env)`` -> Served."""
    with contextlib.ExitStack() as stack:

        def start(workers: int = 2, database_url: str | None = None, name: str = "skill", **env: str) -> Served:
            data_dir = tmp_path / name
            served = stack.enter_context(
                gunicorn(
                    "skill.app:create_app()",
                    server_env(data_dir, database_url, **env),
                    tmp_path / f"{name}.log",
                    workers=workers,
                )
            )
            return served

        yield start
