"""What the meditation and playback handlers share: the AudioPlayer state, offers, Play and Stop answers."""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.interfaces.audioplayer import (
    AudioItem,
    AudioItemMetadata,
    PlayBehavior,
    PlayDirective,
    PlayerActivity,
    StopDirective,
    Stream,
)

from skill.audio_tokens import AudioToken, parse_token
from skill.handlers.base import voice
from skill.handlers.deps import Deps
from skill.library import LibraryEntry
from skill.listening import Listening, audio_url, listening_for

OFFER = "offer"
ACTIVE = frozenset({PlayerActivity.PLAYING.value, PlayerActivity.PAUSED.value, PlayerActivity.BUFFER_UNDERRUN.value})


def listening(deps: Deps) -> Listening:
    return listening_for(deps.settings)


def has_audio_player(handler_input: HandlerInput) -> bool:
    """True when the device can play long-form audio (``AudioPlayer`` in supportedInterfaces)."""
    context = handler_input.request_envelope.context
    device = getattr(getattr(context, "system", None), "device", None)
    interfaces = getattr(device, "supported_interfaces", None)
    return getattr(interfaces, "audio_player", None) is not None


def has_session(handler_input: HandlerInput) -> bool:
    return handler_input.request_envelope.session is not None


def player_token(handler_input: HandlerInput) -> AudioToken | None:
    """Our token in ``context.AudioPlayer`` (what the device last played), if it is ours."""
    state = getattr(handler_input.request_envelope.context, "audio_player", None)
    return parse_token(getattr(state, "token", None))


def player_offset(handler_input: HandlerInput) -> int:
    state = getattr(handler_input.request_envelope.context, "audio_player", None)
    return max(0, int(getattr(state, "offset_in_milliseconds", None) or 0))


def ours_active(handler_input: HandlerInput) -> bool:
    """True while one of our streams is playing or paused on the device."""
    state = getattr(handler_input.request_envelope.context, "audio_player", None)
    activity = getattr(getattr(state, "player_activity", None), "value", None)
    return activity in ACTIVE and parse_token(getattr(state, "token", None)) is not None


def in_audio_context(handler_input: HandlerInput) -> bool:
    """The request concerns our audio: ours is playing or paused, or it came without a session."""
    return ours_active(handler_input) or not has_session(handler_input)


def session_attributes(handler_input: HandlerInput) -> dict[str, Any]:
    """The session attributes, or an empty dict for requests without a session (reading those raises)."""
    if not has_session(handler_input):
        return {}
    attributes = handler_input.attributes_manager.session_attributes
    return attributes if isinstance(attributes, dict) else {}


def current_offer(handler_input: HandlerInput) -> dict[str, Any] | None:
    offer = session_attributes(handler_input).get(OFFER)
    return offer if isinstance(offer, dict) and isinstance(offer.get("kind"), str) else None


def set_offer(handler_input: HandlerInput, offer: dict[str, Any] | None) -> None:
    """Remember (or clear) what the next "yes" accepts; only possible inside a session."""
    if not has_session(handler_input):
        return
    attributes = handler_input.attributes_manager.session_attributes
    if attributes is None:
        attributes = handler_input.attributes_manager.session_attributes = {}
    if offer is None:
        attributes.pop(OFFER, None)
    else:
        attributes[OFFER] = offer


def play_directive(
    deps: Deps, entry: LibraryEntry, token: AudioToken, offset_ms: int, title: str, subtitle: str
) -> PlayDirective:
    """``AudioPlayer.Play`` REPLACE_ALL of ``entry`` from ``offset_ms``, with its title and subtitle."""
    stream = Stream(
        token=str(token), url=audio_url(deps.settings.public_url, entry.file), offset_in_milliseconds=offset_ms
    )
    return PlayDirective(
        play_behavior=PlayBehavior.REPLACE_ALL,
        audio_item=AudioItem(stream=stream, metadata=AudioItemMetadata(title=title, subtitle=subtitle)),
    )


def title_of(handler_input: HandlerInput, deps: Deps, token: AudioToken) -> str:
    """The title of a stream's practice (the meditation's, or the breathing pattern's)."""
    if token.kind == "meditation":
        meditation = listening(deps).catalogue().get(token.item)
        return meditation.title if meditation else token.item
    return voice(handler_input).text("playback/breathing_title", pattern=token.item)


def play(
    handler_input: HandlerInput,
    deps: Deps,
    entry: LibraryEntry,
    token: AudioToken,
    offset_ms: int = 0,
    speech: str | None = None,
) -> Response:
    """Speak ``speech`` (if any and allowed), play the stream, end the session; remember the play."""
    title = title_of(handler_input, deps, token)
    subtitle = voice(handler_input).text("playback/subtitle", kind=token.kind, minutes=token.minutes)
    builder = handler_input.response_builder
    if speech:
        builder.speak(speech)
    builder.add_directive(play_directive(deps, entry, token, offset_ms, title, subtitle))
    if has_session(handler_input):
        set_offer(handler_input, None)
        builder.set_should_end_session(True)
    return builder.response


def stop(handler_input: HandlerInput) -> Response:
    """``AudioPlayer.Stop`` and nothing else (the PlaybackStopped that follows stores the offset)."""
    builder = handler_input.response_builder.add_directive(StopDirective())
    if has_session(handler_input):
        builder.set_should_end_session(True)
    return builder.response
