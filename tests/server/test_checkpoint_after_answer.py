"""The journal's WAL checkpoint runs after an answer has gone out, never inside a request's COMMIT."""

from __future__ import annotations

import json
from pathlib import Path

from werkzeug.test import EnvironBuilder

from skill.app import create_app
from skill.config import Settings
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.store.test_store_writers import entries_in, entries_in_the_file_alone


def test_the_checkpoint_comes_after_the_answer_is_sent(
    settings: Settings, store: SqlJournalStore, tmp_path: Path
) -> None:
    app = create_app(settings, store=store)
    store.checkpoint_every = 1
    store.checkpoint_when_due()  # what opening the journal wrote
    assert store.checkpoints is not None and store.checkpoints.wait_idle(10)
    journal = Path(str(store.engine.url.database))
    body = json.dumps(envelope(intent("GratitudeIntent", thing="the smell of rain"), new=False)).encode()
    builder = EnvironBuilder(path="/alexa", method="POST", data=body, content_type="application/json")
    started: list[tuple[str, dict[str, str]]] = []
    answer = app(builder.get_environ(), lambda status, headers, exc_info=None: started.append((status, dict(headers))))
    sent = json.loads(b"".join(answer))  # the whole answer, as the server writes it to the socket
    status, headers = started[0]
    assert status == "200 OK" and headers["X-Kindness-Said"].startswith("gratitude/")
    assert "The smell of rain." in sent["response"]["outputSpeech"]["ssml"]
    assert entries_in(journal) == ["the smell of rain"]  # stored before the answer went out
    assert entries_in_the_file_alone(journal, tmp_path / "scratch") == 0  # still only in the WAL
    answer.close()  # the server closes the answer once it has been sent
    assert store.checkpoints.wait_idle(10)
    assert entries_in_the_file_alone(journal, tmp_path / "scratch") == 1
    builder.close()


def test_refused_requests_write_nothing_and_checkpoint_nothing(
    settings: Settings, store: SqlJournalStore, tmp_path: Path
) -> None:
    client = create_app(settings, store=store).test_client()
    store.checkpoint_every = 1
    for _ in range(3):
        assert client.post("/alexa", data=b"{not json", content_type="application/json").status_code == 400
    assert store.checkpoint_when_due() is False  # nothing was written, so nothing is due
    assert entries_in(Path(str(store.engine.url.database))) == []
