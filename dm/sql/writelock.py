"""The write lock of a SQLite database, shared by the threads of a process and by processes.

SQLite lets one transaction write at a time. A writer that finds the database locked waits
in SQLite's busy handler, which sleeps for 1 to 100 ms between tries: with several threads
or several server processes on one file, turns would spend most of their time asleep. So
writers queue here first: threads of a process on a lock, then processes on an advisory
lock of a file beside the database (`<database>-writer`, where the platform has `fcntl`),
whose holder gives it up at its commit and the next process takes it at once. Only one
thread of each process waits for the file lock; it tries again after 50 us, doubling up to
1 ms, until its time is up.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: processes then queue in SQLite's busy handler
    fcntl = None  # type: ignore[assignment]

_FIRST_WAIT_S = 0.00005
_LONGEST_WAIT_S = 0.001


class WriteLock:
    def __init__(self, database: Path | None):
        """`database`: the SQLite file (None for a database in memory, which only this process sees). The lock's
        file is made at the first write, so that only reading a database leaves nothing beside it."""
        self._threads = threading.Lock()
        self._path = f"{database}-writer" if database is not None and fcntl is not None else None
        self._file: int | None = None

    def acquire(self, timeout: float) -> bool:
        """Take the lock within `timeout` seconds (0: only if it is free now); False if that was not possible."""
        until = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self._path is None:
            return True
        if self._file is None:
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        if self._take_file(until):
            return True
        self._threads.release()
        return False

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def _take_file(self, until: float) -> bool:
        wait = _FIRST_WAIT_S
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= until:
                    return False
                time.sleep(wait)
                wait = min(wait * 2, _LONGEST_WAIT_S)
