"""Where the conversations run: in this process, in worker processes, on Ray, or against a server.

Conversation i depends only on the seed and i, so every way of running gives the same
conversations, returned in order. Each worker builds its own simulator: its own domain,
NLU and, per conversation, its own engine and database.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.domains.schema import Domain
from dialogue.simulation.conversation import ConversationLog, SimulationSettings, Simulator

CHUNK = 8
"""Conversations a worker runs per request (progress is reported per chunk)."""
Progress = Callable[[int], None]


def build(settings: SimulationSettings) -> Simulator:
    """The simulator of a settings' domain, with its trained NLU (None when there is none).

    With `settings.threads`, the NLU runs on that many threads (a worker among several takes one core).
    """
    from dialogue.nlu.understander import Understander

    domain = load_domain(settings.domain)
    nlu = Understander.for_domain(domain, Path(settings.models), threads=settings.threads) if settings.models else None
    return Simulator(domain, nlu, settings)


def chunks(total: int, size: int = CHUNK) -> list[list[int]]:
    return [list(range(start, min(start + size, total))) for start in range(0, total, size)]


def run_local(simulator: Simulator, total: int, progress: Progress) -> list[ConversationLog]:
    logs = []
    for index in range(total):
        logs.append(simulator.run(index))
        progress(1)
    return logs


_WORKER: Simulator | None = None


def _start_worker(settings: SimulationSettings) -> None:
    global _WORKER
    _WORKER = build(settings)


def _run_chunk(indices: list[int]) -> list[ConversationLog]:
    assert _WORKER is not None
    return [_WORKER.run(index) for index in indices]


def run_processes(settings: SimulationSettings, total: int, workers: int, progress: Progress) -> list[ConversationLog]:
    """K worker processes (spawned: each loads the domain and the NLU itself)."""
    logs: list[ConversationLog] = []
    settings = dataclasses.replace(settings, threads=settings.threads or 1)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(settings,)) as pool:
        for batch in pool.map(_run_chunk, chunks(total)):
            logs += batch
            progress(len(batch))
    return logs


def run_ray(settings: SimulationSettings, total: int, workers: int, address: str | None,
            progress: Progress, timing: dict[str, float] | None = None) -> list[ConversationLog]:
    """Ray actors, one per worker, on the cluster at `address` (or a local Ray on this machine).

    `timing["ready"]` gets the time (perf_counter) when every actor had built its simulator.
    """
    try:
        import ray
    except ImportError:
        raise RuntimeError("--ray needs Ray: pip install 'dialogue-engine[ray]'") from None
    settings = dataclasses.replace(settings, threads=settings.threads or 1)
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **options)
    try:
        actor = ray.remote(num_cpus=1)(_RayWorker)
        actors = [actor.remote(settings) for _ in range(workers)]
        ray.get([a.run.remote([]) for a in actors])  # built and ready
        if timing is not None:
            timing["ready"] = time.perf_counter()
        pending = {}
        queue = chunks(total)
        for position, indices in enumerate(queue[:workers * 2]):
            pending[actors[position % workers].run.remote(indices)] = position
        next_chunk = min(len(queue), workers * 2)
        done: dict[int, list[ConversationLog]] = {}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            position = pending.pop(ready[0])
            done[position] = ray.get(ready[0])
            progress(len(done[position]))
            if next_chunk < len(queue):
                pending[actors[position % workers].run.remote(queue[next_chunk])] = next_chunk
                next_chunk += 1
        return [log for position in sorted(done) for log in done[position]]
    finally:
        if started_here:
            ray.shutdown()


class _RayWorker:
    """A Ray actor that holds one simulator."""

    def __init__(self, settings: SimulationSettings):
        self.simulator = build(settings)

    def run(self, indices: list[int]) -> list[ConversationLog]:
        return [self.simulator.run(index) for index in indices]




def run_server(settings: SimulationSettings, total: int, address: str, token: str | None, progress: Progress,
               database: str | None = None) -> tuple[list[ConversationLog], dict[str, int]]:
    """The conversations against a running server over gRPC (it must host the same domain), and the goals not
    drawn (by task) because they need rows of their own and no `database` was given: the server's, where the
    simulator writes those rows (conversation.py, RemoteSimulator)."""
    from dialogue.client import Client
    from dialogue.simulation.conversation import RemoteSimulator

    domain = load_domain(settings.domain)
    store = server_store(database, domain) if database else None
    try:
        with Client(address, token=token) as client:
            client.wait_ready(10)
            hosted = [info.name for info in client.domains()]
            if domain.name not in hosted:
                raise RuntimeError(f"the server at {address} does not host '{domain.name}'; it hosts "
                                   f"{', '.join(hosted)}")
            simulator = RemoteSimulator(domain, client, settings, store.tables(domain) if store else None)
            logs = []
            for index in range(total):
                logs.append(simulator.run(index))
                if store is not None and index == 0:
                    _check_kept(store, domain.name, logs[0], address)
                progress(1)
            return logs, dict(simulator.not_drawn)
    finally:
        if store is not None:
            store.close()


def server_store(url: str, domain: Domain) -> SqlStore:
    """The store on a server's database, checked first to hold the engine's and the domain's tables (so that
    nothing is written into a database no server uses); RuntimeError otherwise."""
    from dialogue.dm.errors import StoreError

    try:
        return SqlStore.of_domain(url, domain)
    except StoreError as err:
        raise RuntimeError(f"--server-db: {err}") from None


def _check_kept(store: SqlStore, domain: str, log: ConversationLog, address: str) -> None:
    """RuntimeError unless the server kept the conversation's session in `store`: rows written there would not
    reach it."""
    if any(turn.error is None for turn in log.turns) and store.load(domain, log.session_id) is None:
        raise RuntimeError(f"--server-db {store.shown} is not the database of the server at {address}: "
                           f"the session it has just kept ({log.session_id}) is not there")
