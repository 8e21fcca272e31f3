"""`dialogue bench grpc --processes N`: structured turns/s of N server processes against one.

`dialogue serve` hosts the domain on a SQLite file, or PostgreSQL (structured turns: no NLU model is loaded),
once with `--processes 1` and once with `--processes N`, in turn, for several rounds (the
order alternates; the machine is shared, so each round's ratio compares neighbours, and the
median ratio is the figure). The load comes from a process of its own, as callers do: S
sessions replaying the domain's scripted conversations, each sending its next turn when
the last is answered, spread over C connections (a session keeps one), since the kernel
spreads connections, not calls, over the processes. On a machine with as many cores as
server processes, the load generator competes with them for the cores: the result says
how many CPUs there were.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import time
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc

from dialogue.bench.serving import Script, cpu_seconds, drive, structured_scripts
from dialogue.client import OWN_CONNECTION
from dialogue.dm.sql import scratch_schema
from dialogue.domains.schema import Domain
from dialogue.server.process import ServerProcess
from dialogue.v1 import dialogue_pb2 as pb
from dialogue.v1 import dialogue_pb2_grpc as rpc

TARGET_SPEEDUP = 1.6
"""Issue 22: structured turns/s of `--processes 2` against one process."""


async def _load(target: str, scripts: list[Script], sessions: int, seconds: float, connections: int) -> dict[str, Any]:
    channels = [grpc.aio.insecure_channel(target, options=[OWN_CONNECTION]) for _ in range(connections)]
    stubs = [rpc.DialogueServiceStub(channel) for channel in channels]
    try:
        return await drive(lambda request: stubs[zlib.crc32(request.session_id.encode()) % connections].SendTurn(
            request), scripts, sessions, seconds, "scale")
    finally:
        for channel in channels:
            await channel.close()


def load_process(target: str, scripts: list[list[bytes]], sessions: int, seconds: float, connections: int,
                 answer: Any) -> None:
    """The load generator, in a process of its own; its figures go back on `answer`."""
    parsed = [[pb.TurnRequest.FromString(request) for request in script] for script in scripts]
    cpu = time.process_time()
    figures = asyncio.run(_load(target, parsed, sessions, seconds, connections))
    figures["load_cpu_ms_per_call"] = round((time.process_time() - cpu) / figures["calls"] * 1000, 3)
    answer.put(figures)


def measured(server: ServerProcess, scripts: list[Script], *, sessions: int, seconds: float,
             connections: int) -> dict[str, Any]:
    """One load run against the server from a process of its own: turns/s, latency, and the CPU time (ms) the
    server's processes (supervisor and children) and the load's process spent per call."""
    pids = server.serving.get("pids", []) + [server.process.pid]
    context = multiprocessing.get_context("spawn")
    answer = context.SimpleQueue()
    payload = [[request.SerializeToString() for request in script] for script in scripts]
    generator = context.Process(target=load_process, args=(server.target, payload, sessions, seconds, connections,
                                                           answer))
    before = [cpu_seconds(pid) or 0.0 for pid in pids]
    generator.start()
    generator.join()
    figures = answer.get()
    spent = sum((cpu_seconds(pid) or 0.0) - was for pid, was in zip(pids, before, strict=True))
    figures["server_cpu_ms_per_call"] = round(spent / figures.pop("calls") * 1000, 3)
    return figures


def run(domain: Domain, source: str, processes: int, *, rounds: int, sessions: int, seconds: float,
        connections: int, folder: Path, postgres: str | None, tick: Callable[[], None]) -> dict[str, Any]:
    """`rounds` rounds of one process and `processes` processes, alternating which goes first, each server on a
    fresh SQLite file, or a fresh scratch schema of `postgres`."""
    scripts = structured_scripts(domain)
    (folder / "no-models").mkdir(exist_ok=True)
    runs: list[dict[str, Any]] = []
    for round_number in range(rounds):
        order = (1, processes) if round_number % 2 == 0 else (processes, 1)
        for count in order:
            name = f"round{round_number}-{count}"
            with ExitStack() as stack:
                url = (stack.enter_context(scratch_schema(postgres, prefix="dialogue_bench")) if postgres
                       else f"sqlite:///{folder / name}.db")
                server = stack.enter_context(ServerProcess.dialogue(
                    [source], folder / f"{name}.log", "--db", url, "--models", str(folder / "no-models"),
                    "--processes", str(count)))
                figures = measured(server, scripts, sessions=sessions, seconds=seconds, connections=connections)
            runs.append({"round": round_number, "processes": count, **figures})
            tick()
    speedups = []
    for round_number in range(rounds):
        by = {entry["processes"]: entry for entry in runs if entry["round"] == round_number}
        speedups.append(round(by[processes]["turns_per_s"] / by[1]["turns_per_s"], 3))
    return {"benchmark": "grpc processes", "domain": domain.name, "store": "postgresql" if postgres else "sqlite",
            "processes": processes, "sessions": sessions, "connections": connections, "seconds": seconds,
            "cpus": os.cpu_count(), "runs": runs, "speedups": speedups,
            "speedup_median": round(statistics.median(speedups), 3),
            "target_speedup": TARGET_SPEEDUP if processes == 2 else None}
