"""WAL checkpoints on a thread of their own, so the server worker that asked for one is free at once.

A passive checkpoint of 150 turns' writes takes about 3 ms here, more than half of it waiting for
fsync. Run after a response on the worker's own thread, it kept a sync worker from its next request
for that long. On this thread the worker goes on serving: SQLite leaves Python's lock while it works
and while it waits for the disk, and a passive checkpoint blocks no reader or writer.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class CheckpointThread:
    """Runs ``checkpoint`` on a daemon thread whenever :meth:`request` is called (requests made while one
    runs are folded into one more run). The thread starts on the first request, in each process."""

    def __init__(self, checkpoint: Callable[[], None], name: str = "kindness-checkpoint") -> None:
        self._checkpoint = checkpoint
        self._name = name
        self._pid = 0
        self._start_afresh()

    def _start_afresh(self) -> None:
        """New locks and no thread: at first, and in a forked child (the parent's thread is not there,
        and its locks may have been held at the fork)."""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._pending = False
        self._running = False
        self.completed = 0  # checkpoint runs ended (done or skipped) in this process
        self._pid = os.getpid()

    def request(self) -> None:
        """Ask for a checkpoint; returns at once."""
        if self._pid != os.getpid():
            self._start_afresh()
        with self._lock:
            self._pending = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Until no checkpoint is asked for or running (False when ``timeout_s`` passes first)."""
        with self._lock:
            return self._changed.wait_for(lambda: not self._pending and not self._running, timeout_s)

    def _serve(self) -> None:
        while True:
            with self._lock:
                self._changed.wait_for(lambda: self._pending)
                self._pending, self._running = False, True
            try:
                self._checkpoint()
            except Exception as exc:  # the journal unreachable, or anything else: the thread must go on
                log.warning("WAL checkpoint skipped: %s", type(exc).__name__)
            finally:
                with self._lock:
                    self._running = False
                    self.completed += 1
                    self._changed.notify_all()
