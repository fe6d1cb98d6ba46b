"""Fuzzing the HTTP endpoint: generated raw bodies and request envelopes (right shapes with wrong types
anywhere) never get a 5xx or a stack trace, and every 200 carries valid SSML.

``KINDNESS_FUZZ_EXAMPLES`` (default 1000) sets how many examples each test generates.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.app import create_app
from skill.config import PROJECT_ROOT, Settings
from skill.envelope import FAST_REQUEST_TYPES
from skill.store.engine import open_store
from tests.server.checks import assert_sane_answer

EXAMPLES = int(os.environ.get("KINDNESS_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=True,
)

MODEL = json.loads(
    (PROJECT_ROOT / "skill-package" / "interactionModels" / "custom" / "en-US.json").read_text(encoding="utf-8")
)["interactionModel"]["languageModel"]
INTENTS = [intent["name"] for intent in MODEL["intents"]]
SLOTS = sorted({slot["name"] for intent in MODEL["intents"] for slot in intent.get("slots", [])})
# what the model's custom types call things: ids, names and synonyms, so resolutions reach real choices
TYPE_IDS = sorted({value.get("id") or value["name"]["value"] for kind in MODEL["types"] for value in kind["values"]})
TYPE_WORDS = sorted(
    {
        word
        for kind in MODEL["types"]
        for value in kind["values"]
        for word in [value["name"]["value"], *value["name"].get("synonyms", [])]
    }
)
# every request type the skill answers, and one it does not
REQUEST_TYPES = [*sorted(FAST_REQUEST_TYPES), "Unknown.Request"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


def sometimes_wrong(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right kind of value (9 in 10), sometimes anything at all."""
    return st.integers(0, 9).flatmap(lambda roll: junk if roll == 0 else good)


def now_iso(offset_s: int = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


spoken = (
    st.text(max_size=60)
    | st.sampled_from(TYPE_WORDS)
    | st.integers(-5, 120).map(str)
    | st.sampled_from(["", "?", "ten", "-3", "99999999999999999999", "<speak>&", "I want to die"])
)
slot_values = st.fixed_dictionaries(
    {"name": sometimes_wrong(st.sampled_from(SLOTS)), "value": sometimes_wrong(spoken)},
    optional={
        "confirmationStatus": sometimes_wrong(st.sampled_from(["NONE", "CONFIRMED", "DENIED"])),
        "resolutions": sometimes_wrong(
            st.fixed_dictionaries(
                {
                    "resolutionsPerAuthority": st.lists(
                        st.fixed_dictionaries(
                            {
                                "authority": st.text(max_size=20),
                                "status": st.fixed_dictionaries(
                                    {
                                        "code": sometimes_wrong(
                                            st.sampled_from(["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH"])
                                        )
                                    }
                                ),
                                "values": st.lists(
                                    st.fixed_dictionaries(
                                        {
                                            "value": st.fixed_dictionaries(
                                                {"id": st.sampled_from(TYPE_IDS) | spoken, "name": spoken}
                                            )
                                        }
                                    ),
                                    max_size=2,
                                ),
                            }
                        ),
                        max_size=2,
                    )
                }
            )
        ),
    },
)
intents = st.fixed_dictionaries(
    {"name": sometimes_wrong(st.sampled_from(INTENTS))},
    optional={
        "confirmationStatus": sometimes_wrong(st.just("NONE")),
        "slots": sometimes_wrong(st.dictionaries(st.sampled_from(SLOTS), slot_values, max_size=3)),
    },
)
requests = st.fixed_dictionaries(
    {
        "type": sometimes_wrong(st.sampled_from(["IntentRequest"] * 12 + ["LaunchRequest"] * 2 + REQUEST_TYPES)),
        "requestId": sometimes_wrong(st.text(max_size=40)),
        "timestamp": sometimes_wrong(st.just("now")),
        "intent": sometimes_wrong(intents),
    },
    optional={
        "locale": sometimes_wrong(st.sampled_from(["en-US", "en-GB", "en-IN", "de-DE", "en", "xx-XX"])),
        "dialogState": sometimes_wrong(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED"])),
        "reason": sometimes_wrong(st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"])),
        "error": sometimes_wrong(
            st.fixed_dictionaries({"type": st.text(max_size=20), "message": st.text(max_size=20)})
        ),
        "token": sometimes_wrong(st.text(max_size=40)),
        "offsetInMilliseconds": sometimes_wrong(st.integers()),
    },
)
users = st.fixed_dictionaries({"userId": sometimes_wrong(st.sampled_from(["amzn1.ask.account.A", "B"]))})
applications = st.fixed_dictionaries({"applicationId": sometimes_wrong(st.just("amzn1.ask.skill.fuzz"))})
sessions = st.fixed_dictionaries(
    {
        "new": sometimes_wrong(st.booleans()),
        "sessionId": sometimes_wrong(st.text(max_size=20)),
        "application": sometimes_wrong(applications),
        "user": sometimes_wrong(users),
    },
    optional={"attributes": sometimes_wrong(st.dictionaries(st.text(max_size=10), junk, max_size=4))},
)
systems = st.fixed_dictionaries(
    {"application": sometimes_wrong(applications), "user": sometimes_wrong(users)},
    optional={
        "device": sometimes_wrong(
            st.fixed_dictionaries(
                {
                    "deviceId": st.text(max_size=10),
                    "supportedInterfaces": sometimes_wrong(st.sampled_from([{}, {"AudioPlayer": {}}])),
                }
            )
        ),
        "apiEndpoint": sometimes_wrong(st.just("https://api.amazonalexa.com")),
    },
)
contexts = st.fixed_dictionaries(
    {"System": sometimes_wrong(systems)},
    optional={
        "AudioPlayer": sometimes_wrong(
            st.fixed_dictionaries(
                {
                    "token": sometimes_wrong(st.text(max_size=40)),
                    "offsetInMilliseconds": sometimes_wrong(st.integers()),
                    "playerActivity": sometimes_wrong(st.sampled_from(["PLAYING", "STOPPED", "IDLE"])),
                }
            )
        )
    },
)
envelopes = st.fixed_dictionaries(
    {"version": sometimes_wrong(st.just("1.0")), "request": sometimes_wrong(requests)},
    optional={"session": sometimes_wrong(sessions), "context": sometimes_wrong(contexts)},
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    data = tmp_path_factory.mktemp("fuzz")
    config = Settings.from_env({"KINDNESS_DATA_DIR": str(data), "KINDNESS_VERIFY_SIGNATURE": "0"}).replace(
        user_secret="fuzz-secret", audio_dir=data / "audio"
    )
    journal = open_store(config)
    yield create_app(config, store=journal).test_client()
    journal.engine.dispose()


def post(client: FlaskClient, body: bytes) -> int:
    answer = client.post("/alexa", data=body, content_type="application/json")
    assert_sane_answer(answer.status_code, answer.get_data(as_text=True))
    return answer.status_code


@pytest.mark.slow
@FUZZ
@given(payload=envelopes)
def test_generated_envelopes_never_get_a_server_error(client: FlaskClient, payload: dict[str, Any]) -> None:
    request = payload.get("request")
    if isinstance(request, dict) and request.get("timestamp") == "now":
        request["timestamp"] = now_iso()
    post(client, json.dumps(payload).encode())


@pytest.mark.slow
@FUZZ
@given(
    body=st.binary(max_size=2048)
    | junk.map(lambda v: json.dumps(v).encode())
    | st.integers(1, 6000).map(lambda n: b'{"request": {"type": "LaunchRequest", "n": ' + b"7" * n + b"}}")
)
def test_generated_raw_bodies_never_get_a_server_error(client: FlaskClient, body: bytes) -> None:
    assert post(client, body) == 400
