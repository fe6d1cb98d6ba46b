"""A small HTTP load generator, run in its own process: ``python -m skill.bench.loadgen SPEC.json``.

``concurrency`` asyncio clients POST prepared requests in turn to one loopback server for a fixed time
(after a warm-up that is not counted), reusing a connection while the server keeps it open. It prints
one JSON line: completed requests, requests per second, latency percentiles (ms) and status counts.
Every loop ends by itself: the run stops at its deadline and each request has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

LOOPBACKS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Spec:
    host: str
    port: int
    path: str
    concurrency: int
    duration_s: float
    warmup_s: float
    timeout_s: float
    requests: list[tuple[bytes, dict[str, str]]]  # body, extra headers

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Spec:
        if data["host"] not in LOOPBACKS:
            raise ValueError("the load generator only targets loopback addresses")
        return cls(
            host=data["host"],
            port=int(data["port"]),
            path=data.get("path", "/alexa"),
            concurrency=int(data["concurrency"]),
            duration_s=float(data["duration_s"]),
            warmup_s=float(data.get("warmup_s", 1.0)),
            timeout_s=float(data.get("timeout_s", 10.0)),
            requests=[(r["body"].encode("utf-8"), dict(r.get("headers", {}))) for r in data["requests"]],
        )


def raw_request(spec: Spec, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {spec.path} HTTP/1.1",
        f"Host: {spec.host}:{spec.port}",
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


async def _client(
    spec: Spec,
    raws: list[bytes],
    index: int,
    start: float,
    end: float,
    out: list[tuple[float, float, int]],
    everything: list[int],
) -> Counter[str]:
    errors: Counter[str] = Counter()
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    i = index
    while time.perf_counter() < end:
        raw = raws[i % len(raws)]
        i += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(spec.host, spec.port), spec.timeout_s)
            status, keep = await asyncio.wait_for(_exchange(*conn, raw), spec.timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors[type(exc).__name__] += 1
            status, keep = 0, False
        t1 = time.perf_counter()
        if not keep and conn is not None:
            conn[1].close()
            conn = None
        everything.append(status)
        if start <= t0 and t1 <= end:
            out.append((t0, t1 - t0, status))
    if conn is not None:
        conn[1].close()
    return errors


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0 for no values."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[rank]


async def run(spec: Spec) -> dict[str, Any]:
    raws = [raw_request(spec, body, headers) for body, headers in spec.requests]
    begin = time.perf_counter()
    start = begin + spec.warmup_s
    end = start + spec.duration_s
    samples: list[tuple[float, float, int]] = []
    everything: list[int] = []
    errors_each = await asyncio.gather(
        *(_client(spec, raws, n, start, end, samples, everything) for n in range(spec.concurrency))
    )
    errors: Counter[str] = Counter()
    for counter in errors_each:
        errors.update(counter)
    ok = sorted(latency for _, latency, status in samples if 200 <= status < 300)
    statuses = Counter(str(status) for _, _, status in samples)
    return {
        "concurrency": spec.concurrency,
        "duration_s": spec.duration_s,
        "completed": len(samples),
        "answered_in_all": sum(1 for status in everything if status),  # warm-up included
        "ok": len(ok),
        "rps": len(ok) / spec.duration_s,
        "p50_ms": percentile(ok, 0.50) * 1000,
        "p90_ms": percentile(ok, 0.90) * 1000,
        "p99_ms": percentile(ok, 0.99) * 1000,
        "max_ms": (ok[-1] * 1000) if ok else 0.0,
        "statuses": dict(statuses),
        "errors": dict(errors),
    }


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        spec = Spec.from_json(json.load(handle))
    print(json.dumps(asyncio.run(run(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
