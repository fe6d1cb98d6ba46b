"""AudioPlayer and PlaybackController requests, the built-in intents while audio plays, and "yes" to a
meditation or breathing-audio offer.

Behaviour, decided here and documented in the README:

- **Events** (no session; answers carry AudioPlayer directives or nothing): PlaybackStarted at the
  start of a play records the practice as started; PlaybackStopped stores token and offset;
  PlaybackFinished marks the practice completed (it counts for the streak) and the stream finished;
  PlaybackNearlyFinished queues nothing (one meditation is one sitting); PlaybackFailed is logged by
  error type only.
- **Pause** (also "stop" outside a session, and the pause button) sends ``AudioPlayer.Stop``; the
  PlaybackStopped that follows keeps the offset. **Resume** (and the play button) plays the same token
  from the stored offset. **Start over** plays the same meditation and length from the start, as a new play.
- **Next / Previous** move to the neighbouring meditation in catalogue order (wrapping round, skipping
  any not rendered yet) at the length nearest to the current one; for breathing audio, the neighbouring
  pattern.
- **Loop / Shuffle** get a short, kind "not for meditations": each is made to be heard once, start to end.
- **Stop / Cancel** while our audio plays (or without a session) stop the audio quietly; otherwise the
  generic goodbye answers.
"""

from __future__ import annotations

import logging
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest, Response

from skill.audio_tokens import AudioToken, parse_token
from skill.handlers import audio, breathing
from skill.handlers.base import Handler, intent_name, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.meditation import resume_stored, start_meditation
from skill.practices.meditations import nearest_length, neighbour, parse_minutes

log = logging.getLogger(__name__)

START_WINDOW_MS = 1000  # a PlaybackStarted this close to the start begins a new sitting (not a resume)


def _request_token(handler_input: HandlerInput) -> AudioToken | None:
    return parse_token(getattr(handler_input.request_envelope.request, "token", None))


def _request_offset(handler_input: HandlerInput) -> int:
    return max(0, int(getattr(handler_input.request_envelope.request, "offset_in_milliseconds", None) or 0))


# ---- AudioPlayer events --------------------------------------------------------------------------


class PlaybackStartedHandler(Handler):
    request_types = ("AudioPlayer.PlaybackStarted",)

    def handle(self, handler_input: HandlerInput) -> Response:
        token = _request_token(handler_input)
        if token is not None:
            who, now, offset = user_id(handler_input), self.deps.clock(), _request_offset(handler_input)
            if offset < START_WINDOW_MS:
                self.deps.store.start_practice(who, token.kind, token.item, now)
            self.deps.store.save_playback(who, str(token), offset, False, now)
        return handler_input.response_builder.response


class PlaybackNearlyFinishedHandler(Handler):
    request_types = ("AudioPlayer.PlaybackNearlyFinished",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class PlaybackFinishedHandler(Handler):
    request_types = ("AudioPlayer.PlaybackFinished",)

    def handle(self, handler_input: HandlerInput) -> Response:
        token = _request_token(handler_input)
        if token is not None:
            who, now = user_id(handler_input), self.deps.clock()
            self.deps.store.complete_practice(who, token.kind, token.item, now)
            self.deps.store.save_playback(who, str(token), _request_offset(handler_input), True, now)
            log.info("playback finished kind=%s", token.kind)
        return handler_input.response_builder.response


class PlaybackStoppedHandler(Handler):
    request_types = ("AudioPlayer.PlaybackStopped",)

    def handle(self, handler_input: HandlerInput) -> Response:
        token = _request_token(handler_input)
        if token is not None:
            self.deps.store.save_playback(
                user_id(handler_input), str(token), _request_offset(handler_input), False, self.deps.clock()
            )
        return handler_input.response_builder.response


class PlaybackFailedHandler(Handler):
    request_types = ("AudioPlayer.PlaybackFailed",)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        error_type = getattr(getattr(error, "object_type", None), "value", None)
        token = _request_token(handler_input)
        log.error(
            "playback failed id=%s error_type=%s kind=%s",
            getattr(request, "request_id", None),
            error_type,
            token.kind if token else "unknown",
        )
        return handler_input.response_builder.response


# ---- buttons (PlaybackController) and the matching intents --------------------------------------


class PlayButtonHandler(Handler):
    request_types = ("PlaybackController.PlayCommandIssued",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return resume_stored(handler_input, self.deps, spoken=False)


def pause(handler_input: HandlerInput, deps: Deps) -> Response:
    """``AudioPlayer.Stop``; the offset the device reports now is kept until PlaybackStopped confirms it."""
    token = audio.player_token(handler_input)
    if token is not None and audio.ours_active(handler_input):
        deps.store.save_playback(
            user_id(handler_input), str(token), audio.player_offset(handler_input), False, deps.clock()
        )
    return audio.stop(handler_input)


class PauseHandler(Handler):
    """PauseIntent (and "stop" outside a session, and the pause button): stop, keep the offset."""

    intents = ("AMAZON.PauseIntent",)
    request_types = ("PlaybackController.PauseCommandIssued",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return pause(handler_input, self.deps)


class ResumeHandler(Handler):
    intents = ("AMAZON.ResumeIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return resume_stored(handler_input, self.deps, spoken=False)


class StopWhilePlayingHandler(Handler):
    """Stop / Cancel while our audio plays (or without a session): stop the audio quietly."""

    intents = ("AMAZON.StopIntent", "AMAZON.CancelIntent")

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and audio.in_audio_context(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return pause(handler_input, self.deps)


def _current(handler_input: HandlerInput, deps: Deps) -> AudioToken | None:
    """The stream in question: the device's (if ours), else the person's stored one."""
    token = audio.player_token(handler_input)
    if token is not None:
        return token
    saved = deps.store.get_playback(user_id(handler_input))
    return parse_token(saved.token if saved else None)


def _can_speak(handler_input: HandlerInput) -> bool:
    return isinstance(handler_input.request_envelope.request, IntentRequest)


def _say_and_end(handler_input: HandlerInput, key: str, **data: Any) -> Response:
    if not _can_speak(handler_input):
        return handler_input.response_builder.response
    builder = handler_input.response_builder.speak(voice(handler_input).say(key, **data))
    if audio.has_session(handler_input):
        builder.set_should_end_session(True)
    return builder.response


class _AudioIntent(Handler):
    """An intent that only means something about our audio: taken when the device last played ours."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if not super().can_handle(handler_input):
            return False
        return audio.player_token(handler_input) is not None or not audio.has_session(handler_input)


class StartOverHandler(_AudioIntent):
    intents = ("AMAZON.StartOverIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        token = _current(handler_input, self.deps)
        if token is None:
            return _say_and_end(handler_input, "playback/nothing_playing")
        entry = next(
            (e for e in audio.listening(self.deps).rendered(token.kind, token.item) if e.length_min == token.minutes),
            None,
        )
        if entry is None:
            return _say_and_end(handler_input, "playback/not_ready")
        return audio.play(handler_input, self.deps, entry, token.restarted(), 0)


def step(handler_input: HandlerInput, deps: Deps, delta: int) -> Response:
    """Play the neighbouring meditation (or breathing pattern) at the nearest length."""
    token = _current(handler_input, deps)
    if token is None:
        return _say_and_end(handler_input, "playback/nothing_playing")
    listening = audio.listening(deps)
    item = neighbour(listening.rendered_ids(token.kind), token.item, delta)
    if item is None:
        return _say_and_end(handler_input, "playback/no_other", kind=token.kind)
    rendered = listening.rendered(token.kind, item)
    minutes = nearest_length([e.length_min for e in rendered], token.minutes)
    entry = next(e for e in rendered if e.length_min == minutes)
    fresh = AudioToken.new(token.kind, item, entry.length_min)
    speech = None
    if _can_speak(handler_input):
        title = audio.title_of(handler_input, deps, fresh)
        speech = voice(handler_input).say("playback/now_playing", title=title, minutes=fresh.minutes)
    return audio.play(handler_input, deps, entry, fresh, 0, speech)


class NextHandler(_AudioIntent):
    intents = ("AMAZON.NextIntent",)
    request_types = ("PlaybackController.NextCommandIssued",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return step(handler_input, self.deps, 1)


class PreviousHandler(_AudioIntent):
    intents = ("AMAZON.PreviousIntent",)
    request_types = ("PlaybackController.PreviousCommandIssued",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return step(handler_input, self.deps, -1)


class LoopShuffleHandler(Handler):
    """Loop and shuffle: not for meditations, said kindly (often without a session, while audio plays)."""

    intents = ("AMAZON.LoopOnIntent", "AMAZON.LoopOffIntent", "AMAZON.ShuffleOnIntent", "AMAZON.ShuffleOffIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        name = intent_name(handler_input) or ""
        v = voice(handler_input)
        speech = v.say("playback/no_loop_shuffle", loop="Loop" in name, on=name.endswith("OnIntent"))
        builder = handler_input.response_builder.speak(speech)
        if audio.in_audio_context(handler_input):
            if audio.has_session(handler_input):
                builder.set_should_end_session(True)
            return builder.response
        return builder.ask(v.say("launch/reprompt")).response


# ---- "yes" to an offer of audio ------------------------------------------------------------------


def _is_audio_offer(offer: dict[str, Any] | None) -> bool:
    kind = offer.get("kind") if offer else None
    return isinstance(kind, str) and (kind == "breathing_audio" or kind.startswith("meditation"))


class YesToAudioHandler(Handler):
    """Yes, when the offer is breathing audio or a meditation (the other offers belong to others)."""

    intents = ("AMAZON.YesIntent",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and _is_audio_offer(audio.current_offer(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = audio.current_offer(handler_input) or {}
        audio.set_offer(handler_input, None)
        minutes = parse_minutes(offer.get("minutes"))
        if offer["kind"] == "breathing_audio" or offer.get("practice") == "breathing":
            return play_breathing(handler_input, self.deps, str(offer.get("pattern") or offer.get("item")), minutes)
        item = offer.get("meditation") or offer.get("item")
        return start_meditation(
            handler_input, self.deps, item if isinstance(item, str) else None, minutes, exact=minutes is not None
        )


def play_breathing(handler_input: HandlerInput, deps: Deps, pattern: str, minutes: float | None) -> Response:
    """A long breathing session as rendered audio (``breathing/<pattern>-<minutes>min.mp3``)."""
    v = voice(handler_input)
    playable = audio.has_audio_player(handler_input)
    choice = audio.listening(deps).choose("breathing", pattern, minutes) if playable else None
    if choice is None or choice.entry is None:
        # no player, or not rendered yet: apologise and offer the shorter spoken session instead
        return breathing.on_audio_unavailable(deps, handler_input, {"pattern": pattern})
    token = AudioToken.new("breathing", pattern, choice.entry.length_min)
    speech = v.say("playback/breathing_intro", pattern=pattern, minutes=choice.entry.length_min)
    return audio.play(handler_input, deps, choice.entry, token, 0, speech)


def handlers(deps: Deps) -> list[Handler]:
    return [
        PlaybackStartedHandler(deps),
        PlaybackNearlyFinishedHandler(deps),
        PlaybackFinishedHandler(deps),
        PlaybackStoppedHandler(deps),
        PlaybackFailedHandler(deps),
        PlayButtonHandler(deps),
        PauseHandler(deps),
        ResumeHandler(deps),
        StopWhilePlayingHandler(deps),
        StartOverHandler(deps),
        NextHandler(deps),
        PreviousHandler(deps),
        LoopShuffleHandler(deps),
        YesToAudioHandler(deps),
    ]
