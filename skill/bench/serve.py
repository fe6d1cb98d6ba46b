"""`kindness bench serve`: our skill vs a bare Flask + ask-sdk-core hello world, under gunicorn, on loopback.

Each server runs with the same gunicorn settings (sync workers, two by default) on 127.0.0.1; a load
generator in its own process (:mod:`skill.bench.loadgen`) drives them in turn, in interleaved slices
of half a second, for a fixed time each at each concurrency. Our skill answers a mix of real turns
(launch, a check-in, a gratitude entry that writes to the journal, a breathing request); the baseline
gets the very same request bodies. Our skill is measured with request verification off and on (a warm
certificate cache, a test CA it trusts). The table shows requests/s and p50/p99 latency, and the
ratios against the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skill.bench.process import Served, gunicorn
from skill.bench.signing import TestAuthority

OUR_APP = "skill.app:create_app()"
VERIFIED_APP = "skill.bench.serve:verified_app()"
BASELINE_APP = "skill.bench.hello:create_app()"
APPLICATION_ID = "amzn1.ask.skill.bench"
P99_TARGET = 1.25
VERIFY_TARGET = 1.05
SLICE_S = 0.5  # seconds a server is driven before the next one's turn
SETTLE_S = 0.1  # the start of each slice, not counted: the clients' first requests fill the queue

# ---- the turns ----------------------------------------------------------------------------------


def envelope(request: dict[str, Any], user: str, *, new: bool = True) -> dict[str, Any]:
    """An Alexa request envelope around ``request``, as a real device would send it."""
    request = {
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "locale": "en-US",
        **request,
    }
    system = {
        "application": {"applicationId": APPLICATION_ID},
        "user": {"userId": user},
        "device": {"deviceId": "amzn1.ask.device.BENCH", "supportedInterfaces": {"AudioPlayer": {}}},
        "apiEndpoint": "https://api.amazonalexa.com",
        "apiAccessToken": "token",
    }
    return {
        "version": "1.0",
        "session": {
            "new": new,
            "sessionId": f"amzn1.echo-api.session.{user[-8:]}",
            "application": {"applicationId": APPLICATION_ID},
            "user": {"userId": user},
            "attributes": {},
        },
        "context": {"System": system},
        "request": request,
    }


def _slot(name: str, value: str, resolved_id: str | None = None) -> dict[str, Any]:
    slot: dict[str, Any] = {"name": name, "value": value, "confirmationStatus": "NONE"}
    if resolved_id:
        slot["resolutions"] = {
            "resolutionsPerAuthority": [
                {
                    "authority": f"amzn1.er-authority.echo-sdk.{APPLICATION_ID}.{name}",
                    "status": {"code": "ER_SUCCESS_MATCH"},
                    "values": [{"value": {"name": value, "id": resolved_id}}],
                }
            ]
        }
    return slot


def intent(name: str, *slots: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": {s["name"]: s for s in slots}},
    }


@dataclass(frozen=True)
class Turn:
    """One kind of request in the mix, and the conversation whose template key should answer it."""

    name: str
    conversation: str
    build: Callable[[str, int], dict[str, Any]]  # (user, n) -> envelope


TURNS = [
    Turn("launch", "launch", lambda user, n: envelope({"type": "LaunchRequest"}, user)),
    Turn(
        "check-in",
        "checkin",
        lambda user, n: envelope(
            intent("CheckInIntent", _slot("feeling", "anxious", "anxious"), _slot("intensity", "6")), user, new=False
        ),
    ),
    Turn(
        "gratitude",
        "gratitude",
        lambda user, n: envelope(
            intent("GratitudeIntent", _slot("thing", f"the walk by the river number {n}")), user, new=False
        ),
    ),
    Turn(
        "breathing",
        "breathing",
        lambda user, n: envelope(intent("BreathingIntent", _slot("pattern", "box breathing", "box")), user, new=False),
    ),
]


def bodies(per_turn: int, users: int = 32) -> list[bytes]:
    """``per_turn`` fresh envelopes of every turn, interleaved (launch, check-in, gratitude, breathing, ...)."""
    out: list[bytes] = []
    for n in range(per_turn):
        user = f"amzn1.ask.account.BENCH{n % users:04d}"
        out += [json.dumps(turn.build(user, n)).encode() for turn in TURNS]
    return out


# ---- servers ------------------------------------------------------------------------------------


@dataclass
class Target:
    """One server under test and how to sign requests for it."""

    label: str
    served: Served
    sign: Callable[[bytes], dict[str, str]] | None = None
    database: Path | None = None
    notes: list[str] = field(default_factory=list)


def our_env(data_dir: Path, *, verify: bool, authority: TestAuthority | None = None) -> dict[str, str]:
    env = {
        "KINDNESS_DATA_DIR": str(data_dir),
        "KINDNESS_DATABASE_URL": f"sqlite:///{data_dir / 'journal.sqlite3'}",
        "KINDNESS_USER_SECRET": "bench-secret",
        "KINDNESS_SKILL_ID": APPLICATION_ID,
        "KINDNESS_VERIFY_SIGNATURE": "1" if verify else "0",
    }
    if verify and authority is not None:
        env.update(verification_env(authority))
    return env


def verification_env(authority: TestAuthority) -> dict[str, str]:
    """What :func:`verified_app` reads: the test root to trust and the chain file to serve for the URL."""
    return {"KINDNESS_BENCH_ROOT": str(authority.root_pem), "KINDNESS_BENCH_CHAIN": str(authority.chain_pem)}


def verified_app() -> Any:
    """Our app with request verification on, trusting only the benchmark's test root and reading the
    certificate chain from a local file instead of downloading it. Only the benchmark serves this."""
    from cryptography import x509
    from cryptography.x509 import verification as x509v

    from skill.app import create_app
    from skill.config import Settings
    from skill.verification import RequestVerifier

    settings = Settings.from_env()
    if not settings.verify_signature:
        raise RuntimeError("verified_app() is the benchmark's app with verification on")
    roots = x509.load_pem_x509_certificates(Path(os.environ["KINDNESS_BENCH_ROOT"]).read_bytes())
    chain = Path(os.environ["KINDNESS_BENCH_CHAIN"]).read_bytes()
    verifier = RequestVerifier(
        skill_ids=settings.skill_ids,
        verify_signature=True,
        fetch=lambda url: chain,
        trust_store=x509v.Store(roots),
    )
    return create_app(settings, verifier=verifier)


def post(target: Target, body: bytes) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", **(target.sign(body) if target.sign else {})}
    conn = http.client.HTTPConnection(target.served.host, target.served.port, timeout=10)
    try:
        conn.request("POST", "/alexa", body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def gratitude_count(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM gratitude_entries").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def check_turns(target: Target) -> list[str]:
    """Send each turn once; notes on turns that are not answered by their own conversation (yet)."""
    notes: list[str] = []
    for turn in TURNS:
        before = gratitude_count(target.database) if target.database else 0
        status, headers, body = post(target, json.dumps(turn.build("amzn1.ask.account.BENCHCHECK", 0)).encode())
        said = headers.get("X-Kindness-Said", "")
        if status != 200:
            notes.append(f"{turn.name}: HTTP {status} {body[:200]!r}")
        elif not any(key.startswith(turn.conversation + "/") for key in said.split(",")):
            notes.append(f"{turn.name}: answered by {said or 'nothing'}, not by the {turn.conversation} conversation")
        if turn.name == "gratitude" and target.database and gratitude_count(target.database) != before + 1:
            notes.append("gratitude: the entry was not written to the journal")
    return notes


def run_loads(
    found: list[Target], concurrency: int, slices: int, slice_s: float, warmup_s: float, workdir: Path
) -> dict[str, dict[str, Any]]:
    """One bounded load-generator run over all the servers at one concurrency, ``slices`` interleaved
    slices each; each server's result (JSON from :mod:`skill.bench.loadgen`)."""
    pool = bodies(per_turn=max(16, concurrency * 4))
    spec = {
        "path": "/alexa",
        "concurrency": concurrency,
        "slice_s": slice_s,
        "slices": slices,
        "settle_s": min(SETTLE_S, slice_s / 2),
        "warmup_s": warmup_s,
        "timeout_s": 10,
        "servers": [
            {
                "label": target.label,
                "host": target.served.host,
                "port": target.served.port,
                "pids": target.served.worker_pids(),
                "requests": [
                    {"body": body.decode(), "headers": target.sign(body) if target.sign else {}} for body in pool
                ],
            }
            for target in found
        ],
    }
    spec_path = workdir / f"spec-{concurrency}.json"
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, "-m", "skill.bench.loadgen", str(spec_path)],
        capture_output=True,
        text=True,
        timeout=len(found) * (slices * slice_s + warmup_s) + 120,
        check=True,
    )
    result: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def targets(workdir: Path, workers: int, verify: bool) -> Iterator[list[Target]]:
    authority = TestAuthority.create(workdir / "ca")
    with contextlib.ExitStack() as stack:
        baseline = stack.enter_context(gunicorn(BASELINE_APP, {}, workdir / "baseline.log", workers=workers))
        found = [Target("baseline", baseline)]
        plain_dir = workdir / "skill"
        plain = stack.enter_context(
            gunicorn(OUR_APP, our_env(plain_dir, verify=False), workdir / "skill.log", workers=workers)
        )
        found.append(Target("skill", plain, database=plain_dir / "journal.sqlite3"))
        if verify:
            verify_dir = workdir / "skill-verify"
            checked = stack.enter_context(
                gunicorn(
                    VERIFIED_APP,
                    our_env(verify_dir, verify=True, authority=authority),
                    workdir / "skill-verify.log",
                    workers=workers,
                )
            )
            found.append(Target("skill+verify", checked, sign=authority.sign, database=verify_dir / "journal.sqlite3"))
        yield found


# ---- report -------------------------------------------------------------------------------------


def table(results: dict[tuple[str, int], dict[str, Any]], labels: list[str], concurrencies: list[int]) -> str:
    lines = [
        "| concurrency | server | requests/s | p50 ms | p99 ms | server CPU ms/request | non-2xx | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in concurrencies:
        for label in labels:
            r = results[(label, c)]
            non_ok = r["completed"] - r["ok"]
            errors = sum(r["errors"].values())
            lines.append(
                f"| {c} | {label} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f}"
                f" | {r['cpu_ms_per_request']:.2f} | {non_ok} | {errors} |"
            )
    return "\n".join(lines)


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def per_pass(ours: dict[str, Any], base: dict[str, Any], figure: str) -> str:
    """The ratio of one figure slice by slice (each pair a pass apart at most): median and quartiles."""
    pairs = [_ratio(a[figure], b[figure]) for a, b in zip(ours.get("slices", []), base.get("slices", []), strict=False)]
    pairs = sorted(r for r in pairs if r == r)  # NaN (an empty slice) is not a ratio
    if len(pairs) < 4:
        return "n/a"
    q1, median, q3 = statistics.quantiles(pairs, n=4)
    return f"{median:.2f} ({q1:.2f}-{q3:.2f})"


def ratios(results: dict[tuple[str, int], dict[str, Any]], labels: list[str], concurrencies: list[int]) -> str:
    """Our skill against the baseline, and verification on against off, with the targets checked; and the
    same ratios slice by slice (median and quartiles), which show how much the machine moved."""
    lines = [
        "| concurrency | skill/baseline p99 (target <= 1.25) | per slice | skill/baseline CPU per request "
        "| verify/no-verify p50 (target <= 1.05) | per slice | verify/no-verify CPU per request |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in concurrencies:
        base, ours = results[("baseline", c)], results[("skill", c)]
        p99 = _ratio(ours["p99_ms"], base["p99_ms"])
        cpu = _ratio(ours["cpu_ms_per_request"], base["cpu_ms_per_request"])
        verify_p50 = verify_cpu = verify_slices = "n/a"
        if "skill+verify" in labels:
            checked = results[("skill+verify", c)]
            v50 = _ratio(checked["p50_ms"], ours["p50_ms"])
            verify_p50 = f"{v50:.2f} {'met' if v50 <= VERIFY_TARGET else 'MISSED'}"
            verify_slices = per_pass(checked, ours, "p50_ms")
            verify_cpu = f"{_ratio(checked['cpu_ms_per_request'], ours['cpu_ms_per_request']):.2f}"
        lines.append(
            f"| {c} | {p99:.2f} {'met' if p99 <= P99_TARGET else 'MISSED'} | {per_pass(ours, base, 'p99_ms')}"
            f" | {cpu:.2f} | {verify_p50} | {verify_slices} | {verify_cpu} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.release()}"


BEGIN_MARK = "<!-- kindness bench serve: figures begin -->"
END_MARK = "<!-- kindness bench serve: figures end -->"

DOC_INTRO = """# Endpoint benchmark

Our skill under gunicorn against a bare Flask + ask-sdk-core hello-world skill served the same way
(`skill/bench/hello.py`), on loopback, measured in the same run by `kindness bench serve`
(`skill/bench/serve.py`). Each server runs gunicorn with two sync workers on 127.0.0.1. The load
generator (`skill/bench/loadgen.py`) runs in its own process: asyncio clients, one per unit of
concurrency, each posting prepared request bodies. Our skill answers a mix of real turns in equal
parts: launch, a check-in, a gratitude entry (written to the SQLite journal), a breathing request. The
baseline receives the very same bodies. `skill+verify` is our skill with request verification on:
every request is signed by a throwaway test CA that the server is configured to trust, and the
certificate chain is cached after the first request (warm cache).

The servers take turns in short slices (half a second by default; the order rotates from one pass to
the next) after an uncounted warm-up each, and the first tenth of a second of each slice is not
counted either. Each figure is over all of a server's counted requests at that concurrency. This
machine's speed drifts from one second to the next; slices this short let the drift fall on every
server alike, where runs of several seconds each did not.

Targets: our p99 at most 1.25x the baseline's; verification with a warm cache at most 5% slower.
"""


def figures_block(command: str, report: str, notes: list[str], how: str) -> str:
    lines = [
        BEGIN_MARK,
        "",
        "Produced by:",
        "",
        "```",
        command,
        "```",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: {machine()}; {how}.",
        "",
        report,
        "",
    ]
    if notes:
        lines += ["Notes from the run:", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines + [END_MARK])


def write_doc(path: Path, command: str, report: str, notes: list[str], how: str) -> None:
    """Put the figures between the markers in ``path`` (the rest of the file is kept), or write a new file."""
    block = figures_block(command, report, notes, how)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN_MARK in text and END_MARK in text:
        head, _, rest = text.partition(BEGIN_MARK)
        _, _, tail = rest.partition(END_MARK)
        text = head + block + tail
    else:
        text = DOC_INTRO + "\n## Figures\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@dataclass
class Measured:
    """Per (server, concurrency): the figures over all its counted requests, each slice's among them."""

    labels: list[str]
    concurrencies: list[int]
    results: dict[tuple[str, int], dict[str, Any]]
    notes: list[str]
    how: str

    def report(self) -> str:
        return (
            table(self.results, self.labels, self.concurrencies)
            + "\n\n"
            + ratios(self.results, self.labels, self.concurrencies)
        )


def measure(
    concurrencies: list[int],
    duration_s: float,
    warmup_s: float,
    *,
    slice_s: float = SLICE_S,
    workers: int = 2,
    verify: bool = True,
    progress: Callable[[str], None] = lambda line: None,
) -> Measured:
    """Start the servers, check the turns, then at each concurrency drive them all in interleaved slices
    for ``duration_s`` seconds each (after a warm-up of ``warmup_s`` each)."""
    notes: list[str] = []
    results: dict[tuple[str, int], dict[str, Any]] = {}
    slices = max(1, round(duration_s / slice_s))
    with (
        tempfile.TemporaryDirectory(prefix="kindness-bench-") as tmp,
        targets(Path(tmp), workers, verify) as found,
    ):
        for target in found[1:]:
            notes += [f"{target.label}: {n}" for n in check_turns(target)]
        for note in notes:
            progress(f"note: {note}")
        labels = [t.label for t in found]
        for c in concurrencies:
            for label, result in run_loads(found, c, slices, slice_s, warmup_s, Path(tmp)).items():
                results[(label, c)] = result
                progress(
                    f"{label:>13} c={c:<3} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:7.2f} ms"
                    f"  p99 {result['p99_ms']:7.2f} ms  CPU {result['cpu_ms_per_request']:.3f} ms/request"
                    f"  non-2xx {result['completed'] - result['ok']}"
                )
    how = f"per server and concurrency, {slices} interleaved slices of {slice_s:g} s"
    return Measured(labels, concurrencies, results, notes, how)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kindness bench serve", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated client counts (default 1,8,32)")
    parser.add_argument(
        "--duration", type=float, default=8.0, help="measured seconds per server and concurrency (default 8)"
    )
    parser.add_argument(
        "--slice", type=float, default=SLICE_S, help=f"seconds per slice; servers take turns (default {SLICE_S:g})"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted warm-up seconds per server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--no-verify", action="store_true", help="skip the server with request verification on")
    parser.add_argument("--doc", type=Path, help="write the figures and the command to this Markdown file")
    parser.add_argument("--json", type=Path, help="write the results (with each slice's) as JSON")
    parser.add_argument(
        "--turns",
        action="store_true",
        help="instead: server CPU per turn in-process (no HTTP, no gunicorn), per turn kind, with the baseline",
    )
    parser.add_argument("--requests", type=int, default=300, help="with --turns: requests per turn and round")
    parser.add_argument("--rounds", type=int, default=3, help="with --turns: rounds; figures are medians (default 3)")
    args = parser.parse_args(argv)
    if args.turns:
        return turns_main(args)
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if not concurrencies or min(concurrencies) < 1 or max(concurrencies) > 256:
        parser.error("concurrency must be between 1 and 256")
    # the signed requests' timestamps must stay within Alexa's 150 s while one concurrency runs
    if not 0 < args.duration <= 30 or not 0 <= args.warmup <= 10:
        parser.error("duration must be in (0, 30] seconds and warm-up in [0, 10]")
    if not 0.2 <= args.slice <= args.duration or not 1 <= args.workers <= 16:
        parser.error("a slice must be at least 0.2 s and at most the duration, and workers 1..16")

    measured = measure(
        concurrencies,
        args.duration,
        args.warmup,
        slice_s=args.slice,
        workers=args.workers,
        verify=not args.no_verify,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    report = measured.report()
    print(report)
    command = ("kindness bench serve " + shlex.join(argv)).strip()
    if args.doc:
        write_doc(args.doc, command, report, measured.notes, measured.how)
    if args.json:
        args.json.write_text(
            json.dumps({f"{k[0]}@{k[1]}": v for k, v in measured.results.items()}, indent=2), encoding="utf-8"
        )
    return 1 if measured.notes else 0


def turns_main(args: argparse.Namespace) -> int:
    """``--turns``: the in-process per-turn CPU figures (:mod:`skill.bench.turns`)."""
    from skill.bench.turns import measure_turns

    if not 1 <= args.requests <= 100_000 or not 1 <= args.rounds <= 20:
        raise SystemExit("requests must be 1..100000 and rounds 1..20")
    figures = measure_turns(
        args.requests,
        args.rounds,
        verify=not args.no_verify,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(f"in-process server CPU per request, ms ({args.requests} requests per turn, median of {args.rounds} rounds)")
    print(figures.report())
    if args.json:
        args.json.write_text(
            json.dumps({f"{k[0]}@{k[1]}": v for k, v in figures.results.items()}, indent=2), encoding="utf-8"
        )
    return 0
