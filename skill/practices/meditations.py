"""Choosing a guided meditation: which one, at which length, and what comes next. No I/O.

The rules, in one place:

- **Length.** The asked minutes when offered; otherwise the nearest offered length, the shorter one on
  a tie (a gentler start). Nothing asked: :data:`DEFAULT_MINUTES`, or the offered length nearest to it.
- **Topic.** The asked meditation; none asked: :data:`DEFAULT_MEDITATION`; ``surprise``: a random one,
  other than the one just played when there is a choice.
- **Next / previous.** The neighbour in catalogue order, wrapping around, among the meditations that
  can actually be played; the length stays the nearest to the current one.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence

DEFAULT_MEDITATION = "self-compassion-break"
DEFAULT_MINUTES = 5
SURPRISE = "surprise"
MAX_MINUTES = 120  # anything longer is a mishearing; treated as "no length asked"


def parse_minutes(value: str | int | float | None) -> float | None:
    """Minutes from an AMAZON.NUMBER slot value; None when absent, not a number, zero or absurd."""
    if value is None:
        return None
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(minutes) or minutes <= 0 or minutes > MAX_MINUTES:
        return None
    return minutes


def nearest_length(offered: Iterable[int], asked: float | None, default: int = DEFAULT_MINUTES) -> int | None:
    """The offered length closest to ``asked`` (or to ``default`` when nothing was asked); shorter on a tie."""
    lengths = sorted(set(offered))
    if not lengths:
        return None
    target = default if asked is None else asked
    return min(lengths, key=lambda n: (abs(n - target), n))


_WORDS = re.compile(r"[^a-z0-9]+")


def normalise(words: str) -> str:
    """Lowercase words joined by single dashes: "Loving Kindness" -> "loving-kindness"."""
    return _WORDS.sub("-", words.lower()).strip("-")


def match_meditation(spoken: str | None, names: Mapping[str, Sequence[str]]) -> str | None:
    """The meditation id a spoken value names, comparing normalised words with each id's names.

    Used when entity resolution did not match: ``names`` maps each id to its titles and synonyms.
    """
    if not spoken:
        return None
    said = normalise(spoken)
    if not said:
        return None
    for meditation_id, aliases in names.items():
        candidates = {normalise(meditation_id), *(normalise(a) for a in aliases)}
        if said in candidates:
            return meditation_id
    # "the loving kindness meditation": a known name inside what was said
    for meditation_id, aliases in names.items():
        for alias in sorted({meditation_id, *aliases}, key=len, reverse=True):
            name = normalise(alias)
            if name and f"-{name}-" in f"-{said}-":
                return meditation_id
    return None


def choose_meditation(
    ids: Sequence[str], asked: str | None, rng: random.Random, avoid: str | None = None
) -> str | None:
    """The meditation to play: the asked id, a surprise, or the default (None if ``ids`` is empty)."""
    if not ids:
        return None
    if asked == SURPRISE:
        pool = [i for i in ids if i != avoid] or list(ids)
        return rng.choice(pool)
    if asked in ids:
        return asked
    if asked is None and DEFAULT_MEDITATION in ids:
        return DEFAULT_MEDITATION
    return ids[0] if asked is None else None


def neighbour(ids: Sequence[str], current: str, step: int) -> str | None:
    """The id ``step`` places after ``current`` in ``ids`` (wrapping); None when there is no other."""
    if not ids or (len(ids) == 1 and ids[0] == current):
        return None
    if current not in ids:
        return ids[0] if step >= 0 else ids[-1]
    return ids[(ids.index(current) + step) % len(ids)]
