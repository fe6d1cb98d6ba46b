"""Guided meditations: ask for one (topic, minutes, "surprise me"), hear the list, resume one later.

On a device with AudioPlayer a short spoken intro is followed by ``AudioPlayer.Play`` of the rendered
long-form file and the session ends. Without AudioPlayer the meditation's short clip plays through the
SSML ``<audio>`` tag when it fits Alexa's limits, else its script is spoken (breaks split at 10 s) when
it fits in one answer, else a short spoken pause. A length that is not rendered yet gets a kind answer
and, when another length is ready, the offer of that one.
"""

from __future__ import annotations

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from markupsafe import Markup

from skill.audio_tokens import AudioToken, parse_token
from skill.handlers import audio
from skill.handlers.base import Handler, slot_id, slot_value, user_id, voice
from skill.handlers.deps import Deps
from skill.library import LibraryEntry
from skill.listening import audio_url
from skill.practices.meditations import SURPRISE, choose_meditation, match_meditation, parse_minutes
from skill.speech import MAX_SPEECH_CHARS, validate_ssml

log = logging.getLogger(__name__)

# What the wrapper around a spoken script may add (intro, closing, <speak>): keep the script under the rest.
SCRIPT_BUDGET = MAX_SPEECH_CHARS - 1200


def _asked_meditation(handler_input: HandlerInput, deps: Deps) -> tuple[str | None, bool]:
    """(the id asked for or None, whether something was said that matched nothing)."""
    listening = audio.listening(deps)
    resolved = slot_id(handler_input, "meditation")
    spoken = slot_value(handler_input, "meditation")
    if resolved == SURPRISE:
        return SURPRISE, False
    if resolved and resolved in listening.catalogue():
        return resolved, False
    names = {m.id: [m.title] for m in listening.catalogue().values()}
    names[SURPRISE] = ["surprise", "surprise me", "any", "anything", "random", "you choose"]
    matched = match_meditation(spoken, names)
    if matched:
        return matched, False
    return None, spoken is not None


def start_meditation(
    handler_input: HandlerInput, deps: Deps, asked: str | None, minutes: float | None, *, exact: bool = False
) -> Response:
    """Play meditation ``asked`` (an id, ``surprise`` or None for the default) at about ``minutes``."""
    v = voice(handler_input)
    listening = audio.listening(deps)
    last = parse_token(getattr(deps.store.get_playback(user_id(handler_input)), "token", None))
    # a surprise comes from what is ready to play, when anything is
    pool = (listening.rendered_ids("meditation") if asked == SURPRISE else []) or listening.meditation_ids()
    item = choose_meditation(pool, asked, v.rng, avoid=last.item if last else None)
    if item is None:
        return _empty_library(handler_input)
    meditation = listening.catalogue()[item]
    if not audio.has_audio_player(handler_input):
        return _without_audio_player(handler_input, deps, item)
    choice = listening.choose("meditation", item, minutes)
    entry = choice.entry
    if entry is None and minutes is None and choice.alternative is not None:
        entry = choice.alternative  # no length asked: the rendered one nearest the default will do
    if entry is None:
        return _not_ready(handler_input, item, meditation.title, choice.minutes, choice.alternative)
    adjusted = minutes is not None and not exact and abs(minutes - entry.length_min) >= 0.5
    speech = v.say(
        "meditation/intro",
        title=meditation.title,
        minutes=entry.length_min,
        asked_minutes=int(round(minutes)) if adjusted and minutes else None,
        surprise=asked == SURPRISE,
    )
    token = AudioToken.new("meditation", item, entry.length_min)
    log.info("meditation play starts length=%d", entry.length_min)
    return audio.play(handler_input, deps, entry, token, 0, speech)


def _empty_library(handler_input: HandlerInput) -> Response:
    v = voice(handler_input)
    return (
        handler_input.response_builder.speak(v.say("meditation/none_available")).set_should_end_session(True).response
    )


def _not_ready(
    handler_input: HandlerInput, item: str, title: str, minutes: int, alternative: LibraryEntry | None
) -> Response:
    """The asked length is not rendered: say so kindly; offer the nearest rendered length if there is one."""
    v = voice(handler_input)
    builder = handler_input.response_builder
    if alternative is None:
        return (
            builder.speak(v.say("meditation/not_ready", title=title, minutes=minutes))
            .set_should_end_session(True)
            .response
        )
    audio.set_offer(handler_input, {"kind": "meditation", "meditation": item, "minutes": alternative.length_min})
    speech = v.say("meditation/not_ready_offer", title=title, minutes=minutes, other_minutes=alternative.length_min)
    return (
        builder.speak(speech)
        .ask(v.say("meditation/offer_reprompt", title=title, minutes=alternative.length_min))
        .response
    )


def _without_audio_player(handler_input: HandlerInput, deps: Deps, item: str) -> Response:
    """A device without AudioPlayer: the clip through SSML <audio>, else the spoken script, else a short pause."""
    v = voice(handler_input)
    listening = audio.listening(deps)
    meditation = listening.catalogue()[item]
    builder = handler_input.response_builder.set_should_end_session(True)
    clip = listening.clip_for(item)
    public = deps.settings.public_url
    if clip is not None and public.startswith("https://"):
        speech = v.say("meditation/clip", title=meditation.title, src=audio_url(public, clip.file))
        if not validate_ssml(speech):
            deps.store.start_practice(user_id(handler_input), "meditation", item, deps.clock())
            return builder.speak(speech).response
    script = listening.spoken_script(item, deps.speech)
    if script is not None and len(script) <= SCRIPT_BUDGET:
        speech = v.say("meditation/spoken", title=meditation.title, script=Markup(script))
        if not validate_ssml(speech):
            deps.store.start_practice(user_id(handler_input), "meditation", item, deps.clock())
            return builder.speak(speech).response
    return builder.speak(v.say("meditation/spoken_short", title=meditation.title)).response


class MeditationHandler(Handler):
    """MeditationIntent {meditation, minutes}."""

    intents = ("MeditationIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        asked, unknown = _asked_meditation(handler_input, self.deps)
        minutes = parse_minutes(slot_value(handler_input, "minutes"))
        if unknown:
            return _list(handler_input, self.deps, "meditation/unknown")
        return start_meditation(handler_input, self.deps, asked, minutes)


def _list(handler_input: HandlerInput, deps: Deps, key: str) -> Response:
    v = voice(handler_input)
    catalogue = audio.listening(deps).catalogue()
    titles = [m.title for m in catalogue.values()]
    lengths = sorted({n for m in catalogue.values() for n in m.lengths})
    if not titles:
        return _empty_library(handler_input)
    speech = v.say(key, titles=titles, lengths=lengths)
    return handler_input.response_builder.speak(speech).ask(v.say("meditation/list_reprompt")).response


class ListMeditationsHandler(Handler):
    """ListMeditationsIntent: the catalogue, briefly, and which one?"""

    intents = ("ListMeditationsIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return _list(handler_input, self.deps, "meditation/list")


def resume_stored(handler_input: HandlerInput, deps: Deps, *, spoken: bool) -> Response:
    """Play the person's last stream from its stored offset; a finished one is offered again instead."""
    v = voice(handler_input)
    builder = handler_input.response_builder
    saved = deps.store.get_playback(user_id(handler_input))
    token = parse_token(saved.token if saved else None)
    if saved is None or token is None:
        if not audio.has_session(handler_input):
            return builder.response
        audio.set_offer(handler_input, {"kind": "meditation", "meditation": None, "minutes": None})
        return builder.speak(v.say("meditation/nothing_to_resume")).ask(v.say("meditation/list_reprompt")).response
    title = audio.title_of(handler_input, deps, token)
    if saved.finished:
        if not audio.has_session(handler_input):
            return builder.response
        audio.set_offer(
            handler_input,
            {"kind": "meditation_again", "practice": token.kind, "item": token.item, "minutes": token.minutes},
        )
        return (
            builder.speak(v.say("meditation/finished_before", title=title, kind=token.kind))
            .ask(v.say("meditation/offer_reprompt", title=title, minutes=token.minutes))
            .response
        )
    if not audio.has_audio_player(handler_input):
        return builder.speak(v.say("meditation/resume_needs_audio", title=title)).set_should_end_session(True).response
    entry = next(
        (e for e in audio.listening(deps).rendered(token.kind, token.item) if e.length_min == token.minutes), None
    )
    if entry is None:
        return (
            builder.speak(v.say("meditation/not_ready", title=title, minutes=token.minutes))
            .set_should_end_session(True)
            .response
        )
    speech = v.say("meditation/resume_intro", title=title) if spoken else None
    return audio.play(handler_input, deps, entry, token, saved.offset_ms, speech)


class ResumeMeditationHandler(Handler):
    """ResumeMeditationIntent ("resume my meditation"), in any session, days later."""

    intents = ("ResumeMeditationIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return resume_stored(handler_input, self.deps, spoken=True)


def handlers(deps: Deps) -> list[Handler]:
    return [MeditationHandler(deps), ListMeditationsHandler(deps), ResumeMeditationHandler(deps)]
