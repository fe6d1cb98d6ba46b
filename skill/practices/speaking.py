"""How long a short phrase takes to say: a small estimator for lining spoken cues up with silence.

Alexa's default voice speaks at roughly 150-160 words a minute. English averages about 1.5 syllables a
word, so that is close to four syllables a second: :data:`SYLLABLE_MS` = 250 ms each. Syllables are counted
by vowel groups with the usual corrections (a silent final "e", "-le" endings), which is exact enough for
the one- to four-word cues of the breathing practice (a cue of two syllables is estimated at 500 ms).
Digits are counted as the words they are spoken as.
"""

from __future__ import annotations

import re

SYLLABLE_MS = 250.0
_WORD = re.compile(r"[A-Za-z']+|\d")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# syllables of a spoken digit: zero, one, two, ..., nine
_DIGIT_SYLLABLES = (2, 1, 1, 1, 1, 1, 1, 2, 1, 1)


def syllables(word: str) -> int:
    """Syllables in one English word (at least one)."""
    if word.isdigit():
        return _DIGIT_SYLLABLES[int(word)]
    w = word.lower().replace("'", "")
    if not w:
        return 0
    count = len(_VOWEL_GROUPS.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # silent e: "breathe", "gentle" keeps its "-le"
    return max(1, count)


def estimate_ms(text: str) -> float:
    """Estimated spoken duration of plain ``text`` at Alexa's default rate, in milliseconds."""
    return sum(syllables(w) for w in _WORD.findall(text)) * SYLLABLE_MS
