"""A worker's memory stays flat under a long run of real turns (and some malformed requests).

One gunicorn worker answers every request, so its resident set shows any per-request growth. The
test asserts on the growth between a warmed-up point (a quarter of the way) and the end, with a
generous bound, and prints the peak. CI size: KINDNESS_MEMORY_REQUESTS (default 3,000); the full
run: ``KINDNESS_MEMORY_REQUESTS=20000 .venv/bin/python -m pytest tests/hardening/test_memory.py -s``.
"""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from skill.bench.serve import TURNS
from tests.conftest import envelope, intent
from tests.hardening.conftest import ServerFactory
from tests.hardening.harness import send_lenient
from tests.hardening.mutations import Mutator

REQUESTS = int(os.environ.get("KINDNESS_MEMORY_REQUESTS", "3000"))
CLIENTS = 4
BATCH = 200
# Allowed growth after warm-up: a fixed allowance for allocator and SQLite page-cache settling, plus
# a little per request (a leak of a few hundred bytes per request over the full run would exceed it).
FIXED_MB = 12.0
PER_REQUEST_KB = 0.25
LOCALES = ["en-US", "en-GB", "en-AU", "en-CA", "en-IN", "de-DE", "fr-FR", "ja-JP", "es-ES"]


def rss_kb(pid: int) -> tuple[int, int]:
    """(current resident set, peak resident set) of a process, in KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def batch(rng: random.Random, mutator: Mutator, start: int) -> list[bytes]:
    """BATCH request bodies: the benchmark's real turns, help and stop, for many people and locales, and
    one in ten a mutated (mostly malformed) envelope."""
    bodies = []
    for n in range(start, start + BATCH):
        roll = rng.random()
        if roll < 0.1:
            bodies.append(mutator.case().body)
            continue
        user = f"amzn1.ask.account.MEMORY{rng.randrange(2000):05d}"
        if roll < 0.2:
            built = envelope(intent(rng.choice(["AMAZON.HelpIntent", "AMAZON.StopIntent"])), user=user, new=False)
        else:
            built = rng.choice(TURNS).build(user, n)
        built["request"]["locale"] = rng.choice(LOCALES)
        bodies.append(json.dumps(built).encode())
    return bodies


@pytest.mark.slow
def test_a_worker_stays_flat_over_many_requests(serve_skill: ServerFactory) -> None:
    served = serve_skill(workers=1)
    (worker,) = served.worker_pids()
    rng = random.Random(7)
    mutator = Mutator(random.Random(8))
    warm_at = REQUESTS // 4
    samples: list[tuple[int, int]] = []
    statuses: dict[int, int] = {}
    warm_rss = 0
    with ThreadPoolExecutor(CLIENTS) as pool:
        for start in range(0, REQUESTS, BATCH):
            bodies = batch(rng, mutator, start)  # made per batch: timestamps stay fresh
            for answer in pool.map(lambda body: send_lenient(served, body), bodies):
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
            rss, _ = rss_kb(worker)
            samples.append((start + BATCH, rss))
            if start < warm_at <= start + BATCH:
                warm_rss = rss
    end_rss, peak = rss_kb(worker)
    assert served.worker_pids() == [worker], "the worker was replaced during the run"
    assert not any(s >= 500 for s in statuses), statuses
    assert statuses.get(200, 0) > REQUESTS * 0.8, statuses
    growth_mb = (end_rss - warm_rss) / 1024
    allowed_mb = FIXED_MB + PER_REQUEST_KB * (REQUESTS - warm_at) / 1024
    trace = ", ".join(f"{n}:{kb / 1024:.1f}" for n, kb in samples[:: max(1, len(samples) // 10)])
    print(
        f"memory: {REQUESTS} requests, RSS warm {warm_rss / 1024:.1f} MB -> end {end_rss / 1024:.1f} MB"
        f" (growth {growth_mb:+.1f} MB, allowed {allowed_mb:.1f} MB), peak {peak / 1024:.1f} MB;"
        f" statuses {statuses}; trace requests:MB {trace}"
    )
    assert growth_mb <= allowed_mb, trace
