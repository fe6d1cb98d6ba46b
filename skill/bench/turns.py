"""`kindness bench serve --turns`: server CPU per turn, in-process, for each kind of benchmark turn.

The endpoint benchmark (:mod:`skill.bench.serve`) measures whole servers over HTTP; this one shows where
a turn's CPU goes without the network, the load generator or gunicorn. Each app (the hello-world
baseline, our skill, and our skill with request verification on and a warm certificate cache) is
called as a WSGI application, in this process, with the benchmark's own request bodies. The WSGI
environ (and, for verification, the signature) is made before the clock starts; what is timed is
``app(environ, start_response)`` and reading the answer, with ``time.process_time`` (CPU time of the
process: garbage collection included, other work on the machine not). The apps take turns in blocks
of BLOCK requests (in a rotating order): short enough that the machine's drift falls on all of them
alike, long enough that each runs with its own code and data in the CPU's caches, as a server process
does (request by request, every app ran cold and the differences between them shrank by half). Every
figure is the median over rounds of the per-request figure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from skill.bench.loadgen import percentile
from skill.bench.serve import APPLICATION_ID, TURNS, Turn
from skill.bench.signing import TestAuthority

BLOCK = 25  # requests an app answers before the next app's turn

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@dataclass
class InProcess:
    """One app under test, called directly, and how to sign a body for it."""

    label: str
    app: WsgiApp
    sign: Callable[[bytes], dict[str, str]] | None = None


def _environ(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    builder = EnvironBuilder(
        path="/alexa",
        method="POST",
        data=body,
        content_type="application/json",
        headers=list(headers.items()),
        base_url="http://127.0.0.1:8000/",
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, bytes]:
    """One request through the WSGI app: its status line and body."""
    status: list[str] = []

    def start_response(line: str, _headers: list[tuple[str, str]], _exc_info: Any = None) -> Callable[[bytes], None]:
        status.append(line)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0], body


def prepare(target: InProcess, turn: Turn, count: int, start: int) -> list[dict[str, Any]]:
    """``count`` fresh requests of one turn for one app, as WSGI environs (users cycling over 32)."""
    prepared = []
    for n in range(start, start + count):
        user = f"amzn1.ask.account.BENCH{n % 32:04d}"
        body = json.dumps(turn.build(user, n)).encode()
        prepared.append(_environ(body, target.sign(body) if target.sign else {}))
    return prepared


def time_one(target: InProcess, turn: Turn, environ: dict[str, Any]) -> float:
    """CPU seconds of one request; raises unless it was answered with a 200."""
    before = time.process_time()
    status, answer = call(target.app, environ)
    spent = time.process_time() - before
    if not status.startswith("200"):
        raise RuntimeError(f"{target.label} answered {turn.name} with {status}: {answer[:200]!r}")
    return spent


def time_turn(target: InProcess, turn: Turn, count: int, start: int) -> list[float]:
    """CPU seconds of each of ``count`` requests of one turn, one app alone."""
    return [time_one(target, turn, environ) for environ in prepare(target, turn, count, start)]


@contextlib.contextmanager
def in_process_targets(workdir: Path, verify: bool = True) -> Iterator[list[InProcess]]:
    """The baseline, our skill and (optionally) our skill with verification, each on its own journal."""
    from cryptography import x509
    from cryptography.x509 import verification as x509v

    from skill.app import create_app
    from skill.bench.hello import create_app as hello_app
    from skill.config import Settings
    from skill.verification import RequestVerifier

    def settings(name: str, *, verify_signature: bool) -> Settings:
        return Settings.from_env(
            {
                "KINDNESS_DATA_DIR": str(workdir / name),
                "KINDNESS_USER_SECRET": "bench-secret",
                "KINDNESS_SKILL_ID": APPLICATION_ID,
                "KINDNESS_VERIFY_SIGNATURE": "1" if verify_signature else "0",
            }
        )

    plain = create_app(settings("skill", verify_signature=False))
    apps = [InProcess("baseline", hello_app()), InProcess("skill", plain)]
    if verify:
        authority = TestAuthority.create(workdir / "ca")
        chain = authority.chain_pem.read_bytes()
        checked = settings("skill-verify", verify_signature=True)
        verifier = RequestVerifier(
            skill_ids=checked.skill_ids,
            fetch=lambda url: chain,
            trust_store=x509v.Store(x509.load_pem_x509_certificates(authority.root_pem.read_bytes())),
        )
        apps.append(InProcess("skill+verify", create_app(checked, verifier=verifier), sign=authority.sign))
    try:
        yield apps
    finally:
        for target in apps:
            extensions = getattr(target.app, "extensions", {})
            store = extensions.get("kindness.store")
            if store is not None:
                store.engine.dispose()


@dataclass
class TurnFigures:
    """Per (server, turn): median over rounds of the mean, p50 and p99 CPU ms per request."""

    labels: list[str]
    results: dict[tuple[str, str], dict[str, float]]
    requests: int
    rounds: int

    def report(self) -> str:
        turns = [t.name for t in TURNS] + ["mix"]
        head = "| turn | " + " | ".join(f"{label} mean / p99 ms" for label in self.labels) + " | skill/baseline mean |"
        if "skill+verify" in self.labels:
            head += " verify/no-verify mean |"
        lines = [head, "|---" + "|---:" * (head.count("|") - 2) + "|"]
        for name in turns:
            cells = [
                f"{self.results[(label, name)]['mean_ms']:.3f} / {self.results[(label, name)]['p99_ms']:.3f}"
                for label in self.labels
            ]
            base = self.results[("baseline", name)]["mean_ms"]
            ours = self.results[("skill", name)]["mean_ms"]
            row = f"| {name} | " + " | ".join(cells) + f" | {ours / base:.2f} |"
            if "skill+verify" in self.labels:
                row += f" {self.results[('skill+verify', name)]['mean_ms'] / ours:.2f} |"
            lines.append(row)
        return "\n".join(lines)


def measure_turns(
    requests: int = 300,
    rounds: int = 5,
    warmup: int = 50,
    *,
    verify: bool = True,
    progress: Callable[[str], None] = lambda line: None,
) -> TurnFigures:
    """``rounds`` interleaved passes; in each, ``requests`` requests of every turn through every app."""
    raw: dict[tuple[str, str], list[dict[str, float]]] = {}
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))  # as under gunicorn, which configures only its own loggers
    try:
        _measure(raw, requests, rounds, warmup, verify, progress)
    finally:
        root.setLevel(level)
    labels = [label for label in ("baseline", "skill", "skill+verify") if (label, "mix") in raw]
    results = {
        key: {name: statistics.median(r[name] for r in runs) for name in ("mean_ms", "p50_ms", "p99_ms")}
        for key, runs in raw.items()
    }
    return TurnFigures(labels, results, requests, rounds)


def _measure(
    raw: dict[tuple[str, str], list[dict[str, float]]],
    requests: int,
    rounds: int,
    warmup: int,
    verify: bool,
    progress: Callable[[str], None],
) -> None:
    with tempfile.TemporaryDirectory(prefix="kindness-turns-") as tmp, in_process_targets(Path(tmp), verify) as apps:
        for target in apps:
            for turn in TURNS:
                time_turn(target, turn, warmup, 10_000_000)
        for round_no in range(rounds):
            every: dict[str, list[float]] = {target.label: [] for target in apps}
            for turn in TURNS:
                prepared = {t.label: prepare(t, turn, requests, round_no * requests) for t in apps}
                spent: dict[str, list[float]] = {t.label: [] for t in apps}
                for block, start in enumerate(range(0, requests, BLOCK)):  # the apps take turns, block by block
                    shift = block % len(apps)
                    for target in apps[shift:] + apps[:shift]:
                        for environ in prepared[target.label][start : start + BLOCK]:
                            spent[target.label].append(time_one(target, turn, environ))
                for target in apps:
                    every[target.label] += spent[target.label]
                    raw.setdefault((target.label, turn.name), []).append(_figures(spent[target.label]))
            for target in apps:
                raw.setdefault((target.label, "mix"), []).append(_figures(every[target.label]))
                mix = raw[(target.label, "mix")][-1]
                progress(f"round {round_no + 1} {target.label:>13}  mix mean {mix['mean_ms']:.3f} ms")


def _figures(spent: list[float]) -> dict[str, float]:
    return {
        "mean_ms": statistics.fmean(spent) * 1000,
        "p50_ms": percentile(sorted(spent), 0.50) * 1000,
        "p99_ms": percentile(sorted(spent), 0.99) * 1000,
    }
