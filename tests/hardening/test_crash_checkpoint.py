"""kill -9 a process that writes to the SQLite journal while its checkpoint thread copies the WAL back.

A server worker checkpoints once in 150 writes, so the HTTP crash test (tests/hardening/
test_crash_writes.py) rarely kills one mid-checkpoint. Here a child process writes entries with a
checkpoint asked for after every one, and is killed at a different moment each time; every entry it
reported as committed must be in the journal exactly once, nothing else, and the journal must pass
SQLite's integrity check and open as a store again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.test_store_writers import entries_in_the_file_alone

KILLS = int(os.environ.get("KINDNESS_CRASH_CHECKPOINT_KILLS", "6"))

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from skill.config import Settings
    from skill.store.engine import open_store

    start = int(sys.argv[2])
    store = open_store(Settings.from_env({"KINDNESS_DATA_DIR": sys.argv[1], "KINDNESS_USER_SECRET": "crash"}))
    store.checkpoint_every = 1  # a checkpoint asked for after every entry
    for n in range(start, start + 100_000):
        store.add_gratitude("amzn1.ask.account.CHECKPOINT", f"entry {n}", datetime.now(UTC))
        print(n, flush=True)  # committed
        store.checkpoint_when_due()
    """
)


def stored(journal: Path) -> list[str]:
    with closing(sqlite3.connect(journal, timeout=10)) as db:
        return [row[0] for row in db.execute("SELECT text FROM gratitude_entries ORDER BY id")]


@pytest.mark.slow
def test_entries_committed_before_a_kill_during_checkpoints_are_kept_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    committed: list[int] = []
    next_n = 0
    for kill in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data), str(next_n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # the store is open and writing
        assert first.strip().isdigit(), child.stderr.read() if child.stderr else first
        time.sleep(0.05 + 0.04 * kill)  # a different moment in the write/checkpoint cycle each time
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        reported = [int(line) for line in (first + rest).split()]
        committed += reported
        next_n = reported[-1] + 2  # the entry after the last reported one may or may not have committed

    journal = data / "journal.sqlite3"
    # before anything opens it (closing the last connection checkpoints): the checkpoints did run
    assert entries_in_the_file_alone(journal, tmp_path / "scratch") > 0
    texts = stored(journal)
    assert len(texts) == len(set(texts)), "an entry was stored twice"
    kept = {int(text.split()[1]) for text in texts}
    assert set(committed) <= kept, f"committed but lost: {sorted(set(committed) - kept)[:10]}"
    unreported = kept - set(committed)
    assert len(unreported) <= KILLS  # at most the one in flight at each kill
    with closing(sqlite3.connect(journal)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []

    from skill.config import Settings
    from skill.store.engine import open_store

    store = open_store(Settings.from_env({"KINDNESS_DATA_DIR": str(data), "KINDNESS_USER_SECRET": "crash"}))
    try:
        assert store.healthy()
        assert store.holdings("amzn1.ask.account.CHECKPOINT").gratitude_entries == len(texts)
    finally:
        store.engine.dispose()
