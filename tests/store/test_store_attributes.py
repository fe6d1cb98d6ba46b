"""ask-sdk persistent attributes kept in the journal store, through AttributesManager and a real skill."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import RequestEnvelope, Response

from skill.app import create_app
from skill.builder import build_skill
from skill.config import Settings
from skill.store.attributes import StorePersistenceAdapter, adapter_for
from skill.store.schema import attributes
from skill.store.sql import MAX_ATTRIBUTES_BYTES, SqlJournalStore
from tests.conftest import envelope, intent

USER = "amzn1.ask.account.ATTRIBUTES-RAW"


def request_envelope(user: str = USER, **kwargs: Any) -> RequestEnvelope:
    body = envelope(intent("BreathingIntent"), user=user, **kwargs)
    parsed = DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)
    assert isinstance(parsed, RequestEnvelope)
    return parsed


def manager(journal: SqlJournalStore, env: RequestEnvelope) -> AttributesManager:
    return AttributesManager(request_envelope=env, persistence_adapter=StorePersistenceAdapter(journal))


def test_attributes_manager_saves_reads_and_deletes_by_the_persons_key(journal: SqlJournalStore) -> None:
    env = request_envelope()
    first = manager(journal, env)
    assert first.persistent_attributes == {}
    first.persistent_attributes = {"last_pattern": "box", "rounds": 4}
    first.save_persistent_attributes()
    second = manager(journal, request_envelope())  # a later request from the same person
    assert second.persistent_attributes == {"last_pattern": "box", "rounds": 4}
    assert manager(journal, request_envelope(user="amzn1.ask.account.OTHER")).persistent_attributes == {}
    with journal.engine.connect() as conn:
        keys = conn.execute(sa.select(attributes.c.person)).scalars().all()
    assert keys == [journal.person_key(USER)]
    second.delete_persistent_attributes()
    assert manager(journal, request_envelope()).persistent_attributes == {}


def test_forgetting_the_person_removes_their_attributes(journal: SqlJournalStore) -> None:
    first = manager(journal, request_envelope())
    first.persistent_attributes = {"x": 1}
    first.save_persistent_attributes()
    journal.forget(USER)
    assert manager(journal, request_envelope()).persistent_attributes == {}


def test_oversized_attributes_are_refused_with_a_persistence_error(journal: SqlJournalStore) -> None:
    m = manager(journal, request_envelope())
    m.persistent_attributes = {"blob": "x" * (MAX_ATTRIBUTES_BYTES + 1)}
    with pytest.raises(PersistenceException, match="at most"):
        m.save_persistent_attributes()
    assert journal.get_attributes(USER) == {}


def test_a_request_without_a_user_has_nowhere_to_keep_attributes(journal: SqlJournalStore) -> None:
    env = request_envelope()
    env.context.system.user = None  # type: ignore[union-attr]
    env.session.user = None  # type: ignore[union-attr]
    with pytest.raises(PersistenceException, match="no user"):
        StorePersistenceAdapter(journal).get_attributes(env)


class CountingHandler(AbstractRequestHandler):
    """Counts the person's visits in persistent attributes, as a handler would."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        manager = handler_input.attributes_manager
        count = int(manager.persistent_attributes.get("visits", 0)) + 1
        manager.persistent_attributes["visits"] = count
        manager.save_persistent_attributes()
        return handler_input.response_builder.speak(f"visit {count}").response


def test_a_handler_keeps_attributes_across_requests(journal: SqlJournalStore) -> None:
    builder = CustomSkillBuilder(persistence_adapter=adapter_for(journal))
    builder.add_request_handler(CountingHandler())
    skill = builder.create()
    spoken = [
        skill.invoke(request_envelope=request_envelope(), context=None).response.output_speech.ssml for _ in range(3)
    ]
    assert spoken == ["<speak>visit 1</speak>", "<speak>visit 2</speak>", "<speak>visit 3</speak>"]
    assert journal.get_attributes(USER) == {"visits": 3}


def test_the_skill_and_the_server_use_the_store_as_persistence(settings: Settings, store: SqlJournalStore) -> None:
    skill = build_skill(settings, store)
    assert isinstance(skill.persistence_adapter, StorePersistenceAdapter) and skill.persistence_adapter.store is store
    app = create_app(settings, store=store)
    served = app.extensions["kindness.endpoint"].skill
    assert isinstance(served.persistence_adapter, StorePersistenceAdapter)
    assert served.persistence_adapter.store is store


def test_a_store_without_attributes_gets_no_adapter() -> None:
    assert adapter_for(object()) is None
