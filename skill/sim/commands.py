"""What a line typed into the simulator does: an utterance, or a ``:command`` for the device."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from skill.sim.device import Device, Turn
from skill.sim.script import ScriptError, parse_seconds

HELP = """\
Say anything, as you would to a speaker ("open inner kindness", "i feel anxious", "yes").
Commands:
  :wait 90s          let audio play on (sends PlaybackNearlyFinished / PlaybackFinished when due)
  :finish            the audio plays to its end
  :stop              the device stops the audio (PlaybackStopped)
  :button pause      a device button: play, pause, next, previous
  :event NAME        send AudioPlayer.NAME for the current stream
  :intent NAME [slot=value ...]   send an intent by name, skipping the NLU
  :launch            open the skill (LaunchRequest)
  :end               end the session (SessionEndedRequest, USER_INITIATED)
  :silence           say nothing (the reprompt, then the session ends)
  :disable           disable the skill (AlexaSkillEvent.SkillDisabled)
  :state             show the session and the player
  :help              this text
  :quit              leave"""


class Quit(Exception):
    """The person asked to leave."""


@dataclass
class Outcome:
    turns: list[Turn]
    text: str | None = None  # something to show that is not a turn (help, state, an error)


def run_line(device: Device, line: str) -> Outcome:
    """Do what one line asks; raises :class:`Quit` for ``:quit``."""
    line = line.strip()
    if not line:
        return Outcome([])
    if not line.startswith(":"):
        return Outcome(device.say(line))
    try:
        words = shlex.split(line[1:])
    except ValueError as exc:
        return Outcome([], f"cannot read that command: {exc}")
    if not words:
        return Outcome([], HELP)
    name, args = words[0].lower(), words[1:]
    try:
        return _command(device, name, args)
    except (ValueError, ScriptError) as exc:
        return Outcome([], f"✗ {exc}")


def _command(device: Device, name: str, args: list[str]) -> Outcome:
    if name in {"quit", "q", "exit"}:
        raise Quit
    if name in {"help", "h", "?"}:
        return Outcome([], HELP)
    if name == "state":
        session = f"session {device.session.id} ({device.session.turns} turns)" if device.session.open else "no session"
        attributes = f", attributes {device.session.attributes}" if device.session.attributes else ""
        return Outcome([], f"{session}{attributes}; {device.player.describe()}")
    if name == "wait":
        return Outcome(device.wait(parse_seconds(args[0] if args else "30s")))
    if name == "intent":
        if not args:
            raise ValueError("usage: :intent NAME [slot=value ...]")
        slots = dict(a.split("=", 1) for a in args[1:] if "=" in a)
        return Outcome(device.intent(args[0], slots))
    if name == "button":
        return Outcome(device.button(args[0] if args else "pause"))
    if name == "event":
        if not args:
            raise ValueError("usage: :event PlaybackStopped")
        return Outcome(device.audio_event(args[0].removeprefix("AudioPlayer.")))
    simple = {
        "finish": device.finish,
        "stop": device.stop,
        "end": device.end_session,
        "silence": device.silence,
        "launch": device.launch,
        "disable": device.disable,
    }
    if name in simple:
        return Outcome(simple[name]())
    raise ValueError(f"unknown command :{name} (try :help)")
