"""A small real ask-sdk skill that plays long-form audio, to exercise the simulated AudioPlayer.

The project's own playback handlers land with the meditation conversation; this skill answers the way
PLATFORM.md says a long-form audio skill must (Play then end the session, ENQUEUE on NearlyFinished, Stop
on Pause, Play at the stored offset on Resume), and records every request type it saw.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    PlayBehavior,
    PlayDirective,
    StopDirective,
    Stream,
)

BASE = "https://localhost:5000/audio/meditations/"
FIRST = ("med-1", BASE + "loving-kindness-10min.mp3", "Loving-kindness")
SECOND = ("med-2", BASE + "body-scan-5min.mp3", "Body scan")


def _play(
    token: str,
    url: str,
    title: str,
    offset: int = 0,
    behavior: Any = PlayBehavior.REPLACE_ALL,
    previous: str | None = None,
) -> PlayDirective:
    return PlayDirective(
        play_behavior=behavior,
        audio_item=AudioItem(
            stream=Stream(token=token, url=url, offset_in_milliseconds=offset, expected_previous_token=previous),
            metadata=AudioItemMetadata(title=title),
        ),
    )


class _Handler(AbstractRequestHandler):
    def __init__(self, seen: list[str], types: tuple[str, ...], answer: Any) -> None:
        self.seen = seen
        self.types = types
        self.answer = answer

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        name = request.object_type
        if name == "IntentRequest":
            name = request.intent.name
        return name in self.types

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        self.seen.append(request.intent.name if request.object_type == "IntentRequest" else request.object_type)
        return self.answer(handler_input)


def build_audio_skill(seen: list[str]) -> CustomSkill:
    def launch(h: HandlerInput) -> Response:
        attributes = h.attributes_manager.session_attributes
        attributes["visits"] = int(attributes.get("visits", 0)) + 1
        return h.response_builder.speak("Welcome.").ask("What would you like?").response

    def meditate(h: HandlerInput) -> Response:
        return (
            h.response_builder.speak("Here it is.").add_directive(_play(*FIRST)).set_should_end_session(True).response
        )

    def nearly(h: HandlerInput) -> Response:
        token = h.request_envelope.request.token
        if token == FIRST[0]:
            h.response_builder.add_directive(_play(*SECOND, behavior=PlayBehavior.ENQUEUE, previous=FIRST[0]))
        return h.response_builder.response

    def pause(h: HandlerInput) -> Response:
        return h.response_builder.add_directive(StopDirective()).response

    def resume(h: HandlerInput) -> Response:
        player = h.request_envelope.context.audio_player
        known = {FIRST[0]: FIRST, SECOND[0]: SECOND}
        token, url, title = known.get(player.token, FIRST)
        return h.response_builder.add_directive(_play(token, url, title, player.offset_in_milliseconds or 0)).response

    def keep_open(h: HandlerInput) -> Response:
        return h.response_builder.speak("Mm.").ask("Anything else?").response

    def silent(h: HandlerInput) -> Response:
        return h.response_builder.response

    routes = [
        (("LaunchRequest",), launch),
        (("MeditationIntent",), meditate),
        (("AudioPlayer.PlaybackNearlyFinished",), nearly),
        (("AMAZON.PauseIntent", "PlaybackController.PauseCommandIssued"), pause),
        (("AMAZON.ResumeIntent", "PlaybackController.PlayCommandIssued"), resume),
        (("AMAZON.HelpIntent", "CheckInIntent", "AMAZON.FallbackIntent"), keep_open),
    ]
    builder = CustomSkillBuilder()
    for types, answer in routes:
        builder.add_request_handler(_Handler(seen, types, answer))

    class Everything(_Handler):
        def can_handle(self, handler_input: HandlerInput) -> bool:
            return True

    builder.add_request_handler(Everything(seen, (), silent))
    return builder.create()
