"""Fixtures for the meditation and playback tests: in-process clients and the real rendered library
(one short meditation, rendered once per test session) served by a real `kindness serve`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore
from tests.play.helpers import PUBLIC_URL, Answer, answer_from, read_manifest, render_library
from tests.play.server import Server, serve


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return settings.replace(public_url="https://kindness.example.org")


@pytest.fixture
def client(app_settings: Settings, store: SqlJournalStore) -> FlaskClient:
    return create_app(app_settings, store=store).test_client()


@pytest.fixture
def ask(client: FlaskClient) -> Iterator[Callable[[dict[str, Any]], Answer]]:
    def post(body: dict[str, Any]) -> Answer:
        result = client.post("/alexa", json=body)
        return answer_from(result.status_code, result.headers.get("X-Kindness-Said"), result.get_json())

    yield post


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_library(tmp_path_factory)


@pytest.fixture(scope="session")
def manifest(library: Path) -> list[dict[str, Any]]:
    return read_manifest(library)


@pytest.fixture(scope="session")
def http_server(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `kindness serve` over the rendered library, with an HTTPS public URL."""
    with serve(library, tmp_path_factory.mktemp("server-data"), PUBLIC_URL) as server:
        yield server


@pytest.fixture
def library_settings(app_settings: Settings, library: Path) -> Settings:
    """In-process settings over the rendered library."""
    return app_settings.replace(audio_dir=library)


@pytest.fixture
def ask_library(library_settings: Settings, store: SqlJournalStore) -> Callable[[dict[str, Any]], Answer]:
    client = create_app(library_settings, store=store).test_client()

    def post(body: dict[str, Any]) -> Answer:
        result = client.post("/alexa", json=body)
        return answer_from(result.status_code, result.headers.get("X-Kindness-Said"), result.get_json())

    return post
