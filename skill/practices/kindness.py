"""Small acts of kindness and kind self-talk: the ids (words live in templates) and picking without repeats."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

# Each id has a template: templates/speech/<lang>/kindness/ideas/<id>.ssml.j2
KINDNESS_IDEAS: tuple[str, ...] = (
    "message-a-friend",
    "thank-you-note",
    "short-walk",
    "water-and-pause",
    "honest-compliment",
    "listen-fully",
    "share-good-news",
    "help-with-a-chore",
    "kind-note-to-self",
    "rest-without-earning-it",
)

# Each id has a template: templates/speech/<lang>/affirmation/items/<id>.ssml.j2
# "reframe-*" restate a harsh inner sentence as you would speak to a friend; "affirm-*" are short affirmations.
AFFIRMATIONS: tuple[str, ...] = (
    "reframe-mistake",
    "reframe-not-enough",
    "reframe-behind",
    "reframe-should",
    "reframe-failure",
    "affirm-doing-my-best",
    "affirm-allowed-to-rest",
    "affirm-growing",
    "affirm-strengths",
    "affirm-worthy-as-i-am",
)


def pick_unused(ids: Sequence[str], used: Collection[str], rng: random.Random) -> str | None:
    """A random id not yet in ``used``, or None when every one has been heard."""
    fresh = [i for i in ids if i not in used]
    return rng.choice(fresh) if fresh else None
