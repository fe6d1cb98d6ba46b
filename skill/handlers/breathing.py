"""Paced breathing spoken as SSML: every cue on its beat, every phase exactly its length.

The silence after a cue is the phase minus the cue's estimated spoken length
(:mod:`skill.practices.speaking`); a practice longer than :data:`MAX_SPOKEN_SECONDS` is offered as rendered
audio instead (offer kind ``breathing_audio``, answered by the playback handlers).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.handlers.base import Handler, slot_id, slot_value, user_id, voice
from skill.handlers.deps import Deps
from skill.handlers.elicit import elicit
from skill.handlers.reply import join, reply, session_attributes
from skill.practices.breathing import (
    DEFAULT_PATTERN,
    MAX_SPOKEN_SECONDS,
    PATTERNS,
    Pattern,
    Phase,
    Step,
    pace,
    spoken_seconds,
)
from skill.practices.speaking import estimate_ms
from skill.speech import MAX_SPEECH_CHARS, Voice, pause, to_plain_text, total_break_ms

SAFETY_SAID = "breathing_safety_said"
MAX_ROUNDS = 100
MAX_MINUTES = 60


@functools.lru_cache(maxsize=256)  # cues are few (template variants x patterns): parse each once
def cue_duration_ms(ssml: str) -> float:
    """A cue's spoken length: its words at Alexa's rate plus any breaks it holds."""
    return estimate_ms(to_plain_text(ssml, show_pauses=False)) + total_break_ms(ssml)


@dataclass(frozen=True)
class Script:
    """The spoken practice: one SSML string per round, and the steps that timed it."""

    pattern: Pattern
    rounds: list[str]
    steps: list[Step]

    @property
    def ssml(self) -> str:
        return " ".join(self.rounds)


def script(v: Voice, pattern: Pattern, rounds: int) -> Script:
    """Cues rendered from ``breathing/cue_<cue>`` (once each) and the silences that keep each phase to its time."""
    cues: dict[str, str] = {}

    def cue(phase: Phase, number: int) -> str:
        if phase.cue not in cues:
            cues[phase.cue] = v.say(f"breathing/cue_{phase.cue}", pattern=pattern.id)
        return cues[phase.cue]

    steps = pace(pattern, rounds, lambda phase, number: cue_duration_ms(cue(phase, number)))
    per_round: list[list[str]] = [[] for _ in range(rounds)]
    for step in steps:
        per_round[step.round - 1].append(cue(step.phase, step.round) + pause(step.rest_ms))
    return Script(pattern, [" ".join(parts) for parts in per_round], steps)


def _number(handler_input: HandlerInput, name: str, ceiling: int) -> tuple[int | None, bool]:
    """``(value, heard_but_unusable)`` for a positive whole-number slot no larger than ``ceiling``."""
    spoken = slot_value(handler_input, name)
    if spoken is None:
        return None, False
    try:
        value = float(spoken)
    except ValueError:
        return None, True
    if value != int(value) or not 1 <= value <= ceiling:
        return None, True
    return int(value), False


def ask_for_pattern(deps: Deps, handler_input: HandlerInput) -> Response:
    """Which pattern? (the numbers already heard are kept when the slot is elicited)"""
    v = voice(handler_input)
    kept = {name: slot_value(handler_input, name) for name in ("rounds", "minutes")}
    directive = elicit(deps, "BreathingIntent", "pattern", kept)
    speech = v.say("breathing/which_pattern")
    return reply(handler_input, speech, speech, directive=directive)


def breathe(
    deps: Deps,
    handler_input: HandlerInput,
    pattern: Pattern,
    rounds: int | None = None,
    minutes: int | None = None,
    notes: tuple[str, ...] = (),
) -> Response:
    """Speak the practice (or offer it as audio when it is too long to speak)."""
    v = voice(handler_input)
    capped = False
    if rounds is not None:
        count = pattern.clamp_rounds(rounds)
        capped = count < rounds
    elif minutes is not None:
        wanted = pattern.rounds_for_minutes(minutes)
        count = pattern.clamp_rounds(wanted)
        capped = count < wanted
    elif pattern.by_minutes and pattern.default_minutes:
        count = pattern.rounds_for_minutes(pattern.default_minutes)
    else:
        count = pattern.default_rounds
    prefix = [v.say(key, pattern=pattern.id) for key in notes]
    if capped:
        prefix.append(v.say("breathing/capped", pattern=pattern.id, rounds=count))
    seconds = spoken_seconds(pattern, count)
    if seconds > MAX_SPOKEN_SECONDS:
        return offer_audio(handler_input, pattern, minutes or math.ceil(seconds / 60), prefix)
    attributes = session_attributes(handler_input)
    if minutes is None and rounds is None and pattern.default_minutes:
        minutes = int(pattern.default_minutes)
    minutes_spoken = minutes or max(1, round(seconds / 60))
    parts = [*prefix, v.say("breathing/intro", pattern=pattern.id, rounds=count, minutes=minutes_spoken)]
    if not attributes.get(SAFETY_SAID):
        parts.append(v.say("breathing/safety"))
    parts.append(v.say("breathing/begin"))
    paced = script(v, pattern, count)
    speech = join(*parts, paced.ssml, v.say("breathing/closing", pattern=pattern.id))
    if len(speech) > MAX_SPEECH_CHARS:
        return offer_audio(handler_input, pattern, minutes or max(1, math.ceil(seconds / 60)), prefix)
    attributes[SAFETY_SAID] = True
    deps.store.complete_practice(user_id(handler_input), "breathing", pattern.id, deps.clock())
    return reply(handler_input, speech, v.say("launch/reprompt"))


def offer_audio(handler_input: HandlerInput, pattern: Pattern, minutes: int, prefix: list[str]) -> Response:
    """Too long to speak: say so kindly and offer the rendered audio."""
    v = voice(handler_input)
    return reply(
        handler_input,
        join(*prefix, v.say("breathing/too_long", pattern=pattern.id, minutes=minutes)),
        v.say("breathing/too_long_reprompt", pattern=pattern.id, minutes=minutes),
        offer={"kind": "breathing_audio", "pattern": pattern.id, "minutes": minutes},
    )


class BreathingHandler(Handler):
    """ "Box breathing", "four seven eight for three rounds", "coherent breathing for five minutes"."""

    intents = ("BreathingIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        pattern_id = slot_id(handler_input, "pattern")
        if pattern_id not in PATTERNS:
            if slot_value(handler_input, "pattern") is not None:
                return ask_for_pattern(self.deps, handler_input)
            pattern_id = DEFAULT_PATTERN
        rounds, bad_rounds = _number(handler_input, "rounds", MAX_ROUNDS)
        minutes, bad_minutes = _number(handler_input, "minutes", MAX_MINUTES)
        notes = ("breathing/number_unclear",) if bad_rounds or bad_minutes else ()
        return breathe(self.deps, handler_input, PATTERNS[pattern_id], rounds, minutes, notes)


def on_offer_yes(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """Yes to "shall we breathe together?" (offer kind ``breathing``, payload ``pattern``, optional ``minutes``)."""
    pattern = PATTERNS.get(str(offer.get("pattern")), PATTERNS[DEFAULT_PATTERN])
    minutes = offer.get("minutes")
    usable = isinstance(minutes, int) and not isinstance(minutes, bool) and 1 <= minutes <= MAX_MINUTES
    return breathe(deps, handler_input, pattern, minutes=minutes if usable else None)


def _offer_spoken(handler_input: HandlerInput, offer: dict[str, Any], *before: str) -> Response:
    """Offer the spoken practice at its usual length, after the keys in ``before``."""
    v = voice(handler_input)
    pattern = PATTERNS.get(str(offer.get("pattern")), PATTERNS[DEFAULT_PATTERN])
    return reply(
        handler_input,
        join(*(v.say(key) for key in before), v.say("breathing/shorter_offer", pattern=pattern.id)),
        v.say("breathing/shorter_offer", pattern=pattern.id),
        offer={"kind": "breathing", "pattern": pattern.id},
    )


def on_audio_no(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """No to the rendered audio: offer the spoken practice at its usual length instead."""
    return _offer_spoken(handler_input, offer)


def on_audio_unavailable(deps: Deps, handler_input: HandlerInput, offer: dict[str, Any]) -> Response:
    """Yes to the rendered audio, but it cannot play here (no player, not rendered): say so, offer the spoken one."""
    return _offer_spoken(handler_input, offer, "offers/unavailable")


def handlers(deps: Deps) -> list[Handler]:
    return [BreathingHandler(deps)]
