"""Stage 1: a script's SSML as a timeline of speech segments, silences and bells, and its layout in time.

Breaks of :data:`REST_MIN_MS` or more are *rests*: they stretch (or shrink) in proportion so that a
meditation lands exactly on its target length — the words stay, the pauses change. Shorter breaks and the
gaps between sentences stay fixed. ``<audio src="studio:bell"/>`` marks an interval bell.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from skill.speech import break_ms, parse_ssml

REST_MIN_MS = 2000  # breaks this long or longer stretch with the target length
SENTENCE_GAP_MS = 550  # between two sentences with no break written between them
REST_FLOOR_MS = 1500  # a rest never shrinks below this
BELL_SRC = "studio:bell"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_RATE_WORDS = {"x-slow": 0.7, "slow": 0.85, "medium": 1.0, "fast": 1.15, "x-fast": 1.3}
_PITCH_WORDS = {"x-low": -20.0, "low": -10.0, "medium": 0.0, "high": 10.0, "x-high": 20.0}
_VOLUME_WORDS = {"silent": -60.0, "x-soft": -6.0, "soft": -3.0, "medium": 0.0, "loud": 3.0, "x-loud": 6.0}


class ScriptError(ValueError):
    """A script the studio cannot lay out (bad SSML, or too many words for the target length)."""


@dataclass(frozen=True)
class Prosody:
    """How a segment is spoken: rate as a factor (1 = normal), pitch in percent, volume in dB."""

    rate: float = 1.0
    pitch: float = 0.0
    volume_db: float = 0.0

    def key(self) -> str:
        return f"r{self.rate:.3f}p{self.pitch:+.1f}v{self.volume_db:+.1f}"


@dataclass(frozen=True)
class Speech:
    text: str
    prosody: Prosody = Prosody()


@dataclass(frozen=True)
class Silence:
    ms: int
    stretch: bool = False  # a rest that stretches with the target length


@dataclass(frozen=True)
class Bell:
    kind: str = "interval"  # "open" | "close" | "interval"


Item = Speech | Silence | Bell


def _percent(value: str) -> float | None:
    m = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*%\s*", value)
    return float(m.group(1)) if m else None


def parse_prosody(element: ET.Element, outer: Prosody) -> Prosody:
    """The prosody inside ``element`` (``<prosody rate pitch volume>``), relative to ``outer``."""
    rate, pitch, volume = outer.rate, outer.pitch, outer.volume_db
    if (value := element.get("rate")) is not None:
        pct = _percent(value)
        if pct is not None:
            rate *= pct / 100
        elif value in _RATE_WORDS:
            rate *= _RATE_WORDS[value]
        else:
            raise ScriptError(f"prosody rate {value!r} is not understood")
    if (value := element.get("pitch")) is not None:
        pct = _percent(value)
        if pct is not None:
            pitch += pct
        elif value in _PITCH_WORDS:
            pitch += _PITCH_WORDS[value]
        else:
            raise ScriptError(f"prosody pitch {value!r} is not understood")
    if (value := element.get("volume")) is not None:
        m = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*dB\s*", value)
        if m:
            volume += float(m.group(1))
        elif value in _VOLUME_WORDS:
            volume += _VOLUME_WORDS[value]
        else:
            raise ScriptError(f"prosody volume {value!r} is not understood")
    if not 0.3 <= rate <= 3.0:
        raise ScriptError(f"prosody rate factor {rate:.2f} is out of range")
    return Prosody(rate=round(rate, 4), pitch=pitch, volume_db=volume)


def split_sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip()
    return [s for s in _SENTENCE_END.split(text) if s]


def _local(tag: str) -> str:
    return tag.split("}", 1)[-1]


def _walk(element: ET.Element, prosody: Prosody, out: list[Item]) -> None:
    tag = _local(element.tag)
    if tag == "prosody":
        prosody = parse_prosody(element, prosody)
    if tag == "break":
        out.append(Silence(break_ms(element)))
    elif tag == "audio":
        if element.get("src") != BELL_SRC:
            raise ScriptError(f"the studio only knows <audio src={BELL_SRC!r}/>, not {element.get('src')!r}")
        out.append(Bell("interval"))
    else:
        _text(element.text, prosody, out)
        for child in element:
            _walk(child, prosody, out)
            _text(child.tail, prosody if tag != "prosody" else prosody, out)
        return
    return


def _text(text: str | None, prosody: Prosody, out: list[Item]) -> None:
    for sentence in split_sentences(text or ""):
        out.append(Speech(sentence, prosody))


def parse_script(ssml: str, base: Prosody = Prosody()) -> list[Item]:
    """The timeline of an SSML script: sentences, silences (rests marked) and interval bells, in order.

    Adjacent silences merge; two sentences with nothing between them get a short fixed gap.
    """
    try:
        root = parse_ssml(ssml)
    except ET.ParseError as exc:
        raise ScriptError(f"the script is not well-formed SSML: {exc}") from exc
    raw: list[Item] = []
    _walk(root, base, raw)
    items: list[Item] = []
    for item in raw:
        prev = items[-1] if items else None
        if isinstance(item, Silence):
            if isinstance(prev, Silence):
                item = Silence(prev.ms + item.ms)
                items.pop()
            items.append(Silence(item.ms, stretch=item.ms >= REST_MIN_MS))
            continue
        if isinstance(item, Speech) and isinstance(prev, Speech):
            items.append(Silence(SENTENCE_GAP_MS))
        items.append(item)
    if not any(isinstance(i, Speech) for i in items):
        raise ScriptError("the script has no words")
    return items


# ---- layout ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """An item placed on the output's time line (milliseconds from the start)."""

    start_ms: int
    item: Speech | Bell
    duration_ms: int  # the audible part (speech length; a bell's ring)


@dataclass(frozen=True)
class Layout:
    events: tuple[Placed, ...]
    total_ms: int


@dataclass(frozen=True)
class BellTiming:
    ring_ms: int = 9000  # how long a bell sounds
    open_hold_ms: int = 4500  # from the opening bell to the first words
    interval_hold_ms: int = 5000  # an interval bell and the quiet after it
    close_lead_ms: int = 3000  # from the last words to the closing bell


def rest_scale(rests: list[int], available_ms: float) -> list[int]:
    """Rest lengths, scaled in proportion (never below the floor) so they sum to ``available_ms``."""
    if not rests:
        return []
    floor = [min(REST_FLOOR_MS, r) for r in rests]
    if available_ms < sum(floor):
        raise ScriptError("too short")
    lo, hi = 0.0, 1.0
    while sum(max(f, r * hi) for f, r in zip(floor, rests, strict=True)) < available_ms:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if sum(max(f, r * mid) for f, r in zip(floor, rests, strict=True)) < available_ms:
            lo = mid
        else:
            hi = mid
    scaled = [max(f, r * hi) for f, r in zip(floor, rests, strict=True)]
    # whole milliseconds that still add up exactly: hand the rounding error to the rests in turn
    out = [int(s) for s in scaled]
    remainder = int(round(available_ms)) - sum(out)
    for i in range(abs(remainder)):
        out[i % len(out)] += 1 if remainder > 0 else -1
    return out


def layout_to_length(
    items: list[Item], durations: dict[Speech, int], target_ms: int, bells: BellTiming = BellTiming()
) -> Layout:
    """Place a meditation: opening bell, the script with its rests stretched, closing bell; total = target.

    ``durations`` gives each speech segment's real length (after synthesis).
    """
    fixed = bells.open_hold_ms + bells.close_lead_ms + bells.ring_ms
    rests: list[int] = []
    for item in items:
        if isinstance(item, Speech):
            fixed += durations[item]
        elif isinstance(item, Silence):
            if item.stretch:
                rests.append(item.ms)
            else:
                fixed += item.ms
        else:
            fixed += bells.interval_hold_ms
    available = target_ms - fixed
    try:
        scaled = rest_scale(rests, available) if rests else []
    except ScriptError:
        scaled = []
    if (rests and not scaled) or (not rests and available != 0 and available < 0):
        floor = sum(min(REST_FLOOR_MS, r) for r in rests)
        raise ScriptError(
            f"the words take {fixed / 1000:.0f} s and the shortest pauses {floor / 1000:.0f} s: "
            f"too long for {target_ms / 60000:g} minutes"
        ) from None
    events = [Placed(0, Bell("open"), bells.ring_ms)]
    t = bells.open_hold_ms
    rest_iter = iter(scaled)
    for item in items:
        if isinstance(item, Speech):
            events.append(Placed(t, item, durations[item]))
            t += durations[item]
        elif isinstance(item, Silence):
            t += next(rest_iter) if item.stretch else item.ms
        else:
            events.append(Placed(t, item, bells.ring_ms))
            t += bells.interval_hold_ms
    if not rests:
        t += available  # no rests to stretch: the quiet goes before the closing bell
    t += bells.close_lead_ms
    events.append(Placed(t, Bell("close"), bells.ring_ms))
    return Layout(tuple(events), t + bells.ring_ms)


def layout_sequence(items: list[Item], durations: dict[Speech, int], start_ms: int = 0) -> tuple[list[Placed], int]:
    """Place items one after another from ``start_ms`` with their written pauses; returns (events, end)."""
    events: list[Placed] = []
    t = start_ms
    for item in items:
        if isinstance(item, Speech):
            events.append(Placed(t, item, durations[item]))
            t += durations[item]
        elif isinstance(item, Silence):
            t += item.ms
        else:
            events.append(Placed(t, item, BellTiming().ring_ms))
            t += BellTiming().interval_hold_ms
    return events, t


def with_prosody(items: list[Item], prosody: Prosody) -> list[Item]:
    return [replace(i, prosody=prosody) if isinstance(i, Speech) else i for i in items]
