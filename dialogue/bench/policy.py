"""`dialogue bench policy`: the engine's time per turn without NLU, over scripted conversations.

The scripts are the domains' own conversation tests (those without free text), replayed
many times on one engine per domain, with the in-memory session store. The baseline in
the same run is the smallest possible turn: `/greet` on an empty domain, in a new session.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from dialogue.dm.sql import MemoryStore
from dialogue.domains.loader import with_builtins
from dialogue.domains.schema import ConversationTest, Domain
from dialogue.engine import Engine
from dialogue.stats import percentile
from dialogue.testing import step_input
from dialogue.turns import TurnResult


def scripted(domain: Domain) -> list[ConversationTest]:
    """The domain's conversation tests that need no NLU."""
    return [test for test in domain.tests
            if all(step.user is None or step.user.startswith("/") for step in test.steps)]


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {"turns": len(samples_ms), "p50_ms": round(statistics.median(samples_ms), 4),
            "p99_ms": round(percentile(samples_ms, 0.99), 4), "mean_ms": round(statistics.fmean(samples_ms), 4)}


def baseline(turns: int) -> list[float]:
    """Times (ms) of the smallest turn the engine can run: `/greet` on an empty domain."""
    engine = Engine(with_builtins(Domain(version=1, name="baseline")))
    samples = []
    for number in range(turns + 100):  # the first 100 warm up
        started = time.perf_counter()
        engine.handle(f"b{number}", "/greet")
        if number >= 100:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def replay_scripts(engine: Engine, tests: list[ConversationTest], rounds: int,
                   tick: Callable[[], None]) -> Iterator[tuple[TurnResult, float]]:
    """Every turn of the scripted conversations, replayed `rounds` times after a warm-up round
    that is not yielded: its result and its time (ms). `tick` is called after each round."""
    for round_number in range(rounds + 1):
        for index, test in enumerate(tests):
            engine.store.remember(engine.domain.name, test.user_id, test.variables)
            now = dt.datetime.fromisoformat(test.now) if test.now else None
            session = 0
            for step in test.steps:
                if step.new_session:
                    session += 1
                    continue
                started = time.perf_counter()
                result = engine.handle(f"{round_number}:{index}:{session}", step_input(step),
                                       user_id=test.user_id, channel=test.channel, now=now)
                if round_number:
                    yield result, (time.perf_counter() - started) * 1000
        tick()


def bench_domain(domain: Domain, rounds: int, tick: Callable[[], None]) -> tuple[dict[str, Any], list[float]]:
    """Per-turn times (ms) of the domain's scripts, replayed `rounds` times, and their summary."""
    tests = scripted(domain)
    turns = [elapsed for _, elapsed in replay_scripts(Engine(domain, store=MemoryStore()), tests, rounds, tick)]
    return {"domain": domain.name, "conversations": len(tests), **summary(turns)}, turns
