"""The texts a server's turns wait to have parsed, parsed together: one model call for all that arrived while
the previous call ran.

Preparing the texts and reading the model's output run on the event loop; only the model
(`ParseSteps.infer`: ONNX Runtime, which releases the GIL) runs on the queue's thread. A
lone text goes to the model at once; under load, the texts that come in while the model
runs go in the next call together (at most `most`), so one hand-over between the loop
and the thread serves many turns, and the loop never waits on the model. A text whose
deadline passed while it waited is not parsed; one whose turn was cancelled is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc

from dialogue.domains.interpretation import Expectation, Interpretation
from dialogue.engine import Engine
from dialogue.nlu.base import ParseSteps
from dialogue.server.errors import Refused

MOST = 8
"""Texts in one model call at most. A call of 8 costs the model little more a text than one of 32, and the texts
left over (and those arriving meanwhile) fill the next call, so the loop reads one call's output while the model
runs the next instead of both waiting on each other (BENCHMARKS.md: about 11% more free-text turns/s at 16
sessions, the same at 64)."""


@dataclass
class _Waiting:
    text: str
    expecting: Expectation | None
    deadline: float | None
    parsed: asyncio.Future[Interpretation]


class ParseQueue:
    """The texts waiting for one engine's NLU, and the thread its model runs on."""

    def __init__(self, engine: Engine, *, most: int = MOST):
        self.engine, self.most = engine, most
        self.thread = ThreadPoolExecutor(1, thread_name_prefix=f"dialogue-nlu-{engine.domain.name}")
        self.waiting: list[_Waiting] = []
        self.draining: asyncio.Task[None] | None = None
        self.on_call: Callable[[int], None] = lambda texts: None
        """Told the number of texts of each model call (the server's metrics)."""

    async def parse(self, text: str, deadline: float | None, expecting: Expectation | None = None) -> Interpretation:
        """The text's interpretation, read as the answer to `expecting`, parsed with the others waiting (see the
        module's docstring)."""
        loop = asyncio.get_running_loop()
        waiting = _Waiting(text, expecting, deadline, loop.create_future())
        self.waiting.append(waiting)
        if self.draining is None:
            self.draining = loop.create_task(self._drain())
        return await waiting.parsed

    async def _drain(self) -> None:
        """Model calls until no text waits. As soon as a call's model run ends, the next one starts, and the
        loop reads the first one's output while the model runs the next."""
        try:
            running = self._start()
            while running is not None:
                batch, job, inferred = running
                with contextlib.suppress(Exception):  # a failed run fails its own turns (`_deliver`)
                    await inferred
                running = self._start()
                _deliver(batch, job, inferred)
        finally:
            self.draining = None

    def _start(self) -> tuple[list[_Waiting], ParseSteps, asyncio.Future[None]] | None:
        """The next model call on the texts waiting (at most `most`), running on the queue's thread."""
        while self.waiting:
            batch = [waiting for waiting in self.waiting[:self.most] if _wanted(waiting)]
            del self.waiting[:self.most]
            if not batch:
                continue
            try:
                job = self.engine.parse_job([waiting.text for waiting in batch],
                                            expecting=[waiting.expecting for waiting in batch])
            except Exception as error:  # noqa: BLE001 - as above
                _fail(batch, error)
                continue
            self.on_call(len(batch))
            return batch, job, asyncio.get_running_loop().run_in_executor(self.thread, job.infer)
        return None

    def close(self) -> None:
        self.thread.shutdown(wait=True)


def _deliver(batch: list[_Waiting], job: ParseSteps, inferred: asyncio.Future[None]) -> None:
    """The model's output read, and each turn's interpretation handed to it (or the run's failure)."""
    try:
        inferred.result()
        found = job.finish()
    except Exception as error:  # noqa: BLE001 - each turn fails as it would alone; the queue goes on
        _fail(batch, error)
        return
    for waiting, interpretation in zip(batch, found):
        if not waiting.parsed.done():
            waiting.parsed.set_result(interpretation)


def _fail(batch: list[_Waiting], error: Exception) -> None:
    for waiting in batch:
        if not waiting.parsed.done():
            waiting.parsed.set_exception(error)


def _wanted(waiting: _Waiting) -> bool:
    """Whether the text is still to be parsed; DEADLINE_EXCEEDED for its turn if its deadline passed."""
    if waiting.parsed.done():  # the turn was cancelled
        return False
    if waiting.deadline is not None and time.monotonic() >= waiting.deadline:
        waiting.parsed.set_exception(Refused(grpc.StatusCode.DEADLINE_EXCEEDED,
                                             "the deadline passed while the text waited for the model; nothing ran"))
        return False
    return True
