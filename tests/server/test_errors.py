"""Error paths through HTTP: a handler that fails gets a spoken apology, an unreachable journal gets its
own apology, and even a failing error handler never turns into a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from skill import builder
from skill.app import create_app
from skill.config import Settings
from skill.handlers import builtin, errors
from skill.handlers.base import user_id
from skill.speech import to_plain_text
from skill.store.engine import make_engine
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.server.checks import assert_sane_answer


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a handler broke")


@pytest.fixture
def client(settings: Settings, store: SqlJournalStore) -> FlaskClient:
    return create_app(settings, store=store).test_client()


def post(client: FlaskClient, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str], str]:
    answer = client.post("/alexa", json=payload)
    body = assert_sane_answer(answer.status_code, answer.get_data(as_text=True))
    assert answer.status_code == 200
    said = [k for k in answer.headers.get("X-Kindness-Said", "").split(",") if k]
    text = (
        to_plain_text(body["response"]["outputSpeech"]["ssml"]) if body and body["response"].get("outputSpeech") else ""
    )
    return body, said, text


def test_a_failing_handler_gets_a_spoken_apology(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin.HelpHandler, "handle", _boom)
    body, said, text = post(client, envelope(intent("AMAZON.HelpIntent"), new=False))
    assert said == ["errors/sorry", "launch/reprompt"]
    assert "sorry" in text.lower() and "try that again" in text
    assert body is not None and body["response"]["shouldEndSession"] is False


def test_an_error_before_the_voice_is_set_still_apologises(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builder.VoiceInterceptor, "process", _boom)
    _, said, text = post(client, envelope({"type": "LaunchRequest"}))
    assert said == ["errors/sorry", "launch/reprompt"]
    assert "sorry" in text.lower()


def test_an_error_in_an_audio_event_gets_an_empty_answer(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """AudioPlayer events may not carry speech, even an apology."""
    monkeypatch.setattr(builtin.SilentHandler, "handle", _boom)
    event = envelope({"type": "AudioPlayer.PlaybackFailed", "token": "t"})
    body, said, _ = post(client, event)
    assert said == [] and body is not None and body["response"] == {}


def test_a_failing_error_handler_still_gets_an_apology_from_the_endpoint(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtin.HelpHandler, "handle", _boom)
    monkeypatch.setattr(errors.CatchAllExceptionHandler, "handle", _boom)
    body, said, text = post(client, envelope(intent("AMAZON.HelpIntent")))
    assert said == ["errors/sorry"]
    assert "sorry" in text.lower()


def test_a_failing_error_handler_in_an_audio_event_gets_an_empty_answer(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtin.SilentHandler, "handle", _boom)
    monkeypatch.setattr(errors.CatchAllExceptionHandler, "handle", _boom)
    body, said, _ = post(client, envelope({"type": "Messaging.MessageReceived", "message": {}}))
    assert body == {"version": "1.0", "response": {}} and said == []


# ---- an unreachable journal ---------------------------------------------------------------------


@pytest.fixture
def unreachable(settings: Settings) -> SqlJournalStore:
    """A real PostgreSQL journal pointed at a port where nothing listens."""
    engine = make_engine("postgresql+psycopg://kindness@127.0.0.1:9/journal", timeout_s=1)
    return SqlJournalStore(engine, settings.with_secret().user_secret)


def _reads_the_journal(self: builtin.HelpHandler, handler_input: Any) -> Any:
    self.deps.store.holdings(user_id(handler_input))
    raise AssertionError("the journal answered although it is unreachable")


def test_an_unreachable_journal_gets_the_store_apology(
    settings: Settings, unreachable: SqlJournalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(builtin.HelpHandler, "handle", _reads_the_journal)
    client = create_app(settings, store=unreachable).test_client()
    body, said, text = post(client, envelope(intent("AMAZON.HelpIntent")))
    assert said == ["errors/store_unavailable", "launch/reprompt"]
    assert "journal" in text and "nothing was saved" in text
    assert body is not None and body["response"]["shouldEndSession"] is False


def test_an_unreachable_sqlite_journal_gets_the_store_apology(
    settings: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite file's place is taken by a directory: the database cannot be opened."""
    blocked = tmp_path / "journal-is-a-directory"
    blocked.mkdir()
    store = SqlJournalStore(make_engine(f"sqlite:///{blocked}", timeout_s=1), "secret")
    monkeypatch.setattr(builtin.HelpHandler, "handle", _reads_the_journal)
    client = create_app(settings, store=store).test_client()
    _, said, _ = post(client, envelope(intent("AMAZON.HelpIntent")))
    assert said == ["errors/store_unavailable", "launch/reprompt"]


def test_healthz_is_503_when_the_journal_is_unreachable(settings: Settings, unreachable: SqlJournalStore) -> None:
    answer = create_app(settings, store=unreachable).test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json == {"status": "degraded", "database": False}


def test_invalid_ssml_from_a_handler_is_logged_with_its_keys(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def speaks_badly(self: builtin.HelpHandler, handler_input: Any) -> Any:
        from skill.handlers.base import voice

        voice(handler_input).say("builtin/help")
        return handler_input.response_builder.speak('<blink>hi</blink> <break time="20s"/>').response

    monkeypatch.setattr(builtin.HelpHandler, "handle", speaks_badly)
    answer = client.post("/alexa", json=envelope(intent("AMAZON.HelpIntent")))
    assert answer.status_code == 200
    errors_logged = [r.getMessage() for r in caplog.records if r.name == "skill.endpoint"]
    assert any("invalid SSML" in m and "builtin/help" in m and "<blink>" in m for m in errors_logged), errors_logged
