"""Mutated real envelopes and raw bodies through real HTTP (gunicorn, two workers, SQLite journal).

Whatever arrives: no 5xx, no stack trace in a body, a 400 answer is a short JSON error, a 200 answer is
a response envelope, no journal row appears for a request that was refused, and no worker dies.
Size: KINDNESS_FUZZ_EXAMPLES (default 2,000); the full run is
``KINDNESS_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/hardening/test_fuzz_mutations.py``.
KINDNESS_FUZZ_SEED picks another deterministic sequence.
"""

from __future__ import annotations

import json
import os
import random
import re

import pytest

from tests.hardening.conftest import ServerFactory
from tests.hardening.harness import CLOSED, Answer, journal_of, send_lenient
from tests.hardening.mutations import RAW_BODIES, Case, Mutator

EXAMPLES = int(os.environ.get("KINDNESS_FUZZ_EXAMPLES", "2000"))
SEED = int(os.environ.get("KINDNESS_FUZZ_SEED", "20261122"))
TRACE = re.compile(rb'Traceback \(most recent call last\)|File "[^"]*", line \d+|site-packages|\bwerkzeug\b|\.py:\d+')


def problems(case: Case, answer: Answer) -> list[str]:
    """What is wrong with this answer to this case (empty when all is well)."""
    found: list[str] = []
    if answer.status >= 500:
        found.append(f"HTTP {answer.status}")
    if TRACE.search(answer.body):
        found.append("stack trace in the body")
    if answer.status == 200:
        try:
            payload = answer.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "response" not in payload or payload.get("version") != "1.0":
            found.append(f"200 without a response envelope: {answer.body[:120]!r}")
    elif 400 <= answer.status < 500:
        try:
            payload = answer.json()
        except ValueError:
            payload = None
        if not (isinstance(payload, dict) and isinstance(payload.get("error"), str)) or len(answer.body) > 500:
            found.append(f"{answer.status} without a short JSON error: {answer.body[:120]!r}")
    return found


@pytest.mark.slow
def test_mutated_envelopes_and_raw_bodies_never_break_the_server(serve_skill: ServerFactory) -> None:
    served = serve_skill(workers=2)
    journal = journal_of(served)
    workers = served.worker_pids()
    mutator = Mutator(random.Random(SEED))
    failures: list[str] = []
    statuses: dict[int, int] = {}
    raw = [Case(body, f"raw body {body[:40]!r}") for body in RAW_BODIES]
    total = max(EXAMPLES, len(raw))
    before = journal.counts()
    for index in range(total):
        # made just before sending, so every envelope's timestamp is fresh
        case = raw[index] if index < len(raw) else mutator.case()
        try:
            answer = send_lenient(served, case.body, headers=case.headers)
        except (BrokenPipeError, ConnectionResetError) as exc:
            answer = Answer(CLOSED, {}, b"")
            wrong = [f"connection dropped: {type(exc).__name__}"]
        else:
            wrong = problems(case, answer) if answer.status != CLOSED else []
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        if answer.status != 200:
            after = journal.counts()
            if after != before:
                wrong.append(f"journal changed on a refused request: {before} -> {after}")
            before = after
        else:
            before = journal.counts()
        if wrong:
            failures.append(f"#{index} ({case.what}): {'; '.join(wrong)}")
            if len(failures) >= 20:
                break
    print(f"fuzz: {total} cases, seed {SEED}, statuses {json.dumps(statuses, sort_keys=True)}")
    assert failures == [], "\n".join(failures)
    assert served.worker_pids() == workers, "a worker died or was replaced during the fuzz run"
    assert statuses.get(200, 0) > total // 10, "too few cases were real requests: the mutations are too blunt"
    assert statuses.get(400, 0) > total // 10, "too few cases were refused: the mutations are too gentle"
    assert "Traceback" not in served.log(), served.log()[-3000:]
