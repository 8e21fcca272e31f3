"""Servers on ephemeral ports for the tests: each runs its event loop in a thread of its own,
so tests talk to it over real gRPC with the blocking client (or their own asyncio loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from dialogue.dm.sql import MemoryStore
from dialogue.domains import Domain, load_domain
from dialogue.engine import Engine
from dialogue.server.app import Options, Server
from dialogue.server.host import Host


class Running:
    """A started Server; `stop()` shuts it down gracefully (teardown does it too)."""

    def __init__(self, engines: list[Engine], *, workers: int = 4, **options: Any):
        self.host = Host(engines, workers=workers)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Server = self.call(self._start(Options(port=0, grace_s=5, **options)))
        self.target = f"127.0.0.1:{self.server.port}"
        self.stopped = False

    async def _start(self, options: Options) -> Server:
        server = Server(self.host, options)
        await server.start()
        return server

    def call(self, coroutine: Any, timeout: float = 30) -> Any:
        return self.submit(coroutine).result(timeout)

    def submit(self, coroutine: Any) -> Any:
        """Run a coroutine on the server's loop; a concurrent Future of its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.call(self.server.stop())
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


class GatedStore(MemoryStore):
    """A store whose turns stop at a gate just before they commit, to hold turns in flight.

    `arrived` counts turns that reached the gate; `gate.set()` lets them (and all later turns) through.
    Its turns wait, so the server answers them on worker threads (not `quick`).
    """

    quick = False

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.arrived = threading.Semaphore(0)

    @contextmanager
    def begin(self, *args: Any, **options: Any) -> Iterator[Any]:
        with super().begin(*args, **options) as unit:
            yield unit
            self.arrived.release()
            assert self.gate.wait(30), "a test left the gate closed"


@pytest.fixture(scope="session")
def restaurant() -> Domain:
    return load_domain("restaurant")


@pytest.fixture(scope="session")
def telco() -> Domain:
    return load_domain("telco_ivr")


@pytest.fixture
def serve():
    """Start servers: `serve(engines, workers=..., token=..., ...)`; all are stopped after the test."""
    started: list[Running] = []

    def start(engines: list[Engine], **options: Any) -> Running:
        running = Running(engines, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def server_log():
    """The server's JSON log lines during the test, parsed."""
    import io
    import json
    import logging

    from dialogue.server.logs import LOGGER, JsonFormatter

    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in sink.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)
