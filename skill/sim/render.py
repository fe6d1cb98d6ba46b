"""Turns shown for people: speech as clean text, reprompt, cards, directives, and the session's state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from skill.sim.device import Turn
from skill.speech import to_plain_text


def speech_text(output_speech: Mapping[str, Any] | None) -> str:
    """The words of an outputSpeech, SSML stripped, pauses shown as ``[pause 4s]``."""
    if not output_speech:
        return ""
    if output_speech.get("type") == "SSML" or "ssml" in output_speech:
        return to_plain_text(str(output_speech.get("ssml", "")))
    return str(output_speech.get("text", ""))


def reprompt_text(response: Mapping[str, Any]) -> str:
    return speech_text((response.get("reprompt") or {}).get("outputSpeech"))


def _minutes(ms: int | None) -> str:
    if not ms:
        return ""
    minutes = ms / 60000
    return f"{minutes:.0f} min" if minutes >= 1 else f"{ms / 1000:.0f} s"


def _short_url(url: str) -> str:
    path = urlsplit(url).path
    return path[path.index("/audio/") + 1 :] if "/audio/" in path else url


def directive_line(directive: Mapping[str, Any], duration_ms: int | None = None) -> str:
    """One line per directive, e.g. ``▶ Loving-kindness, 10 min — audio/meditations/...mp3``."""
    kind = str(directive.get("type", "?"))
    if kind == "AudioPlayer.Play":
        item = directive.get("audioItem") or {}
        stream = item.get("stream") or {}
        metadata = item.get("metadata") or {}
        title = str(metadata.get("title") or stream.get("token") or "audio")
        length = _minutes(duration_ms)
        if length and length not in title:
            title = f"{title}, {length}"
        line = f"▶ {title} — {_short_url(str(stream.get('url', '')))}"
        offset = int(stream.get("offsetInMilliseconds") or 0)
        if offset:
            line += f" (from {offset // 60000}:{offset // 1000 % 60:02d})"
        behavior = directive.get("playBehavior")
        if behavior and behavior != "REPLACE_ALL":
            line += f" [{behavior}]"
        return line
    if kind == "AudioPlayer.Stop":
        return "■ stop the audio"
    if kind == "AudioPlayer.ClearQueue":
        return f"⏏ clear the queue ({directive.get('clearBehavior', '')})"
    if kind == "Dialog.ElicitSlot":
        intent = (directive.get("updatedIntent") or {}).get("name") or "?"
        return f"◆ {kind}: the next words answer {intent}.{directive.get('slotToElicit', '?')}"
    return f"◆ {kind}"


def card_lines(card: Mapping[str, Any] | None) -> list[str]:
    if not card:
        return []
    kind = card.get("type", "Simple")
    if kind == "LinkAccount" or kind == "AskForPermissionsConsent":
        return [f"🂠 card: {kind}"]
    title = card.get("title", "")
    body = card.get("content") or card.get("text") or ""
    lines = [f"🂠 card: {title}"] if title else ["🂠 card"]
    lines += [f"   {line}" for line in str(body).splitlines() if line.strip()]
    return lines


def render_turn(
    turn: Turn, *, explain: bool = False, durations: Mapping[str, int] | None = None, echo: bool = True
) -> str:
    """What a person sees for one turn (``echo=False``: the utterance is already on screen)."""
    lines: list[str] = []
    if turn.exchange is None:
        return f"  · {turn.note}" if turn.note else ""
    if turn.automatic or turn.label.startswith("<"):
        lines.append(f"  ↳ {turn.label.strip('<>')}")
    elif echo:
        lines.append(f"you › {turn.label.strip(chr(34))}")
    if explain:
        if turn.parse is not None:
            lines.append(f"  ⟶ {turn.parse.explain()}")
        else:
            lines.append(f"  ⟶ {turn.intent}")
        if turn.exchange.said:
            lines.append(f"  said: {', '.join(turn.exchange.said)}")
    if not turn.exchange.ok:
        lines.append(f"  ✗ {turn.exchange.error}")
        return "\n".join(lines)
    response = turn.response
    speech = speech_text(response.get("outputSpeech"))
    if speech:
        lines.append(f"alexa › {speech}")
    reprompt = reprompt_text(response)
    if reprompt:
        lines.append(f"  (reprompt) {reprompt}")
    lines += [f"  {line}" for line in card_lines(response.get("card"))]
    for directive in response.get("directives") or []:
        url = str(((directive.get("audioItem") or {}).get("stream") or {}).get("url", ""))
        lines.append(f"  {directive_line(directive, (durations or {}).get(url))}")
    if response.get("shouldEndSession") is False:
        lines.append("  [listening]")
    elif turn.exchange.request.get("session") is not None:
        lines.append("  [session ended]")
    if turn.note:
        lines.append(f"  · {turn.note}")
    return "\n".join(lines)
