"""After its first answer, a server process freezes what it has built (gc.freeze), once."""

from __future__ import annotations

import pytest

from skill import web
from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent


def test_the_first_answer_freezes_the_heap_once(
    settings: Settings, store: SqlJournalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(web, "_first_answer_given", False)
    monkeypatch.setattr(web.gc, "freeze", lambda: frozen.append(1))
    client = create_app(settings, store=store).test_client()
    assert client.get("/healthz").status_code == 200
    assert frozen == []  # only an answer to Alexa counts
    assert client.post("/alexa", json=envelope({"type": "LaunchRequest"})).status_code == 200
    assert frozen == [1]
    for _ in range(3):
        answer = client.post("/alexa", json=envelope(intent("AMAZON.HelpIntent"), new=False))
        assert answer.status_code == 200
    assert frozen == [1]
