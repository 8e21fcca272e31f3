"""`dialogue bench grpc --flood`: does one session sending turns as fast as it can slow the others down?

A `dialogue serve` child process hosts the domain (template replies, no NLU) on a SQLite file, then on
PostgreSQL. This process is the victim's client: its sessions replay the domain's scripted conversations one turn
at a time for T seconds after a warm-up, alone; then again while a flooding client, in a process of its own (as
another caller is), keeps 64 turns of one session in flight (each sending its next turn the moment the last is
answered or refused). The victim's p99 under the flood against
its p99 alone, measured on the same server, is the figure; how the flood's calls ended is counted (the server
refuses a turn beyond the session's bound that found no room within a second: RESOURCE_EXHAUSTED).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc

from dialogue.bench.serving import WARM_UP_S, Script, latency, structured_scripts
from dialogue.domains.schema import Domain
from dialogue.server.process import ServerProcess
from dialogue.v1 import dialogue_pb2 as pb
from dialogue.v1 import dialogue_pb2_grpc as rpc

IN_FLIGHT = 64
"""Turns the flooding session keeps in flight."""
TARGET_P99_RATIO = 3.0


async def _flood(target: str, request: bytes, seconds: float) -> dict[str, int]:
    """Keep IN_FLIGHT turns of one session in flight for `seconds`: how each call ended."""
    codes: dict[str, int] = {}
    until = time.monotonic() + seconds
    async with grpc.aio.insecure_channel(target) as channel:
        stub = rpc.DialogueServiceStub(channel)
        turn = pb.TurnRequest.FromString(request)

        async def flooding() -> None:
            while time.monotonic() < until:
                try:
                    await stub.SendTurn(turn)
                    code = "OK"
                except grpc.RpcError as err:
                    code = err.code().name
                codes[code] = codes.get(code, 0) + 1

        await asyncio.gather(*(flooding() for _ in range(IN_FLIGHT)))
    return codes


def flood_process(target: str, request: bytes, seconds: float, answer: Any) -> None:
    """The flooding client, in a process of its own (as another caller is), for `seconds` from its start (a
    duration, not a time of day: the child's clock is its own): its counts go back on `answer`."""
    answer.put(asyncio.run(_flood(target, request, seconds)))


async def victim(stub: Any, scripts: list[Script], seconds: float) -> dict[str, Any]:
    """The victim's turn latencies (ms) after the warm-up, one turn at a time. What this process has loaded is
    hidden from its garbage collector first (as the server does): a full collection of it took about 100 ms,
    which would count as the server's latency."""
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    start = loop.time() + WARM_UP_S
    end = start + seconds
    samples: list[float] = []
    run = 0
    while loop.time() < end:
        for template in scripts[run % len(scripts)]:
            request = pb.TurnRequest()
            request.CopyFrom(template)
            request.session_id = f"victim-{time.time_ns()}-{run}"
            began = loop.time()
            await stub.SendTurn(request)
            if began >= start:
                samples.append((loop.time() - began) * 1000)
        run += 1
    return {"victim_turns": len(samples), **latency(samples)}


def measured(target: str, scripts: list[Script], seconds: float, flood: bool) -> dict[str, Any]:
    """The victim alone, or while a flooding client in another process keeps its session's turns in flight."""
    if not flood:
        return asyncio.run(_victim_at(target, scripts, seconds))
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    flooded = pb.TurnRequest()
    flooded.CopyFrom(scripts[0][0])
    flooded.session_id = "flood"
    total_s = WARM_UP_S + seconds + 3
    flooder = context.Process(target=flood_process, args=(target, flooded.SerializeToString(), total_s, answer))
    flooder.start()
    time.sleep(2)  # the flooding client is up and flooding
    figures = asyncio.run(_victim_at(target, scripts, seconds))
    codes = answer.get(timeout=120)
    flooder.join(30)
    figures["flood_per_s"] = {code: round(count / total_s, 1) for code, count in sorted(codes.items())}
    return figures


async def _victim_at(target: str, scripts: list[Script], seconds: float) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(target) as channel:
        return await victim(rpc.DialogueServiceStub(channel), scripts, seconds)


def run(domain: Domain, source: str, stores: dict[str, str], *, seconds: float, folder: Path,
        tick: Callable[[], None]) -> dict[str, Any]:
    """For each store (name -> database URL): the victim alone, then under the flood, on one server."""
    scripts = structured_scripts(domain)
    results = {}
    for name, url in stores.items():
        with ServerProcess.dialogue([source], folder / f"{name}.log", "--db", url) as server:
            alone = measured(server.target, scripts, seconds, flood=False)
            tick()
            flooded = measured(server.target, scripts, seconds, flood=True)
            tick()
        results[name] = {"alone": alone, "flooded": flooded,
                         "p99_ratio": round(flooded["p99_ms"] / alone["p99_ms"], 2),
                         "p50_ratio": round(flooded["p50_ms"] / alone["p50_ms"], 2)}
    return {"benchmark": "grpc flood", "domain": domain.name, "seconds": seconds, "in_flight": IN_FLIGHT,
            "cpus": os.cpu_count(), "stores": results, "target_p99_ratio": TARGET_P99_RATIO}
