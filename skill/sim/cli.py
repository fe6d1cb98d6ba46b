"""`kindness sim`: talk to the skill on this machine, as a speaker would.

kindness sim                                   an interactive prompt
kindness sim "open inner kindness" "i feel anxious" "yes"
kindness sim --script tests/dialogs/launch.yaml
kindness sim --url http://127.0.0.1:5000/alexa [--sign] ...
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from skill.config import Settings
from skill.sim.commands import Outcome, Quit, run_line
from skill.sim.device import Device, Turn
from skill.sim.envelopes import DEFAULT_SKILL_ID, DEVICES, Identity
from skill.sim.model import LOCALES, load_model
from skill.sim.outputs import LocalPlayer, Voice
from skill.sim.render import render_turn, speech_text
from skill.sim.script import ScriptError, load_script, run_script
from skill.sim.session import AudioCatalogue
from skill.sim.transport import HttpTransport, InProcessTransport, Transport


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kindness sim", description="Talk to Inner Kindness on this machine.")
    p.add_argument("utterances", nargs="*", metavar="UTTERANCE", help="say these in turn (':wait 90s' etc. too)")
    p.add_argument("--url", help="POST to a running server (e.g. http://127.0.0.1:5000/alexa) instead of in-process")
    p.add_argument("--locale", default="en-US", choices=LOCALES)
    p.add_argument("--user", default="default", help="the simulated person; the same name keeps the same journal")
    p.add_argument("--device", default="speaker", choices=DEVICES)
    p.add_argument("--json", action="store_true", help="one JSON line per turn: {request, response}")
    p.add_argument("--explain", action="store_true", help="show the intent, slots and template keys of each turn")
    p.add_argument("--speak", action="store_true", help="say the answers aloud (pyttsx3)")
    p.add_argument("--play", action="store_true", help="play AudioPlayer streams with a local player")
    p.add_argument("--script", type=Path, help="run a YAML dialog script; exit 1 on the first mismatch")
    p.add_argument("--sign", action="store_true", help="with --url: sign requests with the simulator's test CA")
    p.add_argument("--seed", type=int, default=None, help="fix the choice of wording variants")
    return p


@dataclass
class Presenter:
    """Shows each turn: as JSON lines, or as text (spoken and played when asked)."""

    out: TextIO
    json_lines: bool = False
    explain: bool = False
    voice: Voice | None = None
    player: LocalPlayer | None = None
    catalogue: AudioCatalogue | None = None
    echo: bool = True
    errors: int = 0
    _durations: dict[str, int] = field(default_factory=dict)

    def turn(self, turn: Turn) -> None:
        if turn.exchange is not None and not turn.exchange.ok:
            self.errors += 1
        if self.json_lines:
            if turn.exchange is not None:
                line = {"request": turn.exchange.request, "response": turn.exchange.response}
                self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
            return
        durations = self._stream_durations(turn)
        text = render_turn(turn, explain=self.explain, durations=durations, echo=self.echo)
        if text:
            self.out.write(text + "\n")
        speech = speech_text(turn.response.get("outputSpeech"))
        if self.voice is not None and speech:
            note = self.voice.say(speech)
            if note:
                self.out.write(f"  · {note}\n")
                self.voice = None
        if self.player is not None:
            for directive in turn.response.get("directives") or []:
                if directive.get("type") == "AudioPlayer.Play":
                    url = str(((directive.get("audioItem") or {}).get("stream") or {}).get("url", ""))
                    path, duration, _ = self.catalogue.lookup(url) if self.catalogue else (None, None, None)
                    self.out.write(f"  {self.player.play(path, url, duration)}\n")
                elif directive.get("type") == "AudioPlayer.Stop":
                    self.player.stop()
        self.out.flush()

    def text(self, text: str | None) -> None:
        if text and not self.json_lines:
            self.out.write(text + "\n")
            self.out.flush()

    def _stream_durations(self, turn: Turn) -> dict[str, int]:
        for directive in turn.response.get("directives") or []:
            url = str(((directive.get("audioItem") or {}).get("stream") or {}).get("url", ""))
            if url and url not in self._durations and self.catalogue is not None:
                duration = self.catalogue.lookup(url)[1]
                if duration:
                    self._durations[url] = duration
        return self._durations


def make_transport(args: argparse.Namespace, settings: Settings) -> Transport:
    if args.url:
        signer = None
        if args.sign:
            from skill.sim.signing import Signer, ensure_test_authority

            signer = Signer(ensure_test_authority(settings.data_dir / "sim-ca"))
        return HttpTransport(args.url, signer=signer)
    return InProcessTransport(settings, seed=args.seed)


def make_device(args: argparse.Namespace, settings: Settings, transport: Transport) -> Device:
    identity = Identity(
        user=args.user,
        locale=args.locale,
        device=args.device,
        application_id=settings.skill_ids[0] if settings.skill_ids else DEFAULT_SKILL_ID,
    )
    catalogue = AudioCatalogue(settings.audio_dir, settings.public_url)
    return Device(transport, load_model(args.locale), identity, catalogue=catalogue)


def main(argv: list[str], *, out: TextIO | None = None, settings: Settings | None = None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    if args.sign and not args.url:
        print("--sign needs --url: in-process requests are not signed", file=sys.stderr)
        return 2
    if args.script and args.utterances:
        print("give either --script or utterances, not both", file=sys.stderr)
        return 2
    logging.getLogger("alembic").setLevel(logging.WARNING)  # journal migrations are not part of the talk
    if not args.explain:
        logging.getLogger("skill").setLevel(logging.WARNING)
    settings = settings or Settings.from_env()
    catalogue = AudioCatalogue(settings.audio_dir, settings.public_url)
    presenter = Presenter(
        out,
        json_lines=args.json,
        explain=args.explain,
        voice=Voice() if args.speak else None,
        player=LocalPlayer() if args.play else None,
        catalogue=catalogue,
    )
    if args.script:
        try:
            script = load_script(args.script)
        except ScriptError as exc:
            print(f"✗ {exc}", file=sys.stderr)
            return 2
        if script.user and args.user == "default":
            args.user = script.user
        args.device = script.device or args.device
        args.locale = script.locale or args.locale
    transport = make_transport(args, settings)
    try:
        device = make_device(args, settings, transport)
        if args.script:
            return _run_script(script, device, presenter)
        if args.utterances:
            return _run_lines(args.utterances, device, presenter)
        from skill.sim.repl import repl

        return repl(device, presenter, settings)
    finally:
        if presenter.player is not None:
            presenter.player.stop()
        transport.close()


def _run_lines(lines: list[str], device: Device, presenter: Presenter) -> int:
    for line in lines:
        try:
            outcome: Outcome = run_line(device, line)
        except Quit:
            break
        show(outcome, presenter)
    return 1 if presenter.errors else 0


def show(outcome: Outcome, presenter: Presenter) -> None:
    for turn in outcome.turns:
        presenter.turn(turn)
    presenter.text(outcome.text)


def _run_script(script: object, device: Device, presenter: Presenter) -> int:
    from skill.sim.script import Script

    assert isinstance(script, Script)
    on_turn: Callable[[Turn], None] = presenter.turn
    result = run_script(script, device, on_turn=on_turn)
    stream = sys.stderr if presenter.json_lines else presenter.out
    print(result.diff(), file=stream if result.ok else sys.stderr)
    return 0 if result.ok else 1
