"""What the HTTP fuzz run found, pinned down one by one (in-process, through the Flask app)."""

from __future__ import annotations

import json

from skill.app import create_app
from skill.config import Settings
from skill.speech import Speech, locale_chain
from skill.store.sql import SqlJournalStore
from tests.conftest import envelope, intent


def test_a_body_nested_too_deeply_for_the_json_decoder_is_a_400(settings: Settings, store: SqlJournalStore) -> None:
    client = create_app(settings, store=store).test_client()
    for body in ("[" * 20_000 + "]" * 20_000, '{"request": {"type": "LaunchRequest"}, "x": ' + "[" * 30_000):
        answer = client.post("/alexa", data=body, content_type="application/json")
        assert answer.status_code == 400
        assert answer.json is not None and answer.json["error"] in {
            "body is nested too deeply",
            "body is not JSON",
        }


def test_a_locale_that_is_not_a_language_tag_never_names_a_template_folder(settings: Settings) -> None:
    """A locale comes from the request: a long or path-like one must not reach the file system."""
    speech = Speech(settings.templates_dir)
    for locale in ("a" * 5000, "../../../../etc", str([[["deep"]]]), "en-US/../../x", "{{7*7}}"):
        assert locale_chain(locale) == ["en"]
        said = speech.render("launch/reprompt", locale)
        assert said.ssml == speech.render("launch/reprompt", "en-US").ssml
    assert locale_chain("en-GB") == ["en-GB", "en"]
    assert locale_chain("fr-CA") == ["fr-CA", "fr", "en"]


def test_a_request_id_with_a_lone_surrogate_gets_a_normal_answer(settings: Settings, store: SqlJournalStore) -> None:
    client = create_app(settings, store=store).test_client()
    body = envelope(intent("AMAZON.HelpIntent"), new=False)
    body["request"]["requestId"] += "\ud800"
    answer = client.post("/alexa", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 200
    assert answer.headers["X-Kindness-Said"].split(",")[0] == "builtin/help"


def test_a_failure_before_the_voice_is_set_still_gets_a_spoken_apology(
    settings: Settings, store: SqlJournalStore
) -> None:
    """The catch-all handler speaks with a default voice when the voice interceptor never ran."""
    from ask_sdk_core.attributes_manager import AttributesManager
    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.handlers import errors
    from skill.handlers.deps import Deps
    from skill.speech import Speech, capture_said

    deps = Deps(settings=settings, store=store, speech=Speech(settings.templates_dir))
    request = DefaultSerializer().deserialize(json.dumps(envelope(intent("AMAZON.HelpIntent"))), RequestEnvelope)
    handler_input = HandlerInput(request_envelope=request, attributes_manager=AttributesManager(request))
    catch_all = errors.exception_handlers(deps)[-1]
    with capture_said() as said:
        response = catch_all.handle(handler_input, RuntimeError("before the voice"))
    assert [s.key for s in said] == ["errors/sorry", "launch/reprompt"]
    assert response.output_speech is not None
