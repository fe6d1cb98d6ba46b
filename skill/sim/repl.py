"""The interactive prompt: type what you would say; history kept between runs; :help, :quit."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.config import Settings
from skill.sim.commands import HELP, Quit, run_line
from skill.sim.device import Device

if TYPE_CHECKING:
    from skill.sim.cli import Presenter

PROMPT = "you › "
BANNER = 'Inner Kindness simulator. Say "open inner kindness" to begin; :help for commands, :quit to leave.'


def _history(settings: Settings) -> tuple[Any, Path] | None:
    try:
        import readline
    except ImportError:  # no readline on this platform: the prompt still works, without history
        return None
    path = settings.data_dir / "sim_history"
    with contextlib.suppress(OSError):
        readline.read_history_file(str(path))
    readline.set_history_length(1000)
    return (readline, path)


def _save_history(handle: tuple[Any, Path] | None) -> None:
    if handle is None:
        return
    readline, path = handle
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(str(path))


def repl(device: Device, presenter: Presenter, settings: Settings) -> int:
    """Read lines until :quit or end of input; every line is an utterance or a :command."""

    history = _history(settings)
    interactive = sys.stdin.isatty()
    presenter.echo = not interactive  # at a terminal the prompt already shows what was typed
    prompt = PROMPT if interactive and not presenter.json_lines else ""
    presenter.text(BANNER)
    try:
        while True:
            try:
                line = input(prompt)
            except EOFError:
                break
            except KeyboardInterrupt:
                presenter.text("")
                continue
            if history is not None and not interactive and line.strip():
                history[0].add_history(line)  # input() records lines itself only at a terminal
            if line.strip() in {"?", ":?"}:
                presenter.text(HELP)
                continue
            try:
                outcome = run_line(device, line)
            except Quit:
                break
            for turn in outcome.turns:
                presenter.turn(turn)
            presenter.text(outcome.text)
    finally:
        _save_history(history)
        if device.session.open:
            for turn in device.end_session("USER_INITIATED"):
                if presenter.json_lines:
                    presenter.turn(turn)
    return 1 if presenter.errors else 0
