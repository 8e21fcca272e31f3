"""`dialogue bench grpc`: turns over gRPC on loopback, with the ceilings measured in the same run.

A `dialogue serve` child process hosts the domain on a fresh SQLite file, with template
replies. This process is the client: N concurrent sessions (one asyncio task each, one
channel for all), each sending its next turn when the previous one is answered, for T
seconds after a warm-up. Two kinds of turn:

- structured: the domain's scripted conversation tests (structured input and events, no NLU);
- free text: the free-text lines of its conversation tests, test by test (the trained int8 NLU runs).

Ceilings, with the same client code: a bare grpc.aio echo server (`dialogue.bench.echo`)
answering the structured requests with a real turn's response bytes; and the NLU alone,
parsing the free-text lines one at a time in this process, right after each free-text level
(the machine is shared: each level is compared with the NLU alone measured next to it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc

from dialogue import wire
from dialogue.bench.policy import scripted
from dialogue.dm.sql import SqlStore
from dialogue.domains.schema import Domain
from dialogue.engine import Engine
from dialogue.nlu.understander import Understander
from dialogue.server.batching import MOST
from dialogue.server.host import Host
from dialogue.server.process import ServerProcess
from dialogue.stats import percentile
from dialogue.testing import step_input
from dialogue.turns import UserInput
from dialogue.v1 import dialogue_pb2 as pb
from dialogue.v1 import dialogue_pb2_grpc as rpc

WARM_UP_S = 1.0
TARGETS = {"structured_to_echo_throughput_at_64": 0.5, "structured_to_echo_p99_at_64": 2.0,
           "free_text_to_nlu_throughput": 0.7, "structured_cpu": 1.5, "free_text_cpu": 1.3}
"""Issue 5's targets on 2 cores: structured turns against the echo ceiling at 64 sessions, free text against the
NLU alone; issue 22's: the server's CPU time per structured turn against the engine's in process plus the echo
server's per call, and per free-text turn against the engine's in process (the parse included)."""
_NOW = dt.datetime(2026, 11, 25, 10, 0)
"""The NLU's clock for the ceiling (relative dates are normalised against it)."""
Script = list[pb.TurnRequest]


def structured_scripts(domain: Domain) -> list[Script]:
    """The scripted conversation tests as requests (session ids are filled in per session)."""
    return [[wire.turn_request(domain.name, "", given, user_id=user_id, channel=channel) for given in inputs]
            for user_id, channel, inputs in structured_inputs(domain)]


def structured_inputs(domain: Domain) -> list[tuple[str | None, str, list[UserInput]]]:
    """The scripted conversation tests' inputs, with each test's user id and channel."""
    return [(test.user_id, test.channel, [step_input(step) for step in test.steps if not step.new_session])
            for test in scripted(domain)]


def free_text_lines(domain: Domain) -> list[list[str]]:
    """The free-text lines of the conversation tests that have some, test by test."""
    found = [[step.user for step in test.steps if step.user and step.user.strip() and not step.user.startswith("/")]
             for test in domain.tests]
    return [lines for lines in found if lines]


def text_scripts(domain: Domain) -> list[Script]:
    """The free-text lines as requests."""
    return [[wire.turn_request(domain.name, "", line) for line in lines] for lines in free_text_lines(domain)]


async def drive(send: Callable[[pb.TurnRequest], Awaitable[Any]], scripts: list[Script], sessions: int,
                seconds: float, tag: str) -> dict[str, Any]:
    """`sessions` concurrent sessions replaying the scripts for `seconds` after a warm-up: turns/s, p50, p99."""
    loop = asyncio.get_running_loop()
    start = loop.time() + WARM_UP_S
    end = start + seconds
    timings: list[tuple[float, float]] = []
    failures = 0

    async def session(index: int) -> None:
        nonlocal failures
        run = 0
        while True:
            script = scripts[(index + run * sessions) % len(scripts)]
            for template in script:
                if loop.time() >= end:
                    return
                request = pb.TurnRequest()
                request.CopyFrom(template)
                request.session_id = f"{tag}-{index}-{run}"
                began = loop.time()
                try:
                    await send(request)
                except grpc.RpcError:
                    failures += began >= start
                timings.append((began, loop.time()))
            run += 1

    await asyncio.gather(*(session(index) for index in range(sessions)))
    answered = sum(start <= done <= end for _, done in timings)
    latencies = [(done - began) * 1000 for began, done in timings if began >= start]
    return {"sessions": sessions, "turns": answered, "turns_per_s": round(answered / seconds, 1),
            **latency(latencies), "errors": failures, "calls": len(timings)}


def latency(samples_ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples_ms), 3), "p99_ms": round(percentile(samples_ms, 0.99), 3)}


async def load_runs(server: ServerProcess, kind: str, scripts: list[Script], levels: list[int], seconds: float,
                    tick: Callable[[], None]) -> list[dict[str, Any]]:
    """One `drive` per concurrency level against the server, with the CPU time the server and this process (the
    client) spent per call (warm-up included)."""
    runs = []
    async with grpc.aio.insecure_channel(server.target) as channel:
        stub = rpc.DialogueServiceStub(channel)
        for sessions in levels:
            server_cpu, client_cpu = cpu_seconds(server.process.pid), time.process_time()
            run = await drive(stub.SendTurn, scripts, sessions, seconds, f"{kind}{sessions}")
            calls = run.pop("calls")
            if server_cpu is not None:
                run["server_cpu_ms_per_call"] = round((cpu_seconds(server.process.pid) - server_cpu) / calls * 1000, 3)
            run["client_cpu_ms_per_call"] = round((time.process_time() - client_cpu) / calls * 1000, 3)
            runs.append({"kind": kind, **run})
            tick()
    return runs


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None where /proc is not there to tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sample_response(target: str, script: Script) -> bytes:
    """The serialized response of median size over one run of a script: the echo server's answer."""
    async with grpc.aio.insecure_channel(target) as channel:
        stub = rpc.DialogueServiceStub(channel)
        sizes = []
        for template in script:
            request = pb.TurnRequest()
            request.CopyFrom(template)
            request.session_id = "sample"
            sizes.append((await stub.SendTurn(request)).SerializeToString())
    return sorted(sizes, key=len)[len(sizes) // 2]


def in_process(domain: Domain, models: Path, folder: Path, seconds: float) -> dict[str, float]:
    """The CPU time (ms) a turn costs the engine in this process, without gRPC, on a SQLite file and with the
    server's NLU settings (one thread): structured turns, and free-text turns (the parse included), each replayed
    for `seconds` after one pass of warm-up."""
    host = Host.open([domain], SqlStore(f"sqlite:///{folder / 'in-process.db'}"), models, workers=1, nlu_threads=1)
    engine = host.engines[domain.name]
    texts: list[tuple[str | None, str, list[UserInput | str]]] = [
        (None, "text", list(lines)) for lines in free_text_lines(domain)]
    try:
        return {"structured_cpu_ms": _cpu_per_turn(engine, list(structured_inputs(domain)), seconds),
                "free_text_cpu_ms": _cpu_per_turn(engine, texts, seconds)}
    finally:
        host.close()


def _cpu_per_turn(engine: Engine, scripts: list[Any], seconds: float) -> float:
    def replay(tag: str) -> int:
        turns = 0
        for number, (user_id, channel, inputs) in enumerate(scripts):
            for given in inputs:
                engine.handle(f"{tag}-{number}", given, user_id=user_id, channel=channel, now=_NOW)
                turns += 1
        return turns

    replay("warm-up")
    turns, rounds, began, cpu = 0, 0, time.monotonic(), time.process_time()
    while time.monotonic() - began < seconds:
        turns += replay(f"round{rounds}")
        rounds += 1
    return round((time.process_time() - cpu) / turns * 1000, 3)


def nlu_alone(understander: Understander, lines: list[str], seconds: float) -> tuple[float, list[float]]:
    """The model parsing the lines one at a time in this process, for `seconds` after a warm-up: utterances/s,
    and each parse's ms."""
    now = time.monotonic
    for line in lines:
        understander.parse(line, now=_NOW)
    samples = []
    start = now()
    while now() - start < seconds:
        for line in lines:
            began = now()
            understander.parse(line, now=_NOW)
            samples.append((now() - began) * 1000)
    return len(samples) / (now() - start), samples


def ceiling(slices: dict[int, tuple[float, list[float]]]) -> dict[str, Any]:
    """The NLU alone over its slices (by the free-text level each followed): utterances/s of each, their median,
    and the latency over all."""
    rates = {level: round(per_s, 1) for level, (per_s, _) in slices.items()}
    every = [ms for _, samples in slices.values() for ms in samples]
    return {"utterances": len(every), "per_s": round(statistics.median(rates.values()), 1),
            "per_s_after": rates, **latency(every)}


def compare(runs: list[dict[str, Any]], nlu: dict[str, Any], alone: dict[str, float]) -> dict[str, Any]:
    """Per level: structured turns against the echo ceiling, free-text turns against the NLU alone measured after
    them; and the server's CPU time per turn against the engine's in process (`alone`), plus the echo server's
    per call for structured turns (what gRPC costs at the least)."""
    by = {(run["kind"], run["sessions"]): run for run in runs}
    ratios: dict[str, Any] = {"structured_to_echo": {}, "free_text_to_nlu": {}, "structured_cpu": {},
                              "free_text_cpu": {}}
    for (kind, sessions), run in by.items():
        cpu = run.get("server_cpu_ms_per_call")
        if kind == "structured":
            echo = by[("echo", sessions)]
            ratios["structured_to_echo"][sessions] = {
                "throughput": round(run["turns_per_s"] / echo["turns_per_s"], 3),
                "p99": round(run["p99_ms"] / echo["p99_ms"], 3)}
            if cpu is not None and "server_cpu_ms_per_call" in echo:
                ratios["structured_cpu"][sessions] = round(
                    cpu / (alone["structured_cpu_ms"] + echo["server_cpu_ms_per_call"]), 3)
        elif kind == "free_text":
            ratios["free_text_to_nlu"][sessions] = {
                "throughput": round(run["turns_per_s"] / nlu["per_s_after"][sessions], 3)}
            if cpu is not None:
                ratios["free_text_cpu"][sessions] = round(cpu / alone["free_text_cpu_ms"], 3)
    return ratios


def run(domain: Domain, source: str, models: Path, *, levels: list[int], seconds: float, workers: int,
        nlu_batch: int | None, folder: Path, tick: Callable[[], None]) -> dict[str, Any]:
    """The whole bench: servers started and stopped here, `tick` after each measurement (4 per level).
    `nlu_batch`: the server's --nlu-batch (None: its default)."""
    understander = Understander.for_domain(domain, models)
    if understander is None:
        raise ValueError(f"free-text turns need a trained model of '{domain.name}' under {models}; "
                         f"train one with `dialogue train {domain.argument}` (or give --models)")
    structured, texts = structured_scripts(domain), text_scripts(domain)
    with ServerProcess.dialogue([source], folder / "server.log", "--db", f"sqlite:///{folder / 'bench.db'}",
                                "--models", str(models), "--workers", str(workers),
                                *(["--nlu-batch", str(nlu_batch)] if nlu_batch else [])) as server:
        response = folder / "response.bin"
        response.write_bytes(asyncio.run(sample_response(server.target, structured[0])))
        with ServerProcess(["dialogue.bench.echo", str(response)], folder / "echo.log") as echo:
            runs = asyncio.run(load_runs(echo, "echo", structured, levels, seconds, tick))
        runs += asyncio.run(load_runs(server, "structured", structured, levels, seconds, tick))
        utterances = [line for lines in free_text_lines(domain) for line in lines]
        slices = {}
        for level in levels:
            runs += asyncio.run(load_runs(server, "free_text", texts, [level], seconds, tick))
            slices[level] = nlu_alone(understander, utterances, seconds)
            tick()
    nlu = ceiling(slices)
    alone = in_process(domain, models, folder, seconds)
    tick()
    return {"benchmark": "grpc", "domain": domain.name, "seconds": seconds, "server_workers": workers,
            "server_nlu_batch": nlu_batch or MOST, "cpus": os.cpu_count(),
            "response_bytes": len(response.read_bytes()), "runs": runs, "nlu_alone": nlu, "in_process": alone,
            "ratios": compare(runs, nlu, alone), "targets": TARGETS}

