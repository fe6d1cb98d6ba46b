"""A small HTTP load generator, run in its own process: ``python -m skill.bench.loadgen SPEC.json``.

It drives several loopback servers in turn, in short time slices: every server gets a warm-up that is
not counted, then slice after slice (the order of the servers rotates from one pass to the next) until
each has had ``slices`` of them. In a slice, ``concurrency`` asyncio clients POST prepared requests for
``slice_s`` seconds, reusing a connection while the server keeps it open; requests that complete in
the slice, after its first ``settle_s`` seconds, are counted. Slices of a fraction of a second put the
servers side by side in time, so a machine whose speed drifts from one second to the next slows each
of them alike. The workers' CPU time is read from ``/proc`` at each slice's start and end.

It prints one JSON line: for each server, requests per second, latency percentiles (ms) over all its
counted requests, CPU per request, status counts, and each slice's own p50/p99. Every loop ends by
itself: each slice stops at its deadline and each request has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACKS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Server:
    """One server to drive: where it listens, its worker processes, and the requests it gets."""

    label: str
    host: str
    port: int
    pids: tuple[int, ...]
    requests: list[tuple[bytes, dict[str, str]]]  # body, extra headers

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Server:
        if data["host"] not in LOOPBACKS:
            raise ValueError("the load generator only targets loopback addresses")
        requests = [(r["body"].encode("utf-8"), dict(r.get("headers", {}))) for r in data["requests"]]
        if not requests:
            raise ValueError(f"no requests for {data['label']}")
        return cls(data["label"], data["host"], int(data["port"]), tuple(data.get("pids", ())), requests)


@dataclass(frozen=True)
class Spec:
    servers: list[Server]
    path: str
    concurrency: int
    slice_s: float
    slices: int
    settle_s: float
    warmup_s: float
    timeout_s: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        spec = cls(
            servers=[Server.from_json(s) for s in data["servers"]],
            path=data.get("path", "/alexa"),
            concurrency=int(data["concurrency"]),
            slice_s=float(data["slice_s"]),
            slices=int(data["slices"]),
            settle_s=float(data.get("settle_s", 0.1)),
            warmup_s=float(data.get("warmup_s", 1.0)),
            timeout_s=float(data.get("timeout_s", 10.0)),
        )
        if not spec.servers or spec.concurrency < 1 or spec.slices < 1 or not 0 <= spec.settle_s < spec.slice_s:
            raise ValueError("a load needs servers, clients, slices, and a settling time shorter than a slice")
        return spec


def raw_request(spec: Spec, server: Server, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {spec.path} HTTP/1.1",
        f"Host: {server.host}:{server.port}",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> tuple[int, bool]:
    """Send one request, read the whole answer; (status, server keeps the connection open)."""
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    keep = lines[0].startswith("HTTP/1.1")
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            keep = value.strip().lower() != "close"
    if length:
        await reader.readexactly(length)
    return status, keep


@dataclass
class SliceLog:
    """What the clients of one slice saw: (completion time, latency, status) of each answered request."""

    done: list[tuple[float, float, int]]
    errors: Counter[str]


async def _client(server: Server, timeout_s: float, raws: list[bytes], first: int, end: float, log: SliceLog) -> None:
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    i = first
    while time.perf_counter() < end:
        raw = raws[i % len(raws)]
        i += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(server.host, server.port), timeout_s)
            status, keep = await asyncio.wait_for(_exchange(*conn, raw), timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            log.errors[type(exc).__name__] += 1
            status, keep = 0, False
        t1 = time.perf_counter()
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        log.done.append((t1, t1 - t0, status))
    if conn is not None:
        conn[1].close()


async def drive(spec: Spec, server: Server, raws: list[bytes], seconds: float, offset: int) -> SliceLog:
    """``concurrency`` clients on one server for ``seconds``; returns once every request has ended."""
    log = SliceLog([], Counter())
    end = time.perf_counter() + seconds
    await asyncio.gather(
        *(_client(server, spec.timeout_s, raws, offset + n, end, log) for n in range(spec.concurrency))
    )
    return log


def cpu_seconds(pids: tuple[int, ...]) -> float:
    """User + system CPU time used so far by these processes (from /proc; 0 for any that is gone)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            # the fields after the command name: utime and stime are the 12th and 13th
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[rank]


@dataclass
class Tally:
    """Everything counted for one server over its slices."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    answered: int = 0  # every answered request, in the settling time too (CPU is shared among them)
    cpu_s: float = 0.0
    counted_s: float = 0.0
    per_slice: list[dict[str, float]] = field(default_factory=list)

    def add(self, log: SliceLog, counted_from: float, counted_to: float, cpu_s: float) -> None:
        counted = [(latency, status) for t1, latency, status in log.done if counted_from <= t1 <= counted_to]
        ok = sorted(latency for latency, status in counted if 200 <= status < 300)
        self.latencies += ok
        self.statuses.update(str(status) for _, status in counted)
        self.errors.update(log.errors)
        answered = sum(1 for _, _, status in log.done if status)
        self.answered += answered
        self.cpu_s += cpu_s
        self.counted_s += counted_to - counted_from
        self.per_slice.append(
            {
                "rps": len(ok) / (counted_to - counted_from),
                "p50_ms": percentile(ok, 0.50) * 1000,
                "p99_ms": percentile(ok, 0.99) * 1000,
                "cpu_ms_per_request": cpu_s * 1000 / max(1, answered),
            }
        )

    def result(self, concurrency: int) -> dict[str, Any]:
        ok = sorted(self.latencies)
        return {
            "concurrency": concurrency,
            "duration_s": self.counted_s,
            "completed": sum(self.statuses.values()),
            "ok": len(ok),
            "rps": len(ok) / self.counted_s if self.counted_s else 0.0,
            "p50_ms": percentile(ok, 0.50) * 1000,
            "p90_ms": percentile(ok, 0.90) * 1000,
            "p99_ms": percentile(ok, 0.99) * 1000,
            "max_ms": (ok[-1] * 1000) if ok else 0.0,
            "cpu_ms_per_request": self.cpu_s * 1000 / max(1, self.answered),
            "statuses": dict(self.statuses),
            "errors": dict(self.errors),
            "slices": self.per_slice,
        }


async def run(spec: Spec) -> dict[str, dict[str, Any]]:
    """Warm every server up, then the slices, rotating the servers' order each pass."""
    raws = {s.label: [raw_request(spec, s, body, headers) for body, headers in s.requests] for s in spec.servers}
    tallies = {s.label: Tally() for s in spec.servers}
    sent = dict.fromkeys(raws, 0)
    for server in spec.servers:
        if spec.warmup_s > 0:
            warm = await drive(spec, server, raws[server.label], spec.warmup_s, 0)
            sent[server.label] += len(warm.done)
    for n in range(spec.slices):
        shift = n % len(spec.servers)
        for server in spec.servers[shift:] + spec.servers[:shift]:
            cpu_before = cpu_seconds(server.pids)
            start = time.perf_counter()
            log = await drive(spec, server, raws[server.label], spec.slice_s, sent[server.label])
            cpu_used = cpu_seconds(server.pids) - cpu_before
            sent[server.label] += len(log.done)
            tallies[server.label].add(log, start + spec.settle_s, start + spec.slice_s, cpu_used)
    return {label: tally.result(spec.concurrency) for label, tally in tallies.items()}


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        spec = Spec.from_json(json.load(handle))
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
