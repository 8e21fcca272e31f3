"""Opening a SQLite file: several processes switching one new file to WAL at the same moment all succeed."""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from dialogue.dm.sql.database import BUSY_TIMEOUT_S, _write_ahead_log

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forks processes")


def _switch(path: str, start: float, answers: multiprocessing.Queue) -> None:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    while time.time() < start:  # all at once
        pass
    try:
        _write_ahead_log(connection.cursor())
        answers.put(connection.execute("PRAGMA journal_mode").fetchone()[0])
    except sqlite3.Error as err:
        answers.put(f"{type(err).__name__}: {err}")
    connection.close()


def test_processes_switching_a_new_file_to_wal_at_once_all_succeed(tmp_path: Path) -> None:
    """The switch says "database is locked" at once to all but one of them, without waiting as a statement does
    (as the children of `serve --processes` found, opening their new database together): it is tried again."""
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    for round_ in range(30):
        start = time.time() + 0.05
        processes = [context.Process(target=_switch, args=(str(tmp_path / f"new{round_}.db"), start, answers))
                     for _ in range(3)]
        for process in processes:
            process.start()
        switched = [answers.get(timeout=60) for _ in processes]
        for process in processes:
            process.join(10)
        assert switched == ["wal"] * 3, f"round {round_}: {switched}"
