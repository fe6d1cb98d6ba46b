"""Words for the NLU: normalising utterances, numbers and durations, and small-typo correction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

CONTRACTIONS = {
    "i'm": "i am",
    "im": "i am",
    "i've": "i have",
    "ive": "i have",
    "i'd": "i would",
    "i'll": "i will",
    "you're": "you are",
    "it's": "it is",
    "what's": "what is",
    "whats": "what is",
    "that's": "that is",
    "thats": "that is",
    "there's": "there is",
    "how's": "how is",
    "let's": "let us",
    "lets": "let us",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "won't": "will not",
    "wont": "will not",
    "don't": "do not",
    "dont": "do not",
    "didn't": "did not",
    "didnt": "did not",
    "doesn't": "does not",
    "doesnt": "does not",
    "isn't": "is not",
    "wasn't": "was not",
    "haven't": "have not",
    "havent": "have not",
    "couldn't": "could not",
    "wouldn't": "would not",
    "i'mma": "i am going to",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
}

UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {w: i for i, w in enumerate(UNITS)} | {w: 10 * i for i, w in enumerate(TENS) if w != "_"}
NUMBER_WORDS |= {"nought": 0}
SPECIAL_NUMBERS = {("a", "couple"): 2, ("couple",): 2, ("a", "dozen"): 12, ("dozen",): 12, ("a", "hundred"): 100}
_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Tokens:
    """An utterance as normalised words, with where each came from in the original words."""

    words: tuple[str, ...]
    origin: tuple[int, ...]  # index into ``original`` for each word
    original: tuple[str, ...]

    def span_text(self, start: int, end: int) -> str:
        """The person's own words behind normalised words ``start:end``."""
        if start >= end:
            return ""
        return " ".join(self.original[self.origin[start] : self.origin[end - 1] + 1])


def number_to_words(n: int) -> list[str]:
    if n < 20:
        return [UNITS[n]]
    if n < 100:
        return [TENS[n // 10]] + ([UNITS[n % 10]] if n % 10 else [])
    if n < 1000:
        rest = number_to_words(n % 100) if n % 100 else []
        return [UNITS[n // 100], "hundred"] + rest
    return [str(n)]


def tokenize(text: str) -> Tokens:
    """Lowercase words with contractions expanded and digits spelled out ("4-7-8" -> four seven eight)."""
    cleaned = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    original = tuple(t.strip("'") for t in _TOKEN.findall(cleaned.replace("-", " ").replace(".", " ")))
    original = tuple(t for t in original if t)
    words: list[str] = []
    origin: list[int] = []
    for index, token in enumerate(original):
        if token in CONTRACTIONS:
            expanded = CONTRACTIONS[token].split()
        elif token.isdigit() and len(token) <= 3:
            expanded = number_to_words(int(token))
        elif token.endswith("n't"):
            expanded = [token[:-3], "not"]
        else:
            expanded = [token.replace("'", "")]
        for word in expanded:
            if word:
                words.append(word)
                origin.append(index)
    return Tokens(tuple(words), tuple(origin), original)


def normalise(text: str) -> tuple[str, ...]:
    return tokenize(text).words


# ---- numbers and durations --------------------------------------------------------------------


def parse_number(words: Iterable[str]) -> int | None:
    """AMAZON.NUMBER: "seven", "twenty five", "one hundred and five", "7" -> an int, else None."""
    items = tuple(words)
    if not items:
        return None
    if len(items) == 1 and items[0].isdigit():
        return int(items[0])
    if items in SPECIAL_NUMBERS:
        return SPECIAL_NUMBERS[items]
    if items[0] in {"a", "an"} and len(items) > 1 and items[1] in {"hundred", "thousand"}:
        items = ("one",) + items[1:]
    total = current = 0
    last = ""  # kind of the previous word: unit, ten, hundred, thousand, and
    for word in items:
        if word == "and":
            if last not in {"hundred", "thousand"}:
                return None
            last = "and"
            continue
        if word in {"hundred", "thousand"}:
            if last not in {"unit", "ten"} or current == 0 and word == "hundred":
                return None
            if word == "hundred":
                current *= 100
            else:
                total, current = total + current * 1000, 0
            last = word
            continue
        value = NUMBER_WORDS.get(word)
        if value is None:
            return None
        kind = "ten" if value >= 20 else "unit"
        if last == "unit" or (last == "ten" and (kind == "ten" or value >= 10 or current % 10)):
            return None  # "five six" is two numbers, "twenty thirty" too
        current += value
        last = kind
    if last == "and":
        return None
    return total + current


_DURATION_UNITS = {
    "second": "S",
    "seconds": "S",
    "sec": "S",
    "secs": "S",
    "minute": "M",
    "minutes": "M",
    "min": "M",
    "mins": "M",
    "hour": "H",
    "hours": "H",
    "hr": "H",
    "hrs": "H",
    "day": "D",
    "days": "D",
    "week": "W",
    "weeks": "W",
}


def parse_duration(words: Iterable[str]) -> str | None:
    """AMAZON.DURATION: "ten minutes" -> PT10M, "an hour and a half" -> PT1H30M, "half an hour" -> PT30M."""
    items = [w for w in words]
    if items[:3] in (["half", "an", "hour"], ["half", "a", "hour"]) and len(items) == 3:
        return "PT30M"
    parts: dict[str, float] = {}
    number: list[str] = []
    i = 0
    while i < len(items):
        word = items[i]
        unit = _DURATION_UNITS.get(word)
        if unit is not None:
            value = 1 if number in (["a"], ["an"]) else parse_number(number) if number else None
            if value is None:
                return None
            parts[unit] = parts.get(unit, 0) + value
            number = []
            if items[i + 1 : i + 4] == ["and", "a", "half"]:
                parts[unit] += 0.5
                i += 3
        elif word == "and" and not number:
            pass
        else:
            number.append(word)
        i += 1
    if number or not parts:
        return None
    return _iso_duration(parts)


def _iso_duration(parts: dict[str, float]) -> str:
    seconds = parts.get("H", 0) * 3600 + parts.get("M", 0) * 60 + parts.get("S", 0)
    days = parts.get("D", 0)
    if parts.get("W") and not (days or seconds):
        return f"P{int(parts['W'])}W"
    days += 7 * parts.get("W", 0)
    out = "P" + (f"{int(days)}D" if days else "")
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return out + ("T" + time if time else "") if (days or time) else "PT0S"


# ---- small typos ------------------------------------------------------------------------------


def allowed_edits(word: str) -> int:
    """How many edits still count as the same word: none for short words, one or two for longer ones."""
    n = len(word)
    return 0 if n <= 3 else 1 if n <= 6 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), or ``limit + 1`` when beyond ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class Speller:
    """Maps a misspelt word to the vocabulary words it is probably meant to be (symmetric-delete index)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = set(vocabulary)
        self.index: dict[str, set[str]] = {}
        for word in self.vocabulary:
            for variant in _deletes(word, allowed_edits(word)):
                self.index.setdefault(variant, set()).add(word)
        self._cache: dict[str, tuple[tuple[str, int], ...]] = {}

    def candidates(self, word: str) -> tuple[tuple[str, int], ...]:
        """Vocabulary words within the allowed edits of ``word``, with their distance, closest first."""
        if word in self._cache:
            return self._cache[word]
        found: dict[str, int] = {}
        if word not in self.vocabulary and len(word) > 3:
            for variant in _deletes(word, 2 if len(word) > 6 else 1):
                for candidate in self.index.get(variant, ()):
                    limit = min(allowed_edits(candidate), allowed_edits(word) or 1)
                    if limit and candidate not in found:
                        d = edit_distance(word, candidate, limit)
                        if d <= limit:
                            found[candidate] = d
        result = tuple(sorted(found.items(), key=lambda kv: (kv[1], kv[0])))
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[word] = result
        return result
