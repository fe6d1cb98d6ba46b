"""Breathing patterns with exact timings (seconds), and how many rounds fit a session."""

from __future__ import annotations

import math
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
