"""The checkpoint thread: asked, it runs the checkpoint off the caller's thread; it survives failures
and forks."""

from __future__ import annotations

import os
import threading

import pytest

from skill.store.checkpointer import CheckpointThread


def test_a_request_returns_at_once_and_the_checkpoint_runs_on_the_thread() -> None:
    gate = threading.Event()
    ran_on: list[str] = []

    def checkpoint() -> None:
        gate.wait(10)
        ran_on.append(threading.current_thread().name)

    checkpoints = CheckpointThread(checkpoint)
    checkpoints.request()  # would hang here if it ran on this thread
    assert ran_on == [] and not checkpoints.wait_idle(0.05)
    gate.set()
    assert checkpoints.wait_idle(10)
    assert ran_on == ["kindness-checkpoint"] and checkpoints.completed == 1


def test_requests_made_while_one_runs_are_folded_into_one_more_run() -> None:
    started, gate = threading.Event(), threading.Event()
    runs: list[int] = []

    def checkpoint() -> None:
        started.set()
        gate.wait(10)
        runs.append(len(runs))

    checkpoints = CheckpointThread(checkpoint)
    checkpoints.request()
    assert started.wait(10)
    for _ in range(5):
        checkpoints.request()
    gate.set()
    assert checkpoints.wait_idle(10)
    assert runs == [0, 1]


def test_a_failed_checkpoint_is_logged_by_type_and_the_next_one_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    outcomes = iter([OSError("disk said something private"), None])
    ran: list[bool] = []

    def checkpoint() -> None:
        failure = next(outcomes)
        if failure is not None:
            raise failure
        ran.append(True)

    checkpoints = CheckpointThread(checkpoint)
    checkpoints.request()
    assert checkpoints.wait_idle(10)
    assert "WAL checkpoint skipped: OSError" in caplog.text and "private" not in caplog.text
    checkpoints.request()
    assert checkpoints.wait_idle(10)
    assert ran == [True] and checkpoints.completed == 2


def test_a_forked_child_starts_a_thread_of_its_own() -> None:
    ran_in: list[int] = []
    checkpoints = CheckpointThread(lambda: ran_in.append(os.getpid()))
    checkpoints.request()
    assert checkpoints.wait_idle(10)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn worker forked from a master whose thread did not come along
        code = 1
        try:
            checkpoints.request()
            code = 0 if checkpoints.wait_idle(10) and ran_in[-1] == os.getpid() else 2
            os.write(write_end, str(checkpoints.completed).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    child_completed = os.read(read_end, 16)
    os.close(read_end)
    assert os.waitstatus_to_exitcode(status) == 0
    assert child_completed == b"1"  # counted afresh in the child
    assert ran_in == [os.getpid()] and checkpoints.completed == 1  # the parent's own is untouched
