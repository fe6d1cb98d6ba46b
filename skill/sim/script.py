"""Dialog scripts: a small YAML format for conversations and what each answer must hold.

```yaml
name: a check-in when anxious          # optional
user: dialog-checkin                   # optional: the simulated person (default: the file name)
device: speaker                        # optional: speaker | screen | no-audio
locale: en-US                          # optional
turns:
  - say: open inner kindness           # an utterance (the NLU resolves it) ...
    expect:
      said: launch/welcome             # template key(s) spoken (one or a list; all must be there)
      not_said: builtin/fallback       # key(s) that must not be spoken
      intent: LaunchRequest            # the intent (or request type) sent
      slots: {feeling: anxious}        # slot ids (custom types) or values sent
      text_contains: Inner Kindness    # words in the speech (one or a list)
      text_matches: "(?i)welcome"      # a regular expression the speech matches
      reprompt_contains: meditation
      card_contains: ...
      directive: AudioPlayer.Play      # a directive type in the answer (one or a list)
      no_directives: true
      requests: [AudioPlayer.PlaybackStarted]   # request types sent in this step, after the first
      session_ended: false
  - intent: CheckInIntent              # ... or an intent by name, with slots
    slots: {feeling: anxious, intensity: 7}
  - event: PlaybackStopped             # ... or an AudioPlayer event for the current stream
  - wait: 90s                          # ... or a device action: wait, finish, stop, button, end, silence,
  - finish: true                       #     launch, disable
```

Expectations apply to the whole step: speech, keys and directives of every request the step caused (a
Play directive's PlaybackStarted, for instance); ``intent`` and ``session_ended`` to its first request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skill.sim.device import Device, Turn
from skill.sim.render import card_lines, reprompt_text, speech_text

ACTIONS = ("say", "intent", "event", "wait", "finish", "stop", "button", "end", "silence", "launch", "disable")
EXPECTATIONS = {
    "said",
    "not_said",
    "intent",
    "slots",
    "text_contains",
    "text_not_contains",
    "text_matches",
    "reprompt_contains",
    "card_contains",
    "directive",
    "no_directives",
    "requests",
    "session_ended",
}


class _Loader(yaml.SafeLoader):
    """YAML where only true and false are booleans: ``say: yes`` and ``say: no`` are words people say."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list(_first)
    )


class ScriptError(ValueError):
    """The script itself is malformed (not a mismatch in the skill's answers)."""


@dataclass
class Mismatch:
    """One expectation the skill's answer did not meet."""

    what: str
    expected: Any
    got: Any


@dataclass
class StepResult:
    index: int
    label: str
    turns: list[Turn]
    mismatches: list[Mismatch] = field(default_factory=list)


@dataclass
class Script:
    name: str
    path: Path | None
    user: str | None
    device: str | None
    locale: str | None
    steps: list[dict[str, Any]]


@dataclass
class ScriptResult:
    script: Script
    steps: list[StepResult] = field(default_factory=list)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.mismatches), None)

    @property
    def ok(self) -> bool:
        return self.failed is None

    def diff(self) -> str:
        """A readable account of the first mismatch, expected against got."""
        step = self.failed
        if step is None:
            return f"✓ {self.script.name}: {len(self.steps)} steps"
        where = f"{self.script.path}" if self.script.path else self.script.name
        lines = [f"✗ {where}: step {step.index + 1} ({step.label})"]
        for m in step.mismatches:
            lines.append(f"  {m.what}")
            lines.append(f"    expected: {_show(m.expected)}")
            lines.append(f"    got:      {_show(m.got)}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def load_script(path: Path) -> Script:
    """Read and check a dialog script; raises :class:`ScriptError` with the place that is wrong."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{path}: cannot read the script: {exc}") from exc
    return parse_script(data, Path(path))


def parse_script(data: Any, path: Path | None = None) -> Script:
    where = str(path) if path else "script"
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list) or not data["turns"]:
        raise ScriptError(f"{where}: a script is a mapping with a non-empty 'turns' list")
    steps = []
    for index, step in enumerate(data["turns"]):
        if isinstance(step, str):
            step = {"say": step}
        if not isinstance(step, dict):
            raise ScriptError(f"{where}: turn {index + 1} is not a mapping")
        actions = [a for a in ACTIONS if a in step]
        if len(actions) != 1:
            raise ScriptError(f"{where}: turn {index + 1} needs exactly one of {', '.join(ACTIONS)}")
        unknown = set(step) - set(ACTIONS) - {"slots", "expect"}
        if unknown:
            raise ScriptError(f"{where}: turn {index + 1} has unknown keys {sorted(unknown)}")
        expect = step.get("expect") or {}
        if not isinstance(expect, dict) or set(expect) - EXPECTATIONS:
            bad = sorted(set(expect) - EXPECTATIONS) if isinstance(expect, dict) else expect
            raise ScriptError(f"{where}: turn {index + 1} has unknown expectations {bad}")
        steps.append(step)
    name = str(data.get("name") or (path.stem if path else "script"))
    return Script(name, path, data.get("user"), data.get("device"), data.get("locale"), steps)


def parse_seconds(value: Any) -> float:
    """``90``, ``"90s"``, ``"2m"``, ``"1m30s"``, ``"500ms"`` -> seconds."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower()
    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)m(?!s))?\s*(?:(\d+(?:\.\d+)?)s)?\s*(?:(\d+)ms)?", text)
    if not text or not match or not any(match.groups()):
        raise ScriptError(f"cannot read {value!r} as a time (try 90s, 2m, 1m30s)")
    minutes, seconds, millis = match.groups()
    return float(minutes or 0) * 60 + float(seconds or 0) + float(millis or 0) / 1000


def perform(device: Device, step: dict[str, Any]) -> tuple[str, list[Turn]]:
    """Do one step on the device; returns its label and the turns it caused."""
    if "say" in step:
        return f'say "{step["say"]}"', device.say(str(step["say"]))
    if "intent" in step:
        slots = step.get("slots") or {}
        return f"intent {step['intent']}", device.intent(str(step["intent"]), slots)
    if "event" in step:
        return f"event {step['event']}", device.audio_event(str(step["event"]).removeprefix("AudioPlayer."))
    if "wait" in step:
        return f"wait {step['wait']}", device.wait(parse_seconds(step["wait"]))
    if "button" in step:
        return f"button {step['button']}", device.button(str(step["button"]))
    simple: dict[str, Callable[[], list[Turn]]] = {
        "finish": device.finish,
        "stop": device.stop,
        "end": device.end_session,
        "silence": device.silence,
        "launch": device.launch,
        "disable": device.disable,
    }
    for name, action in simple.items():
        if name in step:
            return name, action()
    raise ScriptError(f"nothing to do in {step}")


def _slot_seen(turn: Turn, name: str) -> str | None:
    if turn.exchange is None:
        return None
    request = turn.exchange.request["request"]
    slot = ((request.get("intent") or {}).get("slots") or {}).get(name) or {}
    for authority in (slot.get("resolutions") or {}).get("resolutionsPerAuthority") or []:
        if authority.get("status", {}).get("code") == "ER_SUCCESS_MATCH" and authority.get("values"):
            return str(authority["values"][0]["value"]["id"])
    return None if slot.get("value") is None else str(slot["value"])


def check(expect: dict[str, Any], turns: list[Turn]) -> list[Mismatch]:
    """Every expectation the step's turns do not meet."""
    sent = [t for t in turns if t.exchange is not None]
    if not sent:
        notes = [t.note for t in turns if t.note]
        return [Mismatch("a request to be sent", "a request", notes or "nothing")] if expect else []
    first = sent[0]
    said = [k for t in sent for k in t.exchange.said] if sent else []  # type: ignore[union-attr]
    speech = " ".join(filter(None, (speech_text(t.response.get("outputSpeech")) for t in sent)))
    reprompt = " ".join(filter(None, (reprompt_text(t.response) for t in sent)))
    cards = " ".join(line for t in sent for line in card_lines(t.response.get("card")))
    directives = [d.get("type") for t in sent for d in (t.response.get("directives") or [])]
    errors = [t.exchange.error for t in sent if t.exchange is not None and not t.exchange.ok]
    out: list[Mismatch] = []
    if errors:
        out.append(Mismatch("every request answered with HTTP 200", "200", errors))
    for key in _as_list(expect.get("said")):
        if key not in said:
            out.append(Mismatch(f"template key {key!r} said", key, said))
    for key in _as_list(expect.get("not_said")):
        if key in said:
            out.append(Mismatch(f"template key {key!r} not said", f"not {key}", said))
    if "intent" in expect and first.intent != expect["intent"]:
        out.append(Mismatch("intent", expect["intent"], first.intent))
    for name, value in (expect.get("slots") or {}).items():
        got = _slot_seen(first, name)
        if got != (None if value is None else str(value)):
            out.append(Mismatch(f"slot {name!r}", value, got))
    for fragment in _as_list(expect.get("text_contains")):
        if str(fragment).lower() not in speech.lower():
            out.append(Mismatch("speech contains", fragment, speech))
    for fragment in _as_list(expect.get("text_not_contains")):
        if str(fragment).lower() in speech.lower():
            out.append(Mismatch("speech does not contain", fragment, speech))
    for pattern in _as_list(expect.get("text_matches")):
        if not re.search(str(pattern), speech):
            out.append(Mismatch("speech matches", f"/{pattern}/", speech))
    for fragment in _as_list(expect.get("reprompt_contains")):
        if str(fragment).lower() not in reprompt.lower():
            out.append(Mismatch("reprompt contains", fragment, reprompt))
    for fragment in _as_list(expect.get("card_contains")):
        if str(fragment).lower() not in cards.lower():
            out.append(Mismatch("card contains", fragment, cards))
    for kind in _as_list(expect.get("directive")):
        if kind not in directives:
            out.append(Mismatch(f"directive {kind}", kind, directives))
    if expect.get("no_directives") and directives:
        out.append(Mismatch("no directives", [], directives))
    if "requests" in expect:
        follow = [t.request_type for t in sent[1:]]
        if follow != _as_list(expect["requests"]):
            out.append(Mismatch("requests that followed", _as_list(expect["requests"]), follow))
    if "session_ended" in expect:
        ended = first.session_ended is not False
        if ended != bool(expect["session_ended"]):
            out.append(Mismatch("session ended", bool(expect["session_ended"]), ended))
    return out


def run_script(script: Script, device: Device, *, on_turn: Callable[[Turn], None] | None = None) -> ScriptResult:
    """Play the script on ``device``; stops at the first step that does not meet its expectations."""
    result = ScriptResult(script)
    for index, step in enumerate(script.steps):
        label, turns = perform(device, step)
        for turn in turns:
            if on_turn is not None:
                on_turn(turn)
        outcome = StepResult(index, label, turns, check(step.get("expect") or {}, turns))
        result.steps.append(outcome)
        if outcome.mismatches:
            break
    return result
