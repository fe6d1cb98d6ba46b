"""`kindness bench [render|serve|sim|all] [options]`: the project's benchmarks, one module each."""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "render": "skill.bench.render",
    "serve": "skill.bench.serve",
    "sim": "skill.bench.sim",
}


def main(argv: list[str]) -> int:
    names = argv[:1] or ["all"]
    rest = argv[1:]
    if names[0] in {"-h", "--help"}:
        print("usage: kindness bench [render|serve|sim|all] [options]")
        return 0
    chosen = list(BENCHES) if names[0] == "all" else names
    unknown = [n for n in chosen if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHES)} or all", file=sys.stderr)
        return 2
    status = 0
    for name in chosen:
        module = importlib.import_module(BENCHES[name])
        status |= int(module.main(rest) or 0)
    return status
