"""One writer at a time on a SQLite journal, across this store's processes and threads, without sleeps.

When a writer finds SQLite's write lock taken, SQLite's busy handler sleeps 1 ms, then 2, 5, 10 and
so on, while a turn holds the lock for about a tenth of a millisecond: with two server workers,
one turn in ten or so waited a millisecond or more for nothing. The store's writers take this gate
first: a threading lock inside the process, then an advisory lock (``flock``) on a file beside the
journal, asked for again every 50 us, doubling up to 1 ms, until the store's timeout. The kernel
releases the file lock of a process that dies. SQLite's own lock still guards the data: a program
that writes without the gate is waited for by the busy timeout as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path

FIRST_PAUSE_S = 0.00005
LONGEST_PAUSE_S = 0.001
SUFFIX = "-writers"  # the gate's file: journal.sqlite3-writers, beside SQLite's -wal and -shm


class WriterGate:
    """The gate for the journal at ``database``; :meth:`acquire` waits for it up to ``timeout_s``."""

    def __init__(self, database: Path, timeout_s: float) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self.timeout_s = timeout_s
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0  # the process that opened _fd: a forked child opens its own
        self._locked_fd: int | None = None  # the file locked by the holder (None: the threading lock alone)

    def _file(self) -> int | None:
        """The gate file, opened once per process; None when it cannot be made (SQLite's lock remains)."""
        if self._fd is None or self._pid != os.getpid():
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                return None
            self._fd, self._pid = fd, os.getpid()
            weakref.finalize(self, _close_in, fd, self._pid)
        return self._fd

    def acquire(self) -> None:
        """Wait for the gate; ``sqlite3.OperationalError`` ("database is locked") when another writer
        keeps it past the timeout, as SQLite itself would say."""
        deadline = time.monotonic() + self.timeout_s
        if not self._threads.acquire(timeout=self.timeout_s):
            raise sqlite3.OperationalError("database is locked (writer gate)")
        try:
            fd = self._file()
            if fd is not None:
                _lock(fd, deadline)
            self._locked_fd = fd
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        fd, self._locked_fd = self._locked_fd, None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


def _close_in(fd: int, pid: int) -> None:
    if os.getpid() == pid:
        os.close(fd)


def _lock(fd: int, deadline: float) -> None:
    pause = FIRST_PAUSE_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError("database is locked (writer gate)") from None
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE_S)
