"""Python actions: functions of the business's own code, called by name from a domain (`python:` actions).

A function is registered under a name in the entry-point group `dialogue.actions` of its package (as spaCy's
registries are), or with `register` in the process. It gets a read-only `TurnView` and returns steps
(`SetSlot`, `SetVariable`, `Respond`, `StartTask`, `CancelTask`, `Handoff`, `Results`), or one step, or
None. It never sees the engine. It runs like a service call: outside the turn's transaction, on a thread of
its own, within the turn's budget for calls, and not again when the turn is retried (dialogue.dm.services.calls).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dialogue.dm.services.calls import ServiceAnswer, call_key
from dialogue.domains.python_functions import GROUP, function

_THREADS = ThreadPoolExecutor(32, thread_name_prefix="dialogue-python-action")
"""Threads the functions run on (a function that overruns its time keeps its thread until it returns)."""
_WAITERS = ThreadPoolExecutor(32, thread_name_prefix="dialogue-python-wait")
"""Threads that wait for them on a server's behalf (its event loop never waits)."""


@dataclass(frozen=True)
class TurnView:
    """What a Python action may read of the turn: copies, read-only."""

    slots: Mapping[str, Any]
    variables: Mapping[str, Any]
    results: Mapping[str, Any]
    args: Mapping[str, Any]
    session_id: str
    user_id: str
    now: dt.datetime
    intent: str | None


@dataclass(frozen=True)
class SetSlot:
    slot: str
    value: Any


@dataclass(frozen=True)
class SetVariable:
    name: str
    value: Any


@dataclass(frozen=True)
class Respond:
    response: str


@dataclass(frozen=True)
class StartTask:
    task: str


@dataclass(frozen=True)
class CancelTask:
    pass


@dataclass(frozen=True)
class Handoff:
    queue: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Results:
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)


STEP_TYPES = (SetSlot, SetVariable, Respond, StartTask, CancelTask, Handoff, Results)


@dataclass(frozen=True)
class PythonRequest:
    """A Python action to run: the function's name, its view of the turn, and a key naming the call."""

    function: str
    view: TurnView = field(compare=False)
    key: str
    timeout_s: float | None = None

    @classmethod
    def of(cls, function: str, view: TurnView, *, turn: str, ordinal: int,
           timeout_s: float | None = None) -> PythonRequest:
        return cls(function, view, call_key(turn, ordinal, function, dict(view.args)), timeout_s)


def run(request: PythonRequest, deadline: float) -> ServiceAnswer:
    """Run the function within the deadline (on time.monotonic()'s clock): its steps as the answer's body, or
    why there are none."""
    started = time.monotonic()
    try:
        target = function(request.function)
    except Exception as err:  # noqa: BLE001 - a package whose entry point does not load must not break a turn
        return ServiceAnswer("error", reason="not_loaded", error=f"Python action '{request.function}' does not "
                             f"load: {type(err).__name__}: {err}"[:300], attempts=0)
    if target is None:
        return ServiceAnswer("error", reason="not_registered", error=f"no Python action is registered as "
                             f"'{request.function}' (group {GROUP})", attempts=0)
    until = deadline if request.timeout_s is None else min(deadline, started + request.timeout_s)
    left = max(0.0, until - started)
    try:
        returned = _THREADS.submit(target, request.view).result(timeout=left)
    except FutureTimeout:
        return _timed(ServiceAnswer("timeout", reason="timeout", error=f"no result within {left * 1000:.0f} ms"),
                      started)
    except Exception as err:  # noqa: BLE001 - the business's code must never break a turn
        return _timed(ServiceAnswer("error", reason="exception", error=f"{type(err).__name__}: {err}"[:300]),
                      started)
    steps = [] if returned is None else list(returned) if isinstance(returned, list | tuple) else [returned]
    wrong = [step for step in steps if not isinstance(step, STEP_TYPES)]
    if wrong:
        return _timed(ServiceAnswer("error", reason="not_steps", error=f"it returned {type(wrong[0]).__name__}, "
                                    f"not a step ({', '.join(t.__name__ for t in STEP_TYPES)})"), started)
    return _timed(ServiceAnswer("ok", body=steps), started)


async def run_async(request: PythonRequest, deadline: float) -> ServiceAnswer:
    """`run` awaited on an event loop (the function itself runs on a thread)."""
    return await asyncio.get_running_loop().run_in_executor(_WAITERS, run, request, deadline)


def _timed(answer: ServiceAnswer, started: float) -> ServiceAnswer:
    return dataclasses.replace(answer, ms=round((time.monotonic() - started) * 1000, 3))


def frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only deep copy of a mapping of JSON-like values."""
    return MappingProxyType({key: _frozen_value(value) for key, value in mapping.items()})


def _frozen_value(value: Any) -> Any:
    if isinstance(value, dict):
        return frozen(value)
    if isinstance(value, list):
        return tuple(_frozen_value(item) for item in value)
    return value
