"""Mutations of real Alexa request envelopes, and raw bodies, for the HTTP fuzz test.

Every case is made from a seeded ``random.Random``, so a failure names a seed and an index that
reproduce it. A case is the bytes sent, the headers, and a short description of what was done.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import envelope, intent

Json = Any
Path_ = list[str | int]


@dataclass
class Case:
    body: bytes
    what: str
    headers: dict[str, str] = field(default_factory=dict)
    user: str = ""


REQUEST_TYPES = [
    "LaunchRequest",
    "IntentRequest",
    "SessionEndedRequest",
    "CanFulfillIntentRequest",
    "AudioPlayer.PlaybackStarted",
    "AudioPlayer.PlaybackFinished",
    "AudioPlayer.PlaybackStopped",
    "AudioPlayer.PlaybackNearlyFinished",
    "AudioPlayer.PlaybackFailed",
    "PlaybackController.PlayCommandIssued",
    "PlaybackController.PauseCommandIssued",
    "PlaybackController.NextCommandIssued",
    "System.ExceptionEncountered",
    "Connections.Response",
    "Alexa.Presentation.APL.UserEvent",
    "Dialog.API.Invoked",
    "Messaging.MessageReceived",
    "NotAType",
    "",
]

INTENTS = [
    "GratitudeIntent",
    "CheckInIntent",
    "BreathingIntent",
    "MeditationIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.FallbackIntent",
    "NoSuchIntent",
]


def seeds(user: str) -> list[dict[str, Any]]:
    """Real envelopes of every kind the skill answers, for one user."""
    audio_player = {"token": "meditation:body-scan:10", "offsetInMilliseconds": 120000}
    return [
        envelope({"type": "LaunchRequest"}, user=user),
        envelope(intent("GratitudeIntent", thing="my sister's phone call"), user=user, new=False),
        envelope(intent("GratitudeIntent"), user=user, new=False),
        envelope(intent("CheckInIntent", feeling="anxious", intensity="6"), user=user, new=False),
        envelope(intent("BreathingIntent", pattern="box", rounds="4"), user=user, new=False),
        envelope(intent("MeditationIntent", meditation="body scan", minutes="10"), user=user, new=False),
        envelope(intent("AMAZON.HelpIntent"), user=user, new=False),
        envelope(intent("AMAZON.StopIntent"), user=user, new=False),
        envelope(intent("AMAZON.YesIntent"), user=user, new=False, attributes={"pending": "gratitude"}),
        envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"}, user=user, new=False),
        envelope({"type": "AudioPlayer.PlaybackStopped", **audio_player}, user=user),
        envelope({"type": "AudioPlayer.PlaybackNearlyFinished", **audio_player}, user=user),
        envelope({"type": "PlaybackController.NextCommandIssued"}, user=user),
        envelope(
            {"type": "System.ExceptionEncountered", "error": {"type": "INVALID_RESPONSE", "message": "x"}},
            user=user,
        ),
    ]


# ---- value generators -------------------------------------------------------------------------

WEIRD_STRINGS = [
    "",
    " ",
    "?",
    "\u0000",
    "\ud800",  # a lone surrogate
    "\udfff\ud800",
    "\u202egnirts desrever",
    "e\u0301\u0301\u0301\u0301",
    "\u200b\u200c\u200d\ufeff",
    "😀🙏🏽👨‍👩‍👧",
    "日本語のテキスト",
    "<speak>injected</speak>",
    '<audio src="https://evil.example/x.mp3"/>',
    "]]><![CDATA[",
    "&amp;&lt;&#x0;",
    "{{ 7 * 7 }}{% raw %}",
    "${jndi:ldap://x}",
    "'; DROP TABLE gratitude_entries; --",
    "\\x00\\n\\r",
    "\r\n\r\nHTTP/1.1 200 OK",
    "%s%s%s%n",
    "NaN",
    "-1",
    "1e309",
    "amzn1.ask.account." + "A" * 500,
]

OTHER_VALUES: list[Json] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    7,
    2**63,
    -(2**70),
    1.5,
    -0.0,
    1e308,
    "",
    "x",
    [],
    {},
    [1, "a", None],
    {"a": {"b": []}},
    {"type": "LaunchRequest"},
]


def nested(depth: int, kind: str) -> Json:
    value: Json = "deep"
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


def nested_text(depth: int) -> str:
    """Deep nesting as raw JSON text (json.dumps itself would recurse too deep)."""
    return "[" * depth + "1" + "]" * depth


def huge_string(rng: random.Random) -> str:
    size = rng.choice([5_000, 20_000, 60_000, 70_000, 200_000])
    alphabet = rng.choice(["a", "grateful ", "é", "😀", "<", "\\"])
    return (alphabet * (size // len(alphabet) + 1))[:size]


# ---- tree helpers -----------------------------------------------------------------------------


def paths(tree: Json, prefix: Path_ | None = None) -> list[Path_]:
    """Every path into the tree (keys and list indexes), the root excluded."""
    prefix = prefix or []
    found: list[Path_] = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append(prefix + [key])
            found += paths(value, prefix + [key])
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found.append(prefix + [index])
            found += paths(value, prefix + [index])
    return found


def get(tree: Json, path: Path_) -> Json:
    for step in path:
        tree = tree[step]
    return tree


def parent_and_key(tree: Json, path: Path_) -> tuple[Json, str | int]:
    return get(tree, path[:-1]), path[-1]


def describe(path: Path_) -> str:
    return "/".join(str(p) for p in path)


# ---- tree mutations (return a description) ----------------------------------------------------


def drop_key(tree: Json, rng: random.Random) -> str:
    candidates = [p for p in paths(tree) if isinstance(p[-1], str)]
    if not candidates:
        return "nothing to drop"
    path = rng.choice(candidates)
    parent, key = parent_and_key(tree, path)
    del parent[key]
    return f"drop {describe(path)}"


def wrong_type(tree: Json, rng: random.Random) -> str:
    path = rng.choice(paths(tree))
    parent, key = parent_and_key(tree, path)
    current = parent[key]
    choices = [v for v in OTHER_VALUES if type(v) is not type(current)]
    parent[key] = copy.deepcopy(rng.choice(choices))
    return f"wrong type at {describe(path)}: {parent[key]!r:.40}"


def string_paths(tree: Json) -> list[Path_]:
    return [p for p in paths(tree) if isinstance(get(tree, p), str)]


def long_string(tree: Json, rng: random.Random) -> str:
    path = rng.choice(string_paths(tree))
    parent, key = parent_and_key(tree, path)
    parent[key] = huge_string(rng)
    return f"huge string ({len(parent[key])} chars) at {describe(path)}"


def weird_unicode(tree: Json, rng: random.Random) -> str:
    path = rng.choice(string_paths(tree))
    parent, key = parent_and_key(tree, path)
    value = rng.choice(WEIRD_STRINGS)
    parent[key] = value if rng.random() < 0.5 else parent[key] + value
    return f"unicode at {describe(path)}: {parent[key]!r:.40}"


def deep_nesting(tree: Json, rng: random.Random) -> str:
    path = rng.choice(paths(tree))
    parent, key = parent_and_key(tree, path)
    depth = rng.choice([3, 30, 200])
    parent[key] = nested(depth, rng.choice(["list", "dict"]))
    return f"nesting {depth} at {describe(path)}"


def numbers_as_strings(tree: Json, rng: random.Random) -> str:
    """Numbers become strings, numeric-looking strings become numbers, booleans become strings."""
    changed = []
    for path in paths(tree):
        parent, key = parent_and_key(tree, path)
        value = parent[key]
        if isinstance(value, bool):
            parent[key] = str(value).lower()
        elif isinstance(value, int | float):
            parent[key] = str(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            parent[key] = int(value) if rng.random() < 0.5 else float(value)
        else:
            continue
        changed.append(describe(path))
    if not changed:
        path = rng.choice(string_paths(tree))
        parent, key = parent_and_key(tree, path)
        parent[key] = rng.choice([0, 12345678901234567890, -3.5])
        changed.append(describe(path))
    return f"numbers/strings swapped at {', '.join(changed)[:80]}"


def other_request_type(tree: Json, rng: random.Random) -> str:
    request = tree.get("request")
    if not isinstance(request, dict):
        return "no request"
    request["type"] = rng.choice(REQUEST_TYPES)
    if rng.random() < 0.5:
        request["intent"] = {"name": rng.choice(INTENTS), "slots": {}}
    return f"request type {request['type']!r}"


def other_intent(tree: Json, rng: random.Random) -> str:
    request = tree.get("request")
    if not isinstance(request, dict):
        return "no request"
    request["type"] = "IntentRequest"
    name = rng.choice(INTENTS)
    slots = {s: {"name": s, "value": rng.choice(WEIRD_STRINGS + ["3", "box", "calm"])} for s in ("thing", "feeling")}
    request["intent"] = {"name": name, "confirmationStatus": "NONE", "slots": slots}
    return f"intent {name} with odd slots"


def extra_keys(tree: Json, rng: random.Random) -> str:
    candidates = [p for p in paths(tree) if isinstance(get(tree, p), dict)] or [[]]
    path = rng.choice(candidates)
    target = get(tree, path)
    target[rng.choice(["unknownKey", "__class__", "object_type", "deserialized_types", "", "\u0000"])] = copy.deepcopy(
        rng.choice(OTHER_VALUES)
    )
    return f"extra key under {describe(path) or 'root'}"


TREE_MUTATIONS: list[Callable[[Json, random.Random], str]] = [
    drop_key,
    drop_key,
    wrong_type,
    wrong_type,
    long_string,
    weird_unicode,
    weird_unicode,
    deep_nesting,
    numbers_as_strings,
    other_request_type,
    other_intent,
    extra_keys,
]


# ---- text and byte mutations ------------------------------------------------------------------


def duplicate_keys(text: str, rng: random.Random) -> tuple[str, str]:
    """Repeat a key inside the same object with another value (JSON allows it; the last one wins)."""
    key = rng.choice(['"type"', '"request"', '"userId"', '"intent"', '"name"', '"value"', '"session"'])
    at = text.find(key + ":")
    if at < 0:
        return text, "no key to duplicate"
    value = json.dumps(rng.choice(OTHER_VALUES + ["LaunchRequest", "GratitudeIntent"]))
    return text[:at] + f"{key}: {value}, " + text[at:], f"duplicated key {key}"


def truncate(text: str, rng: random.Random) -> tuple[str, str]:
    cut = rng.randrange(0, max(1, len(text)))
    return text[:cut], f"truncated at {cut} of {len(text)}"


def deep_text(text: str, rng: random.Random) -> tuple[str, str]:
    depth = rng.choice([1_000, 10_000, 100_000])
    where = text.find('"request":')
    if where < 0 or rng.random() < 0.3:
        return nested_text(depth), f"bare nesting {depth}"
    return text[:where] + f'"deep": {nested_text(depth)}, ' + text[where:], f"nested array of depth {depth}"


TEXT_MUTATIONS: list[Callable[[str, random.Random], tuple[str, str]]] = [duplicate_keys, truncate, deep_text]


def byte_mutation(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    choice = rng.randrange(6)
    if choice == 0:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(flipped))
            flipped[i] = rng.randrange(256)
        return bytes(flipped), "random bytes flipped"
    if choice == 1:
        return b"\xef\xbb\xbf" + data, "UTF-8 byte order mark"
    if choice == 2:
        return data.decode("utf-8").encode("utf-16"), "UTF-16"
    if choice == 3:
        i = rng.randrange(len(data))
        return data[:i] + b"\xff\xfe\xc3\x28" + data[i:], "invalid UTF-8"
    if choice == 4:
        return data.replace(b'"', b"'"), "single quotes"
    return data + b"\x00" * rng.randint(1, 64), "trailing NULs"


RAW_BODIES: list[bytes] = [
    b"",
    b"null",
    b"true",
    b"0",
    b"-1e999",
    b'"just a string"',
    b"[]",
    b"{}",
    b'{"request": null}',
    b'{"request": []}',
    b'{"request": {}}',
    b'{"request": {"type": null}}',
    b'{"request": {"type": 5}}',
    b'{"request": {"type": "LaunchRequest"}}',
    b'{"version": "1.0", "request": {"type": "IntentRequest"}}',
    b'{"version": "1.0", "request": {"type": "IntentRequest", "intent": null}}',
    b'{"version": "1.0", "request": {"type": "IntentRequest", "intent": {"name": "GratitudeIntent"}}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest", "timestamp": "not a time"}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest", "timestamp": "9999-99-99T99:99:99Z"}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest", "locale": "../../../../etc/passwd"}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest", "locale": "xx-YY"}}',
    b'{"version": "1.0", "request": {"type": "LaunchRequest", "locale": "{{7*7}}"}}',
    b'{"a": NaN, "request": {"type": "LaunchRequest"}}',
    b'{"a": Infinity}',
    b"\x00\x01\x02\x03",
    b"\xff" * 100,
    b"<xml/>",
    b"request=LaunchRequest",
]


@dataclass
class Mutator:
    """Makes the fuzz cases: each a real envelope mutated one to three times, or a raw body."""

    rng: random.Random
    counter: int = 0

    def case(self) -> Case:
        self.counter += 1
        user = f"amzn1.ask.account.FUZZ{self.counter:06d}"
        roll = self.rng.random()
        if roll < 0.04:
            body = self.rng.choice(RAW_BODIES)
            return Case(body, f"raw body {body[:40]!r}", user=user)
        tree = self.rng.choice(seeds(user))
        steps = []
        for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
            steps.append(self.rng.choice(TREE_MUTATIONS)(tree, self.rng))
        text = json.dumps(tree)
        if roll < 0.30:
            text, what = self.rng.choice(TEXT_MUTATIONS)(text, self.rng)
            steps.append(what)
        data = text.encode("utf-8", "surrogatepass")
        if 0.30 <= roll < 0.40:
            data, what = byte_mutation(data, self.rng)
            steps.append(what)
        headers: dict[str, str] = {}
        if self.rng.random() < 0.05:
            headers["Content-Type"] = self.rng.choice(["text/plain", "application/x-www-form-urlencoded", "", "*/*"])
            steps.append(f"content type {headers['Content-Type']!r}")
        return Case(data, "; ".join(steps), headers, user=user)
