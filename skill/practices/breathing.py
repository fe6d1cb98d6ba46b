"""Breathing patterns with exact timings (seconds), and how many rounds fit a session."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    """One phase of a breath: the cue spoken on its beat (a template key suffix) and its length."""

    cue: str  # "in" | "hold" | "out" | "in_again" (the second, topping-up inhale of a cyclic sigh)
    seconds: float


@dataclass(frozen=True)
class Pattern:
    id: str
    phases: tuple[Phase, ...]
    default_rounds: int
    max_rounds: int | None = None  # a ceiling for beginners (4-7-8)
    by_minutes: bool = False  # offered by minutes rather than rounds
    default_minutes: float | None = None

    @property
    def round_seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    def rounds_for_minutes(self, minutes: float) -> int:
        """Whole rounds that fit in ``minutes`` (at least one)."""
        return max(1, math.floor(minutes * 60 / self.round_seconds + 1e-9))

    def clamp_rounds(self, rounds: int) -> int:
        rounds = max(1, rounds)
        return min(rounds, self.max_rounds) if self.max_rounds else rounds


PATTERNS: dict[str, Pattern] = {
    p.id: p
    for p in (
        Pattern("box", (Phase("in", 4), Phase("hold", 4), Phase("out", 4), Phase("hold", 4)), default_rounds=4),
        Pattern("4-7-8", (Phase("in", 4), Phase("hold", 7), Phase("out", 8)), default_rounds=4, max_rounds=4),
        Pattern(
            "coherent", (Phase("in", 5.5), Phase("out", 5.5)), default_rounds=11, by_minutes=True, default_minutes=2
        ),
        Pattern(
            "cyclic-sigh",
            (Phase("in", 2), Phase("in_again", 1), Phase("out", 6)),
            default_rounds=13,
            by_minutes=True,
            default_minutes=2,
        ),
    )
}
DEFAULT_PATTERN = "box"


def beat_times(pattern: Pattern, rounds: int, start: float = 0.0) -> list[tuple[float, Phase]]:
    """When each phase's cue starts (seconds from ``start``): the exact pacing grid."""
    beats: list[tuple[float, Phase]] = []
    t = start
    for _ in range(rounds):
        for phase in pattern.phases:
            beats.append((t, phase))
            t += phase.seconds
    return beats


# ---- spoken pacing ------------------------------------------------------------------------------

# The longest breathing practice spoken as SSML (seconds of pacing); longer ones are played as audio.
MAX_SPOKEN_SECONDS = 180.0


@dataclass(frozen=True)
class Step:
    """One cue on its beat and the silence after it, so that cue + silence lasts the phase exactly."""

    round: int  # 1-based
    phase: Phase
    cue_ms: float  # the cue's estimated spoken length
    rest_ms: int  # the silence after it

    @property
    def total_ms(self) -> float:
        return self.cue_ms + self.rest_ms


def pace(pattern: Pattern, rounds: int, cue_ms: Callable[[Phase, int], float]) -> list[Step]:
    """The steps of ``rounds`` rounds: each silence is the phase minus its cue's estimated length.

    Raises ValueError when a cue is estimated to take longer than its phase.
    """
    steps: list[Step] = []
    for number in range(1, rounds + 1):
        for phase in pattern.phases:
            spoken = cue_ms(phase, number)
            rest = phase.seconds * 1000 - spoken
            if rest < 0:
                raise ValueError(f"the {phase.cue!r} cue ({spoken:.0f} ms) is longer than its {phase.seconds} s phase")
            steps.append(Step(number, phase, spoken, int(round(rest))))
    return steps


def spoken_seconds(pattern: Pattern, rounds: int) -> float:
    """The pacing time of ``rounds`` rounds."""
    return pattern.round_seconds * rounds
