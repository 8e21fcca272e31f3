"""The sessions' last questions kept in memory (dialogue.expectations)."""

from __future__ import annotations

import threading

from dialogue.domains.interpretation import Expectation
from dialogue.expectations import Expectations

TIME = Expectation(kind="slot", slot="time")


def test_a_session_is_known_once_set_even_to_nothing() -> None:
    kept = Expectations()
    assert not kept.knows("a") and kept.get("a") is None
    kept.set("a", None)
    kept.set("b", TIME)
    assert kept.knows("a") and kept.get("a") is None
    assert kept.get("b") == TIME


def test_the_least_recently_used_sessions_are_forgotten_first() -> None:
    kept = Expectations(kept=2)
    kept.set("a", TIME)
    kept.set("b", TIME)
    kept.get("a")
    kept.set("c", TIME)
    assert kept.knows("a") and kept.knows("c") and not kept.knows("b")


def test_threads_setting_many_sessions_keep_the_bound() -> None:
    kept = Expectations(kept=50)

    def fill(prefix: str) -> None:
        for number in range(2000):
            kept.set(f"{prefix}{number}", TIME)
            kept.get(f"{prefix}{number // 2}")

    threads = [threading.Thread(target=fill, args=(str(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(kept.knows(f"{n}{m}") for n in range(4) for m in range(2000)) == 50
