"""The handler index picks exactly the handler the SDK's own mapper would pick, for every kind of request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from ask_sdk_runtime.dispatch_components.request_components import GenericRequestMapper

from skill.builder import build_skill
from skill.config import Settings
from skill.envelope import FAST_REQUEST_TYPES
from skill.handlers.dispatch import KINDS_KEPT, IndexedRequestMapper
from skill.sim.model import load_model
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent

OFFERS = [{}, {"offer": {"kind": "breathing", "pattern": "box"}}, {"offer": {"kind": "unknown"}}]


def handler_input(body: dict[str, Any]) -> HandlerInput:
    request = DefaultSerializer().deserialize(json.dumps(body), RequestEnvelope)
    return HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request))


def bodies() -> list[dict[str, Any]]:
    out = []
    for name in sorted(load_model().intents) + ["NoSuchIntent"]:
        for attributes in OFFERS:
            out.append(envelope(intent(name), new=False, attributes=attributes))
    for request_type in sorted(FAST_REQUEST_TYPES - {"IntentRequest"}):
        extra: dict[str, Any] = {"token": "t", "offsetInMilliseconds": 0} if "Playback" in request_type else {}
        if request_type == "SessionEndedRequest":
            extra = {"reason": "USER_INITIATED"}
        out.append(envelope({"type": request_type, **extra}))
    nameless = envelope(intent("GratitudeIntent"), new=False)
    nameless["request"]["intent"]["name"] = None
    out.append(nameless)
    return out


@pytest.fixture
def mappers(settings: Settings, store: SqlJournalStore) -> tuple[IndexedRequestMapper, GenericRequestMapper]:
    skill = build_skill(settings, store)
    (indexed,) = skill.request_dispatcher.request_mappers
    assert isinstance(indexed, IndexedRequestMapper)
    return indexed, GenericRequestMapper(request_handler_chains=indexed.request_handler_chains)


def test_every_request_gets_the_handler_the_sdk_would_choose(
    mappers: tuple[IndexedRequestMapper, GenericRequestMapper],
) -> None:
    indexed, sdk = mappers
    chosen = set()
    for body in bodies():
        found = handler_input(body)
        ours, theirs = indexed.get_request_handler_chain(found), sdk.get_request_handler_chain(found)
        assert ours is theirs, body["request"]
        assert indexed.get_request_handler_chain(found) is theirs  # the remembered candidates, asked again
        chosen.add(type(theirs.request_handler).__name__ if theirs else None)
    assert len(chosen) > 15  # the comparison reached most handlers, not just the fallback


def test_the_remembered_request_kinds_stay_bounded(mappers: tuple[IndexedRequestMapper, GenericRequestMapper]) -> None:
    indexed, sdk = mappers
    for n in range(KINDS_KEPT * 2 + 5):  # intent names are whatever a request says
        found = handler_input(envelope(intent(f"Made.Up{n}"), new=False))
        assert indexed.get_request_handler_chain(found) is sdk.get_request_handler_chain(found)
        assert len(indexed._asked) <= KINDS_KEPT
