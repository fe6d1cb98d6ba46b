"""The fast envelope reader gives exactly what ask-sdk-core's serializer gives, or leaves it to it.

Real envelopes of every request type the skill handles (the simulator's, the fuzz seeds', the
benchmark's), thousands of mutated ones, and timestamps of every shape are read both ways and
compared object by object: same classes, same attributes, same values, same time zones.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from ask_sdk_model import RequestEnvelope
from dateutil.parser import parse as dateutil_parse
from flask.testing import FlaskClient

import skill.builder  # noqa: F401  (imports every handler module)
from skill.app import create_app
from skill.bench.serve import TURNS
from skill.config import Settings
from skill.endpoint import AlexaEndpoint, BadRequest
from skill.envelope import FAST_REQUEST_TYPES, MAX_DEPTH, EnvelopeReader, _Unsure, parse_timestamp
from skill.handlers.base import Handler
from skill.sim.envelopes import EnvelopeFactory, Identity
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent
from tests.hardening.mutations import TREE_MUTATIONS, seeds


def assert_same(fast: Any, sdk: Any, where: str = "envelope") -> None:
    """Strict equality: same types all the way down (models by their attributes), same time zones."""
    assert type(fast) is type(sdk), (where, type(fast), type(sdk))
    if isinstance(sdk, Enum) or sdk is None or isinstance(sdk, bool | int | str):
        assert fast == sdk, where
    elif isinstance(sdk, float):
        assert fast == sdk or (math.isnan(fast) and math.isnan(sdk)), where
    elif isinstance(sdk, datetime):
        assert (fast, repr(fast.tzinfo)) == (sdk, repr(sdk.tzinfo)), where
        assert fast.utcoffset() == sdk.utcoffset(), where
    elif isinstance(sdk, list):
        assert len(fast) == len(sdk), where
        for i, (a, b) in enumerate(zip(fast, sdk, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(sdk, dict):
        assert list(fast) == list(sdk), where
        for key in sdk:
            assert_same(fast[key], sdk[key], f"{where}.{key}")
    else:  # a model object
        assert list(vars(fast)) == list(vars(sdk)), where
        for name in vars(sdk):
            assert_same(getattr(fast, name), getattr(sdk, name), f"{where}.{name}")


def read_both(reader: EnvelopeReader, payload: dict[str, Any]) -> tuple[Any, Any]:
    """(fast result or exception type, SDK result or exception type), each from its own copy."""
    results = []
    for read in (reader.read, reader.sdk_read):
        try:
            results.append(read(copy.deepcopy(payload)))
        except Exception as exc:
            results.append(type(exc))
    return results[0], results[1]


def fast_only(reader: EnvelopeReader) -> EnvelopeReader:
    """A reader whose SDK fallback fails loudly: proves the fast path answered by itself."""

    def refuse(payload: dict[str, Any]) -> RequestEnvelope:
        raise AssertionError("the fast reader handed this envelope to the SDK")

    reader.sdk_read = refuse  # type: ignore[method-assign]
    return reader


def simulator_envelopes() -> list[dict[str, Any]]:
    """What the simulator sends, for each device and several locales: every request type handled."""
    found = []
    for device in ("speaker", "screen", "no-audio"):
        for locale in ("en-US", "en-GB", "en-IN"):
            make = EnvelopeFactory(Identity(user=f"u-{device}", locale=locale, device=device))
            slots = {
                "thing": {"name": "thing", "value": "the sea", "confirmationStatus": "NONE"},
                "feeling": {
                    "name": "feeling",
                    "value": "calm",
                    "resolutions": {
                        "resolutionsPerAuthority": [
                            {
                                "authority": "amzn1.er-authority.echo-sdk.x.FEELING",
                                "status": {"code": "ER_SUCCESS_MATCH"},
                                "values": [{"value": {"name": "calm", "id": "calm"}}],
                            }
                        ]
                    },
                },
            }
            requests = [
                make.launch(),
                make.intent("GratitudeIntent", slots, dialog_state="STARTED"),
                make.intent("CheckInIntent", slots),
                make.intent("AMAZON.HelpIntent"),
                make.session_ended(),
                make.session_ended("ERROR", {"type": "INVALID_RESPONSE", "message": "bad"}),
                make.audio_event("PlaybackStarted", "med:body-scan:10:1", 0),
                make.audio_event("PlaybackNearlyFinished", "med:body-scan:10:1", 590000),
                make.audio_event("PlaybackFinished", "med:body-scan:10:1", 600000),
                make.audio_event("PlaybackStopped", "med:body-scan:10:1", 1234),
                make.audio_event("PlaybackFailed", "med:body-scan:10:1", 1234),
                make.playback_command("play"),
                make.playback_command("pause"),
                make.playback_command("next"),
                make.playback_command("previous"),
                make.skill_disabled(),
                make.request("System.ExceptionEncountered", error={"type": "INVALID_RESPONSE", "message": "x"}),
            ]
            audio = {"token": "med:body-scan:10:1", "offsetInMilliseconds": 1234, "playerActivity": "PLAYING"}
            for n, request in enumerate(requests):
                found.append(make.envelope(request, new=n == 0, attributes={"offer": {"kind": "savour"}}))
                found.append(make.envelope(copy.deepcopy(request), audio_context=audio))
    return found


def real_envelopes() -> list[dict[str, Any]]:
    bench = [turn.build(f"amzn1.ask.account.BENCH{n:04d}", n) for n in range(3) for turn in TURNS]
    return simulator_envelopes() + seeds("amzn1.ask.account.SEEDS") + bench


def test_every_request_type_the_skill_handles_is_read_fast_and_exactly() -> None:
    envelopes = real_envelopes()
    assert {e["request"]["type"] for e in envelopes} == FAST_REQUEST_TYPES
    reader, fast = EnvelopeReader(), fast_only(EnvelopeReader())
    for payload in envelopes:
        assert_same(fast.read(copy.deepcopy(payload)), reader.sdk_read(copy.deepcopy(payload)))


def test_the_fast_request_types_are_exactly_those_the_handlers_answer() -> None:
    def handler_classes(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from handler_classes(sub)

    answered = {t for cls in handler_classes(Handler) for t in cls.request_types}
    assert answered | {"IntentRequest"} == FAST_REQUEST_TYPES


def test_the_payload_is_not_shared_with_the_envelope() -> None:
    """Handlers change session attributes: as with the SDK, that must not touch the parsed body."""
    payload = envelope(intent("AMAZON.HelpIntent"), new=False, attributes={"offer": {"kind": "savour"}})
    read = EnvelopeReader().read(payload)
    read.session.attributes["offer"]["kind"] = "changed"
    read.session.attributes["last_said"] = "x"
    assert payload["session"]["attributes"] == {"offer": {"kind": "savour"}}


def test_mutated_envelopes_read_the_same_or_fail_the_same() -> None:
    rng = random.Random(20261128)
    reader = EnvelopeReader()
    fast_answers = 0
    originals = real_envelopes()
    for index in range(3000):
        payload = copy.deepcopy(rng.choice(originals))
        for _ in range(rng.choice([1, 1, 2, 3])):
            rng.choice(TREE_MUTATIONS)(payload, rng)
        try:  # what the endpoint lets through to the reader
            payload = AlexaEndpoint.load(json.dumps(payload).encode("utf-8", "surrogatepass"))
        except (BadRequest, RecursionError, ValueError):
            continue
        fast, sdk = read_both(reader, payload)
        if isinstance(sdk, type):
            assert fast is sdk, (index, payload)
        else:
            assert_same(fast, sdk, f"case {index}")
            fast_answers += 1
    assert fast_answers > 1000


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("session.new", "yes"),  # the SDK casts: bool("yes")
        ("session.new", 0),
        ("request.intent.slots.thing.value", 7),
        ("request.timestamp", 1764368871),
        ("request.timestamp", "2026-11-28T22:07:51+00:00"),
        ("request.timestamp", "2026-11-28 22:07:51"),
        ("request.timestamp", "2026-02-30T22:07:51Z"),
        ("request.timestamp", "not a time"),
        ("request.intent.confirmationStatus", "MAYBE"),
        ("request.dialogState", 3.5),
        ("request.intent.slots", ["thing"]),
        ("request.intent", "GratitudeIntent"),
        ("session", "a session"),
        ("session.attributes", [1, [2, [3]]]),
        ("context.System", None),
        ("__class__", "x"),
        ("request.object_type", "x"),
        ("request.deserialized_types", {}),
        ("session.attributes.deep", "nest"),
    ],
)
def test_odd_fields_read_as_the_sdk_reads_them(path: str, value: Any) -> None:
    payload = envelope(intent("GratitudeIntent", thing="the sea"), new=False)
    node: Any = payload
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    if value == "nest":
        for _ in range(MAX_DEPTH + 5):
            value = {"d": value}
        node[last] = value
    fast, sdk = read_both(EnvelopeReader(), payload)
    if isinstance(sdk, type):
        assert fast is sdk
    else:
        assert_same(fast, sdk)


@pytest.mark.parametrize("missing", ["session", "context", "version", "request.timestamp", "request.locale"])
def test_missing_fields_read_as_the_sdk_reads_them(missing: str) -> None:
    payload = envelope(intent("CheckInIntent", feeling="calm"), new=False)
    *parents, last = missing.split(".")
    node: Any = payload
    for part in parents:
        node = node[part]
    del node[last]
    assert_same(fast_only(EnvelopeReader()).read(copy.deepcopy(payload)), EnvelopeReader().sdk_read(payload))


def test_timestamps_are_read_as_dateutil_reads_them() -> None:
    rng = random.Random(7)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        when = start + timedelta(seconds=rng.randrange(0, 4_000_000_000), microseconds=rng.randrange(0, 10**6))
        text = when.strftime("%Y-%m-%dT%H:%M:%S")
        fraction = rng.choice(["", "." + str(when.microsecond).zfill(6)[: rng.randint(1, 6)]])
        stamp = f"{text}{fraction}Z"
        fast, slow = parse_timestamp(stamp), dateutil_parse(stamp)
        assert (fast, repr(fast.tzinfo)) == (slow, repr(slow.tzinfo)), stamp
    for odd in ["2026-11-28T22:07:51", "2026-11-28T22:07:51.1234567Z", "2026-13-01T00:00:00Z", "26-11-28T22:07Z"]:
        with pytest.raises(_Unsure):
            parse_timestamp(odd)


@pytest.fixture
def clients(settings: Settings, store: SqlJournalStore) -> tuple[FlaskClient, FlaskClient]:
    """The app as it is, and the same app reading every envelope the SDK's way (as before)."""
    fast = create_app(settings, store=store)
    before = create_app(settings, store=store)
    endpoint = before.extensions["kindness.endpoint"]
    endpoint.reader.read = endpoint.reader.sdk_read
    return fast.test_client(), before.test_client()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("request.timestamp", "not a time"),
        ("request.timestamp", 17),
        ("request.timestamp", "2026-02-30T22:07:51Z"),
        ("request.intent.confirmationStatus", "MAYBE"),
        ("request.intent.slots", ["thing"]),
        ("request.intent", "GratitudeIntent"),
        ("request.type", "Unknown.Request"),
        ("request.type", "CanFulfillIntentRequest"),
        ("session", "a session"),
        ("session.new", "yes"),
        ("session.attributes", "offer"),
        ("context.System.device", {"supportedInterfaces": "all"}),
        ("context.System.user", None),
        ("version", {"v": 1}),
        ("request.locale", "en-GB"),
    ],
)
def test_odd_envelopes_get_the_same_answer_as_before(
    clients: tuple[FlaskClient, FlaskClient], path: str, value: Any
) -> None:
    answers = []
    for client in clients:
        payload = envelope(intent("AMAZON.HelpIntent"), new=False, application_id="amzn1.ask.skill.test")
        node: Any = payload
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
        payload["request"]["requestId"] = "amzn1.echo-api.request.SAME"
        answer = client.post("/alexa", json=payload)
        answers.append((answer.status_code, answer.json, answer.headers.get("X-Kindness-Said")))
    assert answers[0] == answers[1]


def test_responses_are_written_exactly_as_the_sdk_writes_them(settings: Settings, store: SqlJournalStore) -> None:
    """Every answer the skill gives to real and mutated envelopes: the same JSON-ready value as
    ``DefaultSerializer.serialize`` (same keys in the same order, same values, same types)."""
    from ask_sdk_core.serialize import DefaultSerializer

    from skill.envelope import ResponseWriter

    class Refusing(DefaultSerializer):
        def serialize(self, obj: Any) -> Any:
            raise AssertionError("the fast writer handed this response to the SDK")

    app = create_app(settings, store=store)
    endpoint = app.extensions["kindness.endpoint"]
    writer, sdk = ResponseWriter(Refusing()), DefaultSerializer()
    responses: list[Any] = []
    original = endpoint.skill.invoke

    def keep(**kwargs: Any) -> Any:
        response = original(**kwargs)
        responses.append(response)
        return response

    endpoint.skill.invoke = keep
    rng = random.Random(11)
    originals = real_envelopes()
    for index in range(600):
        payload = copy.deepcopy(originals[index % len(originals)])
        if index >= len(originals):
            rng.choice(TREE_MUTATIONS)(payload, rng)
        if isinstance(payload.get("request"), dict):
            payload["request"]["timestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        app.test_client().post("/alexa", json=payload)
    assert len(responses) > 300
    for response in responses:
        fast, slow = writer.serialize(response), sdk.serialize(response)
        assert json.dumps(fast) == json.dumps(slow)
        assert_same(fast, slow, "response")
    assert writer.serialize({"a": [1, (2, None)], "b": None}) == sdk.serialize({"a": [1, (2, None)], "b": None})
