"""`dialogue bench simulate`: simulation throughput in one process, and its scaling on Ray.

In the same run: conversations per minute in this process with the NLU on one thread (one
core), then on a local Ray with 1 worker and with 2 workers (timed from the moment the actors
have loaded the domain and the NLU, which Ray starts in parallel); the 2-worker run is compared
with the 1-worker run (the ratio), and every run's conversations with the in-process ones
(they must be identical: the same seed gives the same conversations).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from dialogue.simulation.conversation import ConversationLog, SimulationSettings
from dialogue.simulation.runner import build, run_local, run_ray


def content(logs: list[ConversationLog]) -> list[dict[str, Any]]:
    """The conversations without their timings, to compare runs."""
    out = []
    for log in logs:
        data = dataclasses.asdict(log)
        data.pop("seconds")
        for turn in data["turns"]:
            turn.pop("latency_ms")
        out.append(data)
    return out


def timed(run: Callable[[], list[ConversationLog]]) -> tuple[list[ConversationLog], float]:
    started = time.perf_counter()
    logs = run()
    return logs, time.perf_counter() - started


def bench(settings: SimulationSettings, conversations: int, workers: int, advance: Callable[[int], None],
          with_ray: bool = True) -> dict[str, Any]:
    single = dataclasses.replace(settings, threads=1)
    simulator = build(single)
    run_local(simulator, min(20, conversations), lambda _: None)  # warm up
    local, seconds = timed(lambda: run_local(simulator, conversations, advance))
    reference = content(local)
    result: dict[str, Any] = {
        "in_process": {"conversations": conversations, "seconds": round(seconds, 2),
                       "per_minute_per_core": round(conversations / seconds * 60, 1),
                       "success_rate": round(sum(log.success for log in local) / len(local), 4)}}
    if with_ray:
        runs = {}
        for count in (1, workers):
            timing: dict[str, float] = {}
            logs = run_ray(single, conversations, count, None, advance, timing)
            seconds = time.perf_counter() - timing["ready"]  # from the moment every actor is ready
            runs[count] = {"workers": count, "seconds": round(seconds, 2),
                           "per_minute": round(conversations / seconds * 60, 1),
                           "identical_to_in_process": content(logs) == reference}
        result["ray"] = list(runs.values())
        result["ray_speedup"] = round(runs[workers]["per_minute"] / runs[1]["per_minute"], 2)
    return result
