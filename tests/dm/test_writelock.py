"""The SQLite write lock across processes: taken at once when free, waited for while another process holds
it, handed over as soon as that one lets go (or dies), and never waited for when asked not to."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from dialogue.dm.sql.writelock import WriteLock

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from pathlib import Path
from dialogue.dm.sql.writelock import WriteLock

lock = WriteLock(Path(sys.argv[1]))
assert lock.acquire(timeout=5)
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
sys.stdin.readline()
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="processes share the lock through fcntl")


@pytest.fixture
def holder(tmp_path: Path):
    """Another process holding the write lock of tmp_path/store.db until told to let go."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "store.db")], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait(10)


def test_a_lock_another_process_holds_is_not_taken_until_it_lets_go(tmp_path: Path, holder) -> None:
    lock = WriteLock(tmp_path / "store.db")
    assert not lock.acquire(timeout=0)
    started = time.monotonic()
    assert not lock.acquire(timeout=0.2)
    assert time.monotonic() - started >= 0.2
    holder.stdin.write("let go\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    started = time.monotonic()
    assert lock.acquire(timeout=5)
    assert time.monotonic() - started < 0.1  # handed over at once, not after a busy handler's sleep
    lock.release()
    lock.close()


def test_the_lock_of_a_process_that_died_is_free(tmp_path: Path, holder) -> None:
    lock = WriteLock(tmp_path / "store.db")
    assert not lock.acquire(timeout=0)
    holder.kill()
    holder.wait(10)
    assert lock.acquire(timeout=0)
    lock.release()
    lock.close()


def test_threads_of_a_process_queue_on_it(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "store.db")
    assert lock.acquire(timeout=0)
    assert not lock.acquire(timeout=0)  # the same process holds it: another thread would wait
    lock.release()
    assert lock.acquire(timeout=0)
    lock.release()
    lock.close()
