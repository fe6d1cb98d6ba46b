"""The simulated speaker: hears an utterance, sends the request Alexa would, and keeps session and player.

One action of the person (an utterance, ``:wait 90s``, a button) may cause several requests: a Play
directive makes the device report ``AudioPlayer.PlaybackStarted``, a long wait crosses
``PlaybackNearlyFinished`` and ``PlaybackFinished``. Each request and its answer is a :class:`Turn`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from skill.sim.envelopes import EnvelopeFactory, Identity
from skill.sim.model import SLOT_REF, InteractionModel
from skill.sim.nlu import EXACT, FALLBACK, Nlu, Parse, SlotFill
from skill.sim.session import NEARLY_FINISHED_MS, AudioCatalogue, AudioPlayer, Session, Stream
from skill.sim.text import allowed_edits, edit_distance
from skill.sim.transport import Exchange, Transport

LAUNCH_VERBS = {"open", "launch", "start", "begin", "load", "run", "use", "ask", "tell", "talk", "play"}
LEADING_CONNECTORS = {"to", "for", "and", "that", "about", "if", "whether", "then", "me", "with"}
TRAILING_CONNECTORS = {"with", "using", "from", "on", "in", "by", "via"}
# While a slot is being asked for, these still mean themselves ("okay" may yet be a feeling: see _answer).
YES_NO = {"AMAZON.YesIntent", "AMAZON.NoIntent"}
WAKE = re.compile(r"^\s*(hey\s+)?alexa[\s,.!]*", re.IGNORECASE)


@dataclass
class Elicitation:
    """The skill asked for one slot (Dialog.ElicitSlot): the intent, the slot, and the values it kept."""

    intent: str
    slot: str
    kept: dict[str, str]


@dataclass
class Turn:
    """One request sent and its answer (or a note when nothing was sent)."""

    label: str
    exchange: Exchange | None = None
    parse: Parse | None = None
    automatic: bool = False
    note: str | None = None

    @property
    def request_type(self) -> str | None:
        return self.exchange.request["request"]["type"] if self.exchange else None

    @property
    def intent(self) -> str | None:
        if self.exchange is None:
            return None
        request = self.exchange.request["request"]
        return request["intent"]["name"] if request["type"] == "IntentRequest" else request["type"]

    @property
    def response(self) -> dict[str, Any]:
        return (self.exchange.response.get("response") or {}) if self.exchange else {}

    @property
    def session_ended(self) -> bool | None:
        value = self.response.get("shouldEndSession")
        return None if value is None else bool(value)


def _same_word(heard: str, expected: str) -> bool:
    return heard == expected or edit_distance(heard, expected, allowed_edits(expected)) <= allowed_edits(expected)


def split_invocation(utterance: str, invocation: str) -> tuple[str | None, str]:
    """("launch", "") for "open inner kindness"; ("oneshot", rest) for "ask inner kindness to <rest>" or
    "<rest> with inner kindness"; (None, utterance) when the invocation name is not there."""
    words = re.findall(r"[a-z0-9']+", utterance.lower().replace("-", " "))
    name = invocation.split()
    for start in range(len(words) - len(name) + 1):
        window = words[start : start + len(name)]
        if all(
            w == n or edit_distance(w, n, allowed_edits(n)) <= allowed_edits(n)
            for w, n in zip(window, name, strict=True)
        ):
            before, after = words[:start], words[start + len(name) :]
            if before and before[-1] in TRAILING_CONNECTORS and not after:
                return "oneshot", " ".join(before[:-1])
            if all(w in LAUNCH_VERBS or w in {"please", "can", "you", "could", "would"} for w in before):
                while after and after[0] in LEADING_CONNECTORS:
                    after = after[1:]
                return ("oneshot", " ".join(after)) if after else ("launch", "")
    return None, utterance


class Device:
    """A speaker (or screen, or a device without audio) talking to the skill through a transport."""

    def __init__(
        self,
        transport: Transport,
        model: InteractionModel,
        identity: Identity | None = None,
        *,
        nlu: Nlu | None = None,
        catalogue: AudioCatalogue | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.transport = transport
        self.model = model
        self.identity = identity or Identity()
        self.nlu = nlu or Nlu(model)
        self.envelopes = EnvelopeFactory(self.identity, clock)
        self.session = Session()
        self.player = AudioPlayer()
        self.catalogue = catalogue
        self.last_reprompt: str | None = None
        self.silences = 0
        self.eliciting: Elicitation | None = None

    # ---- what the person does -------------------------------------------------------------------
    def say(self, utterance: str) -> list[Turn]:
        """Speak: an invocation opens a session; otherwise the NLU picks the intent."""
        text = WAKE.sub("", utterance).strip()
        kind, rest = split_invocation(text, self.model.invocation_name)
        label = f'"{utterance}"'
        if kind == "launch":
            self.session.start()
            return self._in_session(label, self.envelopes.launch())
        if kind == "oneshot":
            self.session.start()
            return self._intent_turn(label, self.nlu.parse(rest))
        parsed = self.nlu.parse(text)
        if self.eliciting is not None and self.session.open:
            answer = self._answer(text, parsed, self.eliciting)
            if answer is not None:
                return self._intent_turn(label, answer, dialog_state="IN_PROGRESS")
        if not self.session.open:
            if parsed.intent == "AMAZON.StopIntent" and self.player.current is not None:
                parsed.notes.append("'stop' outside a session while audio is loaded arrives as PauseIntent")
                parsed.intent = "AMAZON.PauseIntent"
            self.session.start()
        return self._intent_turn(label, parsed)

    def intent(self, name: str, slots: Mapping[str, Any] | None = None) -> list[Turn]:
        """Send an intent by name with slot values (resolved like spoken ones), skipping the NLU."""
        if name not in self.model.intents:
            raise ValueError(f"the interaction model has no intent {name!r}")
        types = dict(self.model.intents[name].slots)
        fills: dict[str, SlotFill] = {}
        for slot, value in (slots or {}).items():
            if slot not in types:
                raise ValueError(f"{name} has no slot {slot!r} (it has: {', '.join(types) or 'none'})")
            fill = self.nlu.resolve_value(types[slot], str(value))
            fill.name = slot
            fills[slot] = fill
        parsed = Parse(f"<{name}>", name, fills, 1.0, notes=["sent by name"], slot_types=types)
        asked = self.eliciting if self.session.open else None
        if asked is not None and asked.intent == name and asked.slot in fills:
            return self._intent_turn(f"<{name}>", self._with_kept(parsed, asked), dialog_state="IN_PROGRESS")
        if not self.session.open:
            self.session.start()
        return self._intent_turn(f"<{name}>", parsed)

    def launch(self) -> list[Turn]:
        self.session.start()
        return self._in_session("<launch>", self.envelopes.launch())

    def end_session(self, reason: str = "USER_INITIATED") -> list[Turn]:
        """The session ends without the skill ending it (the person walked away, or said nothing)."""
        if not self.session.open:
            return [Turn(":end", note="no session is open")]
        turns = self._in_session(f"<session ended: {reason}>", self.envelopes.session_ended(reason))
        self.session.close()
        return turns

    def silence(self) -> list[Turn]:
        """Say nothing: the device speaks the reprompt once, then ends the session."""
        if not self.session.open:
            return [Turn(":silence", note="no session is open")]
        self.silences += 1
        if self.silences == 1 and self.last_reprompt:
            return [Turn(":silence", note=f"(reprompt) {self.last_reprompt}")]
        return self.end_session("EXCEEDED_MAX_REPROMPTS")

    def wait(self, seconds: float) -> list[Turn]:
        """Let time pass while audio plays: NearlyFinished and Finished are sent when their moment comes."""
        remaining = int(seconds * 1000)
        turns: list[Turn] = []
        if not self.player.playing:
            return [Turn(f":wait {seconds:g}s", note=f"nothing is playing ({self.player.describe()})")]
        while remaining > 0 and self.player.playing:
            stream = self.player.current
            assert stream is not None
            if stream.duration_ms is None:
                stream.offset_ms += remaining
                break
            nearly = max(0, stream.duration_ms - NEARLY_FINISHED_MS)
            if not stream.nearly_finished_sent and stream.offset_ms + remaining >= nearly:
                remaining -= max(0, nearly - stream.offset_ms)
                stream.offset_ms = max(stream.offset_ms, nearly)
                stream.nearly_finished_sent = True
                turns += self._event("PlaybackNearlyFinished")
                continue
            if stream.offset_ms + remaining >= stream.duration_ms:
                remaining -= stream.duration_ms - stream.offset_ms
                stream.offset_ms = stream.duration_ms
                turns += self._finished()
            else:
                stream.offset_ms += remaining
                remaining = 0
        if not turns:
            turns.append(Turn(f":wait {seconds:g}s", note=self.player.describe()))
        return turns

    def finish(self) -> list[Turn]:
        """The current audio plays to its end."""
        if not self.player.playing:
            return [Turn(":finish", note=f"nothing is playing ({self.player.describe()})")]
        stream = self.player.current
        assert stream is not None
        turns: list[Turn] = []
        if stream.duration_ms is not None:
            stream.offset_ms = stream.duration_ms
        if not stream.nearly_finished_sent:
            stream.nearly_finished_sent = True
            turns += self._event("PlaybackNearlyFinished")
        if self.player.current is stream and self.player.playing:
            turns += self._finished()
        return turns

    def stop(self) -> list[Turn]:
        """The device stops the audio by itself (another app, the stop button): PlaybackStopped."""
        if not self.player.playing:
            return [Turn(":stop", note=f"nothing is playing ({self.player.describe()})")]
        self.player.activity = "STOPPED"
        return self._event("PlaybackStopped")

    def button(self, command: str) -> list[Turn]:
        """A hardware or on-screen button: play, pause, next or previous."""
        if command not in {"play", "pause", "next", "previous"}:
            raise ValueError("buttons are play, pause, next and previous")
        request = self.envelopes.playback_command(command)
        return self._send_event(f"<button {command}>", request)

    def audio_event(self, name: str) -> list[Turn]:
        """Send AudioPlayer.<name> for the current stream as it stands (scripts use this)."""
        return self._event(name)

    def disable(self) -> list[Turn]:
        """The person disables the skill: AlexaSkillEvent.SkillDisabled."""
        self.session.close()
        return self._send_event("<skill disabled>", self.envelopes.skill_disabled())

    # ---- answering a slot the skill asked for -------------------------------------------------------
    def _answer(self, text: str, parsed: Parse, asked: Elicitation) -> Parse | None:
        """Like Alexa after Dialog.ElicitSlot: the words first fill the asked-for slot of that intent.

        Built-in intents still win (stop, cancel, help ...; yes and no unless the words are a value of the
        slot's type, as "okay" is a feeling); so does another intent's sample said in full (two or more of
        its own words, as in "what was I grateful for"). None: the utterance is heard as usual."""
        answer = None
        if parsed.intent.startswith("AMAZON.") and parsed.intent != FALLBACK:
            if parsed.intent in YES_NO:
                answer = self.nlu.parse_answer(text, asked.intent, asked.slot)
                fill = answer.slots.get(asked.slot) if answer else None
                if fill is not None and fill.resolved_id is not None:
                    return self._with_kept(answer, asked)  # type: ignore[arg-type]
            parsed.notes.append(f"{parsed.intent} wins over the answer for {asked.intent}.{asked.slot}")
            return None
        if parsed.intent == asked.intent and asked.slot in parsed.slots:
            parsed.notes.append(f"the answer for {asked.intent}.{asked.slot} (the skill asked for it)")
            return self._with_kept(parsed, asked)
        whole = parsed.sample is not None and len(SLOT_REF.sub(" ", parsed.sample).split()) >= 2
        if parsed.intent not in (FALLBACK, asked.intent) and parsed.score >= EXACT and whole:
            parsed.notes.append(f"a whole sample of {parsed.intent}: not an answer for {asked.intent}.{asked.slot}")
            return None
        answer = self.nlu.parse_answer(text, asked.intent, asked.slot)
        return None if answer is None else self._with_kept(answer, asked)

    def _with_kept(self, answer: Parse, asked: Elicitation) -> Parse:
        """The answer with the other slot values the directive's updatedIntent carried."""
        for name, value in asked.kept.items():
            if name != asked.slot and name not in answer.slots and name in answer.slot_types:
                fill = self.nlu.resolve_value(answer.slot_types[name], value)
                fill.name = name
                answer.slots[name] = fill
        return answer

    @staticmethod
    def _elicitation(response: Mapping[str, Any]) -> Elicitation | None:
        for directive in response.get("directives") or []:
            if directive.get("type") == "Dialog.ElicitSlot" and directive.get("slotToElicit"):
                intent = directive.get("updatedIntent") or {}
                kept = {
                    str(name): str(slot["value"])
                    for name, slot in (intent.get("slots") or {}).items()
                    if isinstance(slot, Mapping) and slot.get("value") not in (None, "")
                }
                if intent.get("name"):
                    return Elicitation(str(intent["name"]), str(directive["slotToElicit"]), kept)
        return None

    # ---- requests and what the answers do ----------------------------------------------------------
    def _intent_turn(self, label: str, parsed: Parse, dialog_state: str | None = None) -> list[Turn]:
        slots = self.nlu.slots_json(parsed, self.identity.application_id)
        if dialog_state is None and any(intent == parsed.intent for intent, _ in self.model.dialog_slots):
            dialog_state = "STARTED"  # an intent with a dialog model: Alexa says where the dialog stands
        request = self.envelopes.intent(parsed.intent, slots, dialog_state)
        return self._in_session(label, request, parsed)

    def _in_session(self, label: str, request: dict[str, Any], parsed: Parse | None = None) -> list[Turn]:
        envelope = self.envelopes.envelope(
            request,
            session_id=self.session.id,
            new=self.session.turns == 0,
            attributes=self.session.attributes,
            audio_context=self.player.context(),
        )
        exchange = self.transport.send(envelope)
        turn = Turn(label, exchange, parsed)
        self.eliciting = None
        if not exchange.ok:
            return [turn]
        self.session.turns += 1
        self.silences = 0
        body = exchange.response
        self.session.attributes = dict(body.get("sessionAttributes") or {})
        response = body.get("response") or {}
        reprompt = (response.get("reprompt") or {}).get("outputSpeech") or {}
        self.last_reprompt = reprompt.get("ssml") or reprompt.get("text")
        if request["type"] == "SessionEndedRequest" or response.get("shouldEndSession") is not False:
            self.session.close()
        else:
            self.eliciting = self._elicitation(response)
        return [turn, *self._directives(response)]

    def _event(self, name: str) -> list[Turn]:
        stream = self.player.current
        if stream is None:
            return [Turn(f"AudioPlayer.{name}", note="no audio stream to report on")]
        request = self.envelopes.audio_event(name, stream.token, stream.offset_ms)
        return self._send_event(f"AudioPlayer.{name}", request, automatic=True)

    def _send_event(self, label: str, request: dict[str, Any], automatic: bool = False) -> list[Turn]:
        envelope = self.envelopes.envelope(request, audio_context=self.player.context())
        exchange = self.transport.send(envelope)
        turn = Turn(label, exchange, automatic=automatic)
        if not exchange.ok:
            return [turn]
        return [turn, *self._directives(exchange.response.get("response") or {})]

    def _finished(self) -> list[Turn]:
        turns = self._event("PlaybackFinished")
        if self.player.queue:
            self.player.current = self.player.queue.pop(0)
            self.player.activity = "PLAYING"
            turns += self._event("PlaybackStarted")
        else:
            self.player.activity = "FINISHED"
        return turns

    def _directives(self, response: Mapping[str, Any]) -> list[Turn]:
        follow: list[Turn] = []
        for directive in response.get("directives") or []:
            kind = directive.get("type")
            if kind == "AudioPlayer.Play":
                follow += self._play(directive)
            elif kind == "AudioPlayer.Stop":
                if self.player.playing:
                    self.player.activity = "STOPPED"
                    follow += self._event("PlaybackStopped")
            elif kind == "AudioPlayer.ClearQueue":
                self.player.queue.clear()
                if directive.get("clearBehavior") == "CLEAR_ALL" and self.player.playing:
                    self.player.activity = "STOPPED"
                    follow += self._event("PlaybackStopped")
        return follow

    def _play(self, directive: Mapping[str, Any]) -> list[Turn]:
        if not self.identity.plays_audio:
            return [Turn("AudioPlayer.Play", note="this device has no AudioPlayer: the directive is ignored")]
        item = directive.get("audioItem") or {}
        stream_info = item.get("stream") or {}
        metadata = item.get("metadata") or {}
        url = str(stream_info.get("url", ""))
        local, duration, title = self.catalogue.lookup(url) if self.catalogue else (None, None, None)
        stream = Stream(
            token=str(stream_info.get("token", "")),
            url=url,
            offset_ms=int(stream_info.get("offsetInMilliseconds") or 0),
            title=metadata.get("title") or title,
            subtitle=metadata.get("subtitle"),
            duration_ms=duration,
            local_path=local,
        )
        behavior = directive.get("playBehavior", "REPLACE_ALL")
        idle = not self.player.playing
        if behavior == "ENQUEUE" and not idle:
            self.player.queue.append(stream)
            return []
        if behavior == "REPLACE_ENQUEUED" and not idle:
            self.player.queue = [stream]
            return []
        if behavior == "REPLACE_ALL":
            self.player.queue.clear()
        self.player.current = stream
        self.player.activity = "PLAYING"
        return self._event("PlaybackStarted")


@dataclass
class Transcript:
    """Every turn of a run, in order (for --json and for scripts)."""

    turns: list[Turn] = field(default_factory=list)

    def extend(self, turns: list[Turn]) -> list[Turn]:
        self.turns.extend(turns)
        return turns
