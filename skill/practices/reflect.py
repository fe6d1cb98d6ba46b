"""Reflecting what a person said back to them: carrier phrases trimmed, "my" turned into "your".

"I'm grateful for my sister" is stored as "my sister" and spoken back as "your sister".
"""

from __future__ import annotations

import re

# Words that open an entry but are not part of it ("grateful for my sister" -> "my sister").
_CARRIERS = re.compile(
    r"^\s*(?:(?:i\s*(?:'?m|am)|i\s+feel|i\s+felt|i\s+was|i'?ve\s+been)\s+)?"
    r"(?:(?:really|so|very|truly)\s+)?(?:grateful|thankful)(?:\s+(?:for|that))?(?:\s+|$)|^\s*for\s+(?=\S)",
    re.IGNORECASE,
)

# First person -> second person, word by word (lowercase keys; apostrophes kept as typed).
_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'll": "you'll",
    "i'd": "you'd",
    "am": "are",
    "was": "were",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    "us": "you",
    "we": "you",
    "we're": "you're",
    "we've": "you've",
}
_WORD = re.compile(r"[A-Za-z']+")
_MAX_CHARS = 500


def clean_entry(text: str) -> str:
    """The entry as it will be kept: carrier phrases and stray punctuation trimmed, length bounded."""
    cleaned = _CARRIERS.sub("", text.strip(), count=1)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .,;:!?\"'")
    return cleaned[:_MAX_CHARS].strip()


def second_person(text: str) -> str:
    """``text`` with first-person words turned to second person, for speaking back."""
    previous: list[str] = [""]

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        swapped = _SWAP.get(lower)
        # "am"/"was" only change after "I" ("I was" -> "you were"), not in "the ram was"
        if lower in {"am", "was"} and previous[0] not in {"i"}:
            swapped = None
        previous[0] = lower
        if swapped is None:
            return word
        return swapped.capitalize() if word[0].isupper() and lower != "i" else swapped

    return _WORD.sub(swap, text)
