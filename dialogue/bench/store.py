"""`dialogue bench store`: what keeping sessions in SQL adds to a turn.

Each store runs the same turns: the bundled domains' scripted conversations (as in
`bench policy`), then long sessions to see whether the cost grows with the history.
The persistence cost of a turn is its `load` + `store` steps (taking the session,
reading the snapshot; writing snapshot, events and variables, and the commit). The
in-memory store in the same run is the baseline.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from dialogue.bench.policy import replay_scripts, scripted
from dialogue.dm.store import SessionStore
from dialogue.domains.schema import Domain
from dialogue.engine import Engine
from dialogue.stats import percentile
from dialogue.testing import step_input

WINDOW = 10
"""Turns at each end of a long session whose costs are compared."""


def persistence_ms(latency: dict[str, float]) -> float:
    return latency["load"] + latency["store"]


def conversations(store: SessionStore, domains: list[Domain], rounds: int,
                  tick: Callable[[], None]) -> dict[str, Any]:
    """Per-turn times over the scripted conversations, replayed `rounds` times after one warm-up."""
    turns: list[float] = []
    persisted: list[float] = []
    for domain in domains:
        for result, elapsed in replay_scripts(Engine(domain, store=store), scripted(domain), rounds, tick):
            turns.append(elapsed)
            persisted.append(persistence_ms(result.latency_ms))
    return {"turns": len(turns), "turn_p50_ms": _ms(statistics.median(turns)),
            "turn_p99_ms": _ms(percentile(turns, 0.99)), "persist_p50_ms": _ms(statistics.median(persisted)),
            "persist_p99_ms": _ms(percentile(persisted, 0.99)), "turns_per_s": round(len(turns) / sum(turns) * 1000)}


def long_sessions(store: SessionStore, domain: Domain, sessions: int, length: int,
                  tick: Callable[[], None]) -> dict[str, Any]:
    """Persistence cost of the first turns and of the last turns of sessions `length` turns long.

    The turns cycle through the domain's scripted conversations (new-session steps left out);
    the last window starts where a cycle starts, so both windows run the same inputs.
    """
    inputs = [(step_input(step), test.channel) for test in scripted(domain) for step in test.steps
              if not step.new_session]
    last_start = max(1, (length - WINDOW) // len(inputs)) * len(inputs)  # at least one cycle
    engine = Engine(domain, store=store)
    first: list[float] = []
    last: list[float] = []
    for session in range(sessions):
        for number in range(last_start + WINDOW):
            user_input, channel = inputs[number % len(inputs)]
            result = engine.handle(f"long:{session}", user_input, user_id="bench", channel=channel)
            if number < WINDOW:
                first.append(persistence_ms(result.latency_ms))
            elif number >= last_start:
                last.append(persistence_ms(result.latency_ms))
        tick()
    start, end = statistics.median(first), statistics.median(last)
    return {"sessions": sessions, "window": WINDOW, "first_turns": f"1-{WINDOW}",
            "last_turns": f"{last_start + 1}-{last_start + WINDOW}", "first_turns_persist_p50_ms": _ms(start),
            "last_turns_persist_p50_ms": _ms(end), "last_to_first": round(end / start, 2)}


def _ms(value: float) -> float:
    return round(value, 4)
