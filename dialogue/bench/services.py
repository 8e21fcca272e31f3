"""`dialogue bench services`: what a call to a service costs a turn, and whether calls in flight cap a server.

(a) In process, on the in-memory store: the same structured turn with one call to a loopback service that
answers at once, and without it (the value set by the domain instead); the service's own time is a bare
keep-alive httpx GET of the same URL, measured in the same run. Overhead = p50 with the call - p50 without -
p50 of the bare GET.

(b) Over gRPC, a `dialogue serve` child process on a SQLite file, 64 sessions (dialogue.bench.serving's
client): turns whose call takes 50 ms at the service, against the same server's structured turns without a
call in the same run, in rounds that alternate the two (a shared machine's load drifts within a run); the ratio
is the median of the rounds'.

The service is `dialogue.bench.balance_service`, a process of its own.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from dialogue import wire
from dialogue.bench.serving import cpu_seconds, drive
from dialogue.dm.sql import MemoryStore
from dialogue.domains import Domain, load_domain
from dialogue.engine import Engine
from dialogue.server.process import ServerProcess
from dialogue.stats import percentile
from dialogue.turns import UserInput

URL_ENV = "DIALOGUE_BENCH_SERVICE_URL"
TARGETS = {"call_overhead_p50_ms": 1.0, "slow_call_throughput_ratio_at_64": 0.7}
DOMAIN = """\
version: 1
name: bench_services
settings: {{actions: {{timeout_ms: 5000}}}}
slots:
  balance: {{type: number}}
intents:
  check_balance: [what's my balance]
  guess_balance: [roughly how much do I have]
services:
  core: {{base_url_env: {url_env}, retries: 0}}
tasks:
  with_call:
    policy: frame
    triggers: [check_balance]
    on_complete:
      - call: {{service: core, path: /balance, query: {{delay_ms: {delay_ms}}}, into: {{balance: balance}},
               expect: {{type: object, required: [balance], properties: {{balance: {{type: number}}}}}}}}
      - respond: balance
  without_call:
    policy: frame
    triggers: [guess_balance]
    on_complete:
      - set_slot: {{balance: 120.5}}
      - respond: balance
responses:
  balance: "You have {{{{ slots.balance }}}}."
"""


def write_domain(folder: Path, delay_ms: int) -> Path:
    path = folder / f"bench_services_{delay_ms}.yaml"
    path.write_text(DOMAIN.format(url_env=URL_ENV, delay_ms=delay_ms), encoding="utf-8")
    return path


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples_ms), 4), "p99_ms": round(percentile(samples_ms, 0.99), 4)}


def in_process(domain: Domain, url: str, turns: int, tick: Callable[[], None]) -> dict[str, Any]:
    """(a): turns with and without the call, alternating, and the bare GET, each `turns` times after a warm-up."""
    engine = Engine(domain, store=MemoryStore())
    kinds: dict[str, list[float]] = {"with_call": [], "without_call": [], "bare_get": []}
    inputs = {"with_call": UserInput(intent="check_balance"), "without_call": UserInput(intent="guess_balance")}
    with httpx.Client(trust_env=False) as bare:
        for number in range(turns + 50):  # the first 50 warm up
            for kind, samples in kinds.items():
                started = time.perf_counter()
                if kind == "bare_get":
                    bare.get(f"{url}/balance", params={"delay_ms": "0"}).json()
                else:
                    result = engine.handle(f"{kind}{number}", inputs[kind])
                    assert result.text == "You have 120.5.", result.warnings
                if number >= 50:
                    samples.append((time.perf_counter() - started) * 1000)
            if number % 100 == 0:
                tick()
    figures = {kind: summary(samples) for kind, samples in kinds.items()}
    overhead = figures["with_call"]["p50_ms"] - figures["without_call"]["p50_ms"] - figures["bare_get"]["p50_ms"]
    return {"turns": turns, **figures, "call_overhead_p50_ms": round(overhead, 4)}


def over_grpc(domain_file: Path, folder: Path, service: ServerProcess, sessions: int, seconds: float, workers: int,
              rounds: int, tick: Callable[[], None]) -> dict[str, Any]:
    """(b): the same server answering turns without a call, then turns whose call takes 50 ms, `rounds` times;
    with the CPU time per turn of the server, the service and this process (the client), which share the
    machine's cores. The runs shown are those of the round whose ratio is the median."""
    import grpc

    from dialogue.v1 import dialogue_pb2_grpc as rpc

    scripts = {kind: [[wire.turn_request("bench_services", "", UserInput(intent=intent))]]
               for kind, intent in (("without_call", "guess_balance"), ("with_call", "check_balance"))}
    done = []
    with ServerProcess.dialogue([str(domain_file)], folder / "server.log", "--db", f"sqlite:///{folder / 'b.db'}",
                                "--workers", str(workers)) as server:
        async def measure(kind: str, tag: str) -> dict[str, Any]:
            processes = {"server": server.process.pid, "service": service.process.pid}
            used = {name: cpu_seconds(pid) or 0.0 for name, pid in processes.items()}
            client = time.process_time()
            async with grpc.aio.insecure_channel(server.target) as channel:
                run = await drive(rpc.DialogueServiceStub(channel).SendTurn, scripts[kind], sessions, seconds, tag)
            calls = run.pop("calls")
            for name, pid in processes.items():
                run[f"{name}_cpu_ms_per_turn"] = round(((cpu_seconds(pid) or 0.0) - used[name]) / calls * 1000, 3)
            run["client_cpu_ms_per_turn"] = round((time.process_time() - client) / calls * 1000, 3)
            return run

        for number in range(rounds):
            runs = {}
            for kind in ("without_call", "with_call"):
                runs[kind] = asyncio.run(measure(kind, f"{kind}-{number}"))
                tick()
            done.append({**runs, "ratio": round(runs["with_call"]["turns_per_s"] / runs["without_call"]["turns_per_s"],
                                                3)})
    median = sorted(done, key=lambda runs: runs["ratio"])[(rounds - 1) // 2]
    return {"sessions": sessions, "service_delay_ms": 50, "rounds": rounds,
            "without_call": median["without_call"], "with_call": median["with_call"],
            "round_ratios": [runs["ratio"] for runs in done], "throughput_ratio": statistics.median(
                runs["ratio"] for runs in done)}


def run(folder: Path, *, turns: int, sessions: int, seconds: float, workers: int, rounds: int,
        tick: Callable[[], None]) -> dict[str, Any]:
    with ServerProcess(["dialogue.bench.balance_service"], folder / "service.log") as service:
        url = f"http://127.0.0.1:{service.port}"
        os.environ[URL_ENV] = url  # the engine here and the server process read it
        quick = in_process(load_domain(write_domain(folder, 0)), url, turns, tick)
        slow = over_grpc(write_domain(folder, 50), folder, service, sessions, seconds, workers, rounds, tick)
    return {"benchmark": "services", "cpus": os.cpu_count(), "in_process": quick, "grpc": slow, "targets": TARGETS}
