"""Crisis language in free text: phrase-based, case- and punctuation-insensitive, erring on the side of care.

A match means the skill stops any practice and answers with care and a helpline. Phrases are matched on
whole words after normalising ("I'm" -> "im", punctuation and repeated spaces dropped), so "Suicidal!!"
and "i want to DIE" match while "I'm dying to see my friend" and "my feet are killing me" do not.
"""

from __future__ import annotations

import re
import unicodedata

# Each phrase is normalised the same way as the text it is looked for in.
PHRASES: tuple[str, ...] = (
    # suicide and wanting to die
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "kms",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "take my life",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "want to be dead",
    "better off dead",
    "better off without me",
    "dont want to live",
    "dont want to be alive",
    "dont want to be here anymore",
    "dont want to wake up",
    "no reason to live",
    "nothing to live for",
    "not worth living",
    "cant go on",
    "cant do this anymore",
    "overdose",
    "hang myself",
    "jump off a bridge",
    "jump off a building",
    # self-harm
    "hurt myself",
    "hurting myself",
    "harm myself",
    "harming myself",
    "self harm",
    "selfharm",
    "cut myself",
    "cutting myself",
    "burn myself",
    # being in danger
    "im in danger",
    "i am in danger",
    "im not safe",
    "i am not safe",
    "dont feel safe",
    "not safe at home",
    "someone is hurting me",
    "being abused",
    "he hits me",
    "she hits me",
    "going to hurt me",
    "going to kill me",
)

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc'`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, apostrophes removed ("I'm" -> "im")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    folded = _APOSTROPHES.sub("", folded).replace("-", " ")
    return " ".join(_NON_WORD.sub(" ", folded).split())


_PATTERN = re.compile(r"(?:^| )(?:" + "|".join(re.escape(normalise(p)) for p in PHRASES) + r")(?: |$)")


def is_crisis(text: str | None) -> bool:
    """True when ``text`` holds crisis language (suicide, self-harm, wanting to die, being in danger)."""
    if not text:
        return False
    return _PATTERN.search(normalise(text)) is not None
