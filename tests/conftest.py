"""Shared fixtures: settings on a throwaway data dir, a real SQLite journal, the skill, and envelopes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from skill.config import Settings
from skill.store.engine import open_store
from skill.store.sql import SqlJournalStore
from tests.pg import PgCluster, start_cluster


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data dir, SQLite file and secret; signatures off (in-process)."""
    return Settings.from_env({"KINDNESS_DATA_DIR": str(tmp_path / "data"), "KINDNESS_VERIFY_SIGNATURE": "0"}).replace(
        user_secret="test-secret", audio_dir=tmp_path / "audio"
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[SqlJournalStore]:
    journal = open_store(settings)
    yield journal
    journal.engine.dispose()


def envelope(
    request: dict[str, Any],
    *,
    user: str = "amzn1.ask.account.TEST",
    locale: str = "en-US",
    new: bool = True,
    attributes: dict[str, Any] | None = None,
    audio: bool = True,
    application_id: str = "amzn1.ask.skill.test",
) -> dict[str, Any]:
    """A request envelope shaped like Alexa's around ``request`` (type, and intent for IntentRequest)."""
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": locale,
        **request,
    }
    interfaces: dict[str, Any] = {"AudioPlayer": {}} if audio else {}
    system = {
        "application": {"applicationId": application_id},
        "user": {"userId": user},
        "device": {"deviceId": "amzn1.ask.device.TEST", "supportedInterfaces": interfaces},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "token",
    }
    body: dict[str, Any] = {"version": "1.0", "context": {"System": system}, "request": request}
    if not request["type"].startswith(("AudioPlayer.", "PlaybackController.", "AlexaSkillEvent.")):
        body["session"] = {
            "new": new,
            "sessionId": "amzn1.echo-api.session.TEST",
            "application": {"applicationId": application_id},
            "user": {"userId": user},
            "attributes": attributes or {},
        }
    return body


def intent(name: str, **slots: Any) -> dict[str, Any]:
    """An IntentRequest body; slot values may be a string or a dict (value + resolutions)."""
    built = {}
    for slot, value in slots.items():
        built[slot] = {"name": slot, **(value if isinstance(value, dict) else {"value": value})}
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": built},
    }


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for the whole run (skipped without PostgreSQL, failed in CI)."""
    cluster = start_cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PgCluster) -> str:
    """``postgresql+psycopg://`` URL of an empty database in the throwaway cluster, shared by the run."""
    return postgres_cluster.create_database("kindness")


@pytest.fixture
def fresh_postgres_url(postgres_cluster: PgCluster) -> str:
    """A new empty PostgreSQL database for one test."""
    return postgres_cluster.create_database()
