"""The benchmark's baseline: a bare Flask + ask-sdk-core hello-world skill, served like ours.

It answers every request type the benchmark sends (launch, intents, session end) with a fixed hello,
the way the SDK's hello-world sample does, with no templates, no store and no verification. It is the
one module besides ``app.py``/``web.py`` allowed to import flask: being a bare Flask app is its job.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope, Response
from flask import Flask, jsonify, request


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Welcome, you can say hello.").ask("Say hello.").response


class HelloIntentHandler(AbstractRequestHandler):
    """Every intent gets the hello (the benchmark sends our intents to the baseline too)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        if is_intent_name("AMAZON.StopIntent")(handler_input):
            return handler_input.response_builder.speak("Goodbye.").set_should_end_session(True).response
        return handler_input.response_builder.speak("Hello world.").ask("Say hello again.").response


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class CatchAll(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        return handler_input.response_builder.speak("Sorry.").response


def create_app() -> Flask:
    """The hello-world skill behind POST /alexa, plus GET /healthz for start-up checks."""
    builder = SkillBuilder()
    for handler in (LaunchHandler(), HelloIntentHandler(), SessionEndedHandler()):
        builder.add_request_handler(handler)
    builder.add_exception_handler(CatchAll())
    skill = builder.create()
    serializer = DefaultSerializer()
    app = Flask(__name__)

    @app.post("/alexa")
    def alexa() -> Any:
        envelope = serializer.deserialize(request.get_data(as_text=True), RequestEnvelope)
        return jsonify(serializer.serialize(skill.invoke(request_envelope=envelope, context=None)))

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify({"status": "ok"})

    return app
