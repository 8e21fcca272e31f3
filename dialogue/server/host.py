"""The domains a server hosts: an engine each, on one session store, and the threads their turns run on.

A turn is understood, then answered (`Engine.understand`, `Engine.respond`). Free text is
parsed by the domain's `ParseQueue`: the texts of concurrent turns go to the model together,
and only the model runs off the event loop, on the queue's thread (ONNX Runtime releases the
GIL while it runs, so the loop goes on serving the other calls). Answering runs on the event
loop itself when it cannot wait on anything (`Engine.quick`: no LLM, a local SQLite or memory
store) and the session is free at once (and, on SQLite, the write lock within QUICK_WAIT_S of its
save: dm/sql/database.py); otherwise on one of `workers`
threads, so a turn that waits (for an LLM, PostgreSQL, or another turn) never holds up the
others. Python runs one thread at a time anyway: a quick answer (about half a millisecond)
costs the loop what it would cost it on a thread, without the hand-over between threads,
which cost more than the answer itself (BENCHMARKS.md). Work whose deadline passed while it
waited for a thread is not started. A turn's calls to services are made between its runs, outside
its transaction, and awaited on the loop (dialogue.dm.services): a turn waiting on a service holds
no thread, no lock of the database and no other session.

Turns of one session queue on the loop and run one at a time, in the order they came. A busy session (one
that sends a turn before its last is answered, or more than BUSY_TURNS_A_SECOND turns in a second, faster than
any person) is served on worker threads only, never on the loop, so that its turns cannot keep the loop from
taking other callers' calls off their connections: grpc.aio takes one call a turn of the loop, in the order they
came, so a loop kept busy with one caller's turns leaves everyone else's calls waiting behind that caller's
inside gRPC, where no queue of ours can reorder them, and the caller never even looks busy.

At most SESSION_TURNS of a session's turns are in the queue; one more waits, doing nothing, for room, at most
SESSION_WAIT_S, and is then refused: a caller sending faster than its turns are answered is slowed to their
pace, and one that sends again the moment it is refused cannot make the server spin on refusals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import grpc

from dialogue.dm.errors import Busy
from dialogue.dm.services import CallBook, CallNeeded
from dialogue.dm.store import SessionStore
from dialogue.domains import Domain
from dialogue.domains.interpretation import Interpretation
from dialogue.engine import Engine, Understood
from dialogue.nlg.chunks import ChunkSink
from dialogue.server.batching import MOST, ParseQueue
from dialogue.server.errors import Refused
from dialogue.turns import InputError, TurnInput, TurnResult

T = TypeVar("T")
SESSION_TURNS = 8
"""Turns one session may have queued in the server at once (running or waiting for its turn)."""
BUSY_TURNS_A_SECOND = 20
"""A session with more turns than this in one second is busy: its turns are answered on worker threads."""
SESSION_WAIT_S = 1.0
"""How long a turn beyond SESSION_TURNS waits for room in its session's queue before it is refused with
RESOURCE_EXHAUSTED."""
log = logging.getLogger("dialogue.server")


class Host:
    """The engines of the hosted domains, by name, and the turn threads."""

    def __init__(self, engines: list[Engine], *, workers: int = 4, batch: int = MOST):
        self.engines = {engine.domain.name: engine for engine in engines}
        self.queues = {engine.domain.name: ParseQueue(engine, most=batch) for engine in engines if engine.batches}
        self.workers = workers
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="dialogue-turn")
        self.sessions = _SessionQueue()
        self.draining = asyncio.Event()
        """Set when the server begins to shut down: streams take no new turns."""

    @classmethod
    def open(cls, domains: list[Domain], store: SessionStore, models: Path, *, workers: int = 4,
             nlu_threads: int | None = 1, batch: int = MOST, llms: dict[str, Any] | None = None) -> Host:
        """Engines for the domains on one store, each with its newest trained NLU model if there is one, and
        the LLM backend `llms` gives it (by domain name).

        `nlu_threads`: threads of one model call. One by default: on 2 cores, the other core is the event
        loop's. `batch`: texts in one model call at most.

        NumPy's BLAS is held to one thread in this process: a turn's matrices (the NLU's calibration and novelty,
        a knowledge search) are small, and OpenBLAS's second thread, woken by each, spun waiting for more
        after it, taking more CPU than the whole turn (3.3-3.6 ms a free-text turn; BENCHMARKS.md).
        """
        from threadpoolctl import threadpool_limits

        from dialogue.nlu.knowledge.index import domain_index
        from dialogue.nlu.understander import Understander

        threadpool_limits(1, user_api="blas")

        engines = []
        for domain in domains:
            nlu = Understander.for_domain(domain, models, threads=nlu_threads)
            if nlu is None:
                log.warning("no NLU model", extra={"fields": {
                    "domain": domain.name, "hint": f"free text is refused until `dialogue train {domain.argument}` "
                                                  f"writes a model under {models}"}})
            knowledge = domain_index(domain, models, threads=nlu_threads)
            if knowledge is None and domain.knowledge.present:
                log.warning("no knowledge index", extra={"fields": {
                    "domain": domain.name, "hint": f"questions get no_answer until `dialogue train {domain.argument}` "
                                                  f"indexes the knowledge under {models}"}})
            engine = Engine(domain, nlu=nlu, store=store, llm=(llms or {}).get(domain.name), knowledge=knowledge)
            for problem in engine.services.problems():
                log.warning("a service cannot be called", extra={"fields": {
                    "domain": domain.name, "problem": problem, "hint": "its calls take their on_error path until "
                                                                       "the server starts with the variable set"}})
            engine.services.warm_up()
            engines.append(engine)
        return cls(engines, workers=workers, batch=batch)

    def engine(self, domain: str) -> Engine:
        """The engine of a hosted domain; INVALID_ARGUMENT without a name, NOT_FOUND for another name."""
        served = ", ".join(sorted(self.engines))
        if not domain:
            raise InputError("domain", f"give the domain: {served}")
        engine = self.engines.get(domain)
        if engine is None:
            raise Refused(grpc.StatusCode.NOT_FOUND, f"domain '{domain[:64]}' is not served here; served: {served}")
        return engine

    async def run(self, work: Callable[[], T], deadline: float | None) -> T:
        """Run blocking work on a turn thread; `deadline` is on time.monotonic()'s clock."""

        def guarded() -> T:
            _check(deadline)
            return work()

        return await asyncio.get_running_loop().run_in_executor(self.executor, guarded)

    async def turn(self, engine: Engine, given: TurnInput, *, deadline: float | None,
                   stream: ChunkSink | None = None) -> TurnResult:
        """One turn, its input checked already (`Engine.check`): understood, then answered, each where it belongs
        (see the module's docstring). Turns of one session wait for each other here, on the loop."""
        key = (engine.domain.name, given.session_id)
        async with self.sessions.hold(key, deadline):
            understood = await self.understand(engine, given, deadline=deadline)
            book = engine.call_book()
            while True:
                try:
                    return await self._answer(engine, understood, book, deadline, stream,
                                              on_loop=engine.quick and not self.sessions.busy(key))
                except CallNeeded as needed:
                    answer = await engine.services.send_async(needed.request, book.deadline)
                    engine.called(understood, book, needed.request, answer)

    async def _answer(self, engine: Engine, understood: Understood, book: CallBook, deadline: float | None,
                      stream: ChunkSink | None, *, on_loop: bool) -> TurnResult:
        """The turn answered with the call answers in `book`, on the loop if `on_loop` and the store lets it run
        there without waiting (else again, on a worker); CallNeeded when it needs another."""
        if on_loop:
            _check(deadline)
            try:
                return engine.attempt(understood, book, stream=stream, wait=False)
            except Busy:
                pass
        return await self.run(lambda: engine.attempt(understood, book, stream=stream), deadline)

    async def understand(self, engine: Engine, given: TurnInput, *, deadline: float | None) -> Understood:
        """The turn's checked input understood: free text by the domain's parse queue (or on a worker thread, for
        an NLU that parses one text at a time); the rest on the loop, but for the LLM's rescue of a text the NLU
        was not sure of and the search of a question in the domain's knowledge."""
        queue = self.queues.get(engine.domain.name)
        text = given.request.text
        if text is None or not text.strip() or engine.nlu is None:  # nothing for the model to read
            _check(deadline)
            return engine.understand(given)
        if queue is None:
            return await self.run(lambda: engine.understand(given), deadline)
        began = time.perf_counter()
        session_id = given.session_id
        expecting = engine.expecting(session_id) if engine.expectation_at_hand(session_id) \
            else await self.run(lambda: engine.expecting(session_id), deadline)  # a read of the store
        parsed = given.parsed_as(await queue.parse(text, deadline, expecting), began)
        if engine.assist is None and not engine.searches(parsed.parsed):  # a search runs a model: off the loop
            return engine.understand(parsed)
        return await self.run(lambda: engine.understand(parsed), deadline)

    async def parse(self, engine: Engine, text: str, deadline: float | None) -> Interpretation:
        """The NLU alone on a text, as a turn's text is parsed."""
        queue = self.queues.get(engine.domain.name)
        if queue is None:
            return await self.run(lambda: engine.parse(text), deadline)
        return await queue.parse(text, deadline)

    def close(self) -> None:
        """Wait for the turns still running (a turn is never cut off half-way)."""
        for queue in self.queues.values():
            queue.close()
        self.executor.shutdown(wait=True)
        for engine in self.engines.values():
            engine.services.close()


class _SessionQueue:
    """The turns of each session in the server, on the event loop: kept only while a session has some."""

    def __init__(self, most: int = SESSION_TURNS, wait_s: float = SESSION_WAIT_S,
                 busy_turns: int = BUSY_TURNS_A_SECOND, clock: Callable[[], float] = time.monotonic) -> None:
        self._sessions: dict[tuple[str, str], _Session] = {}
        self.most, self.wait_s, self.busy_turns, self.clock = most, wait_s, busy_turns, clock
        self._this_second: Counter[tuple[str, str]] = Counter()
        """Turns of each session since `_second_ends - 1`."""
        self._second_ends = 0.0

    def busy(self, key: tuple[str, str]) -> bool:
        """Whether the session has more than one turn in the server, or had more than `busy_turns` this second."""
        session = self._sessions.get(key)
        return (session is not None and session.turns > 1) or self._this_second[key] > self.busy_turns

    def _counted(self, key: tuple[str, str]) -> None:
        now = self.clock()
        if now >= self._second_ends:
            self._this_second.clear()
            self._second_ends = now + 1
        self._this_second[key] += 1

    @contextlib.asynccontextmanager
    async def hold(self, key: tuple[str, str], deadline: float | None) -> AsyncIterator[None]:
        """Hold the session for one turn: after its earlier turns, with room waited for (see the module)."""
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _Session(self.most)
        session.turns += 1
        self._counted(key)
        try:
            await self._room(session, key[1], deadline)
            try:
                async with session.lock:
                    yield
            finally:
                session.room.release()
        finally:
            session.turns -= 1
            if not session.turns:
                del self._sessions[key]

    async def _room(self, session: _Session, session_id: str, deadline: float | None) -> None:
        if not session.room.locked():  # the usual case, without the task asyncio.wait_for wraps around a wait
            await session.room.acquire()
            return
        wait_s = self.wait_s if deadline is None else min(self.wait_s, deadline - time.monotonic())
        try:
            await asyncio.wait_for(session.room.acquire(), max(wait_s, 0))
        except TimeoutError:
            _check(deadline)
            raise Refused(grpc.StatusCode.RESOURCE_EXHAUSTED, f"session '{session_id[:60]}' has had {self.most} "
                                                              f"turns in the server for {self.wait_s:g} s: send the "
                                                              "next when one is answered") from None


class _Session:
    """A session's turns in the server: `room` for at most `most` of them, `lock` held by the one running."""

    def __init__(self, most: int) -> None:
        self.room = asyncio.Semaphore(most)
        self.lock = asyncio.Lock()
        self.turns = 0
        """Turns holding, or waiting for, room or the lock."""


def _check(deadline: float | None) -> None:
    """DEADLINE_EXCEEDED if the deadline (on time.monotonic()'s clock) has passed: the work is not started."""
    if deadline is not None and time.monotonic() >= deadline:
        raise Refused(grpc.StatusCode.DEADLINE_EXCEEDED, "the deadline passed before a worker was free; nothing ran")
