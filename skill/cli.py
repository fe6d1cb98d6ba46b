"""`kindness serve | render | sim | model check | bench`: each subcommand lives with its subsystem."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# subcommand -> module whose main(argv) runs it
SUBCOMMANDS = {
    "serve": ("skill.serve", "run the skill server"),
    "render": ("skill.render.cli", "render the meditation audio library"),
    "sim": ("skill.sim.cli", "talk to the skill on this machine"),
    "model": ("skill.sim.model_cli", "check the interaction model ('kindness model check')"),
    "bench": ("skill.bench", "run the benchmarks"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in SUBCOMMANDS:
        parser = argparse.ArgumentParser(prog="kindness", description="Inner Kindness: skill, studio, simulator")
        sub = parser.add_subparsers(dest="command", metavar="COMMAND")
        for name, (_, summary) in SUBCOMMANDS.items():
            sub.add_parser(name, help=summary)
        parser.print_help()
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = importlib.import_module(SUBCOMMANDS[argv[0]][0])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
