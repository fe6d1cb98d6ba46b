"""Feelings: the FEELING slot's canonical ids by kind, and a week of check-ins in a few numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

DIFFICULT = frozenset(
    [
        "anxious",
        "stressed",
        "overwhelmed",
        "sad",
        "lonely",
        "angry",
        "frustrated",
        "tired",
        "ashamed",
        "guilty",
        "hurt",
        "worried",
        "numb",
        "scared",
    ]
)
PLEASANT = frozenset(
    ["calm", "happy", "grateful", "content", "hopeful", "proud", "relieved", "joyful", "loved", "peaceful", "excited"]
)
NEUTRAL = frozenset({"okay", "mixed"})
FEELINGS = DIFFICULT | PLEASANT | NEUTRAL

MIN_INTENSITY, MAX_INTENSITY = 1, 10


def kind_of(feeling_id: str | None) -> str:
    """ "difficult", "pleasant", "neutral", or "unknown" (a word the model does not know)."""
    if feeling_id in DIFFICULT:
        return "difficult"
    if feeling_id in PLEASANT:
        return "pleasant"
    if feeling_id in NEUTRAL:
        return "neutral"
    return "unknown"


def parse_intensity(spoken: str | None) -> tuple[int | None, bool]:
    """``(intensity, heard_but_unusable)``: a whole number 1..10, or None (and whether one was refused)."""
    if spoken is None:
        return None, False
    try:
        value = float(spoken)
    except ValueError:
        return None, True
    if value != int(value) or not MIN_INTENSITY <= value <= MAX_INTENSITY:
        return None, True
    return int(value), False


@dataclass(frozen=True)
class MoodSummary:
    count: int
    days: int  # distinct days with a check-in
    top: tuple[str, ...]  # the most frequent feeling words, most frequent first (at most two)
    difficult: int
    pleasant: int
    other: int

    @property
    def leaning(self) -> str:
        """ "difficult", "pleasant" or "mixed": which kind of feeling came up most."""
        if self.difficult > self.pleasant + self.other:
            return "difficult"
        if self.pleasant > self.difficult + self.other:
            return "pleasant"
        return "mixed"


def summarise(checkins: Iterable[tuple[str | None, str, object]]) -> MoodSummary:
    """Sum up ``(feeling_id, feeling_text, day)`` triples; unknown words count by what was said."""
    words: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    days: set[object] = set()
    order: dict[str, int] = {}
    for feeling_id, text, day in checkins:
        word = feeling_id if feeling_id in FEELINGS else " ".join(text.lower().split())
        if word:
            words[word] += 1
            order.setdefault(word, len(order))
        kinds[kind_of(feeling_id)] += 1
        days.add(day)
    count = sum(kinds.values())
    # most frequent first; ties go to the word heard first
    ranked = sorted(words, key=lambda w: (-words[w], order[w]))
    top = tuple(ranked[:1] if len(ranked) == 1 or words[ranked[0]] > words[ranked[1]] else ranked[:2])
    return MoodSummary(
        count=count,
        days=len(days),
        top=top,
        difficult=kinds["difficult"],
        pleasant=kinds["pleasant"],
        other=kinds["neutral"] + kinds["unknown"],
    )
