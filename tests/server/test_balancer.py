"""Three `dialogue serve` processes on one PostgreSQL database behind HAProxy, run on the shipped
examples/deploy/haproxy.cfg (only its addresses come from the environment): a server killed with SIGKILL
under load costs no acknowledged turn, a server told to drain is taken out by the gRPC health check, and every
session's event log replays to its stored state (docs/deployment.md)."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2

from dialogue import wire
from dialogue.client import AsyncClient, Client, ServerError
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.server.handlers import SERVICE
from dialogue.server.process import ServerProcess
from dialogue.turns import TurnResult, UserInput
from tests.dialogue.test_store_processes import check_log, counter_file  # noqa: F401 (a fixture)
from tests.dialogue.turn_server import add
from tests.nlg.llm.conftest import free_port
from tests.server.conftest import Running
from tests.server.streams import Stream

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "deploy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
SERVERS = ("s1", "s2", "s3")
"""The servers of the config's backend."""
DELAYED = "s3"
DRAIN_DELAY_S = 2.5
"""The server started with `--drain-delay`: longer than the config's checks take to see it NOT_SERVING (two
failures, 250 ms apart once the first fails, after at most a second)."""
SESSIONS = 64
RETRIED = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN}
"""What a client retries, with the same turn_id: the call did not reach a server that could take it (CANCELLED: it
reached a server as it stopped taking calls, docs/grpc.md; UNKNOWN "Stream removed": the balancer cut an answer
off, its server's connection closed under it)."""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(HAPROXY is None, reason="the balancer tests need HAProxy (Debian's `haproxy` "
                                                         "package; .ci/run installs it)")]


class Balancer:
    """HAProxy in the foreground on the shipped config, its addresses given through the environment; its runtime
    API on a socket in `folder`."""

    def __init__(self, servers: list[str], folder: Path):
        self.target = f"127.0.0.1:{free_port()}"
        self.admin = folder / "haproxy.sock"
        self.log = folder / "haproxy.log"
        environ = {**os.environ, "DIALOGUE_LB_BIND": self.target, "DIALOGUE_LB_ADMIN": str(self.admin),
                   **{f"DIALOGUE_SERVER_{number}": server for number, server in enumerate(servers, 1)}}
        with self.log.open("w", encoding="utf-8") as sink:
            self.process = subprocess.Popen([HAPROXY, "-f", str(CONFIG), "-db"], env=environ, stdin=subprocess.DEVNULL,
                                            stdout=sink, stderr=subprocess.STDOUT)

    def command(self, line: str) -> str:
        """A command of HAProxy's runtime API, and its answer."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(self.admin))
            connection.sendall(line.encode() + b"\n")
            return b"".join(iter(lambda: connection.recv(65536), b"")).decode()

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` of the backend's servers, by name (status UP, DOWN, ...; wredis: requests sent again to
        another server; last_chk: what the last health check found)."""
        rows = csv.DictReader(io.StringIO(self.command("show stat").removeprefix("# ")))
        return {row["svname"]: row for row in rows if row["pxname"] == "dialogue"}

    def wait(self, timeout: float = 30, field: str = "status", **values: str) -> float:
        """Wait until each named server's `show stat` field has its value (s1="DOWN"); the seconds it took."""
        started = time.monotonic()
        while True:
            assert self.process.poll() is None, self.log.read_text(encoding="utf-8")
            try:
                stats = self.stats()
            except (FileNotFoundError, ConnectionRefusedError):  # not listening yet
                stats = {}
            if stats and all(stats[name][field] == value for name, value in values.items()):
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, f"{field} {values} not reached: {stats}"
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Load:
    """SESSIONS sessions of `add` turns through the balancer, one turn of a session at a time, each retried with
    its turn_id until it is answered; in a thread of its own, until the context ends (the turns under way are
    finished first)."""

    def __init__(self, target: str):
        self.target = target
        self.acknowledged: dict[str, tuple[str, int, int]] = {}
        """turn_id -> the session, the turn's number and the total the answer gave."""
        self.added: dict[str, list[int]] = defaultdict(list)
        """Each session's numbers, in the order they were acknowledged."""
        self.retried: list[tuple[float, str]] = []
        """The calls retried: when (time.monotonic()) and their status code."""
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._run(),))
        self.failure: Exception | None = None

    def __enter__(self) -> Load:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join(60)
        assert not self.thread.is_alive(), "the sessions did not finish their turns"
        if self.failure is not None:
            raise self.failure

    def wait(self, turns: int, timeout: float = 60) -> None:
        """Until `turns` turns in all have been acknowledged."""
        until = time.monotonic() + timeout
        while len(self.acknowledged) < turns:
            assert self.failure is None and self.thread.is_alive(), f"the load failed: {self.failure!r}"
            assert time.monotonic() < until, f"{len(self.acknowledged)} turns acknowledged, not {turns}"
            time.sleep(0.02)

    async def _run(self) -> None:
        clients = [AsyncClient(self.target, timeout=10) for _ in range(4)]  # four connections to the balancer
        try:
            await asyncio.gather(*(self._session(clients[index % 4], index) for index in range(SESSIONS)))
        except Exception as err:  # noqa: BLE001 (raised in the test's thread, by __exit__ or wait)
            self.failure = err
        finally:
            for client in clients:
                await client.close()

    async def _session(self, client: AsyncClient, index: int) -> None:
        session, numbers = f"session-{index}", random.Random(index)
        for number in itertools.count():
            if self.stopping.is_set():
                return
            n = numbers.randint(1, 9)
            turn_id = f"{session}-{number}"
            result = await self._answered(client, session, add(n, turn_id), user_id=f"user-{index}")
            self.acknowledged[turn_id] = (session, result.turn, result.state.slots["total"])
            self.added[session].append(n)

    async def _answered(self, client: AsyncClient, session: str, given: UserInput, user_id: str) -> TurnResult:
        until = time.monotonic() + 30
        while True:
            try:
                return await client.turn("counter", session, given, user_id=user_id)
            except ServerError as err:
                cut = err.code is not grpc.StatusCode.UNKNOWN or "Stream removed" in str(err)
                if err.code not in RETRIED or not cut or time.monotonic() > until:
                    raise
                self.retried.append((time.monotonic(), err.code.name))
            await asyncio.sleep(0.05)


class Cluster:
    """Three servers of the counter domain (structured turns, no model) on one PostgreSQL schema, behind the
    balancer."""

    def __init__(self, url: str, domain_file: Path, folder: Path):
        self.url, self.domain_file = url, domain_file
        (folder / "no-models").mkdir()

        def start(name: str) -> ServerProcess:
            delay = ["--drain-delay", str(DRAIN_DELAY_S)] if name == DELAYED else []
            return ServerProcess.dialogue([str(domain_file)], folder / f"{name}.log", "--db", url, "--models",
                                          str(folder / "no-models"), *delay)

        with ThreadPoolExecutor(len(SERVERS)) as starting:
            self.servers = dict(zip(SERVERS, starting.map(start, SERVERS)))
        self.balancer = Balancer([server.target for server in self.servers.values()], folder)
        self.balancer.wait(**dict.fromkeys(SERVERS, "UP"))

    def answered_by(self, name: str) -> list[dict]:
        """The turns a server logged as answered."""
        return [line for line in self.servers[name].lines() if line["event"] == "call" and line["code"] == "OK"]

    def check(self, load: Load) -> None:
        """Every session's log replays to its stored state, and the store holds exactly the acknowledged turns,
        each once, with the answers the clients got."""
        sessions = check_log(self.url, self.domain_file)
        stored = {turn["turn_id"]: (session_id, turn["turn"], turn["answer"]["state"]["slots"]["total"])
                  for session_id, session in sessions.items() for turn in session["turns"]}
        assert len(stored) == len(load.acknowledged) and stored == load.acknowledged
        assert len(sessions) == SESSIONS
        for session_id, session in sessions.items():
            assert session["state"]["slots"]["total"] == sum(load.added[session_id])

    def close(self) -> None:
        self.balancer.stop()
        for server in self.servers.values():
            server.stop()


@pytest.fixture
def cluster(postgres_url: str, counter_file: Path, tmp_path: Path) -> Iterator[Cluster]:  # noqa: F811
    running = Cluster(postgres_url, counter_file, tmp_path)
    try:
        yield running
    finally:
        running.close()


def test_a_server_killed_under_load_costs_no_acknowledged_turn(cluster: Cluster) -> None:
    """SIGKILL mid-load: the balancer sends the killed server's unanswered calls to the others (the same turn_id
    inside), the check takes it out, and the store holds exactly the acknowledged turns, each once."""
    with Load(cluster.balancer.target) as load:
        load.wait(400)
        assert all(cluster.answered_by(name) for name in SERVERS)  # the balancer spreads the sessions
        cluster.servers["s1"].process.kill()
        assert cluster.servers["s1"].process.wait(10) == -signal.SIGKILL
        killed_at = len(load.acknowledged)
        cluster.balancer.wait(s1="DOWN", timeout=10)
        load.wait(killed_at + 600)
    # The killed server's turns in flight, and the calls sent to it until the check took it out, were sent again:
    # by the balancer, to another server, or by the clients.
    resent = int(cluster.balancer.stats()["s1"]["wredis"])
    assert resent + len(load.retried) > 0
    assert {code for _, code in load.retried} <= {code.name for code in RETRIED}
    cluster.check(load)


def test_a_draining_server_is_taken_out_by_the_health_check(cluster: Cluster) -> None:
    """SIGTERM alone: the server stops listening at once, so the check fails and the balancer sends what it
    would have sent there elsewhere; only calls that reached it at that very moment fail (and are retried).
    With `--drain-delay`, it goes on serving while the check takes it out: no call fails at all."""
    with Load(cluster.balancer.target) as load:
        load.wait(400)
        cluster.servers["s2"].process.send_signal(signal.SIGTERM)
        assert cluster.balancer.wait(s2="DOWN", timeout=10) < 3
        taken_out = time.monotonic()
        assert cluster.servers["s2"].process.wait(30) == 0
        load.wait(len(load.acknowledged) + 300)
        retried = list(load.retried)
        assert len(retried) < SESSIONS and all(when < taken_out for when, _ in retried)

        answered_before = len(cluster.answered_by(DELAYED))
        cluster.servers[DELAYED].process.send_signal(signal.SIGTERM)
        assert cluster.balancer.wait(**{DELAYED: "DOWN"}, timeout=10) < DRAIN_DELAY_S  # while it still serves
        assert cluster.servers[DELAYED].process.wait(30) == 0
        assert load.retried == retried  # no call failed while it drained
        load.wait(len(load.acknowledged) + 300)
    delayed = cluster.servers[DELAYED].lines()
    stopping = [line["event"] for line in delayed].index("stopping")
    assert len(cluster.answered_by(DELAYED)) > answered_before  # it went on answering after SIGTERM
    for name in ("s2", DELAYED):
        lines = cluster.servers[name].lines()
        events = [line["event"] for line in lines]
        assert events[-1] == "stopped"
        finished = [line for line in lines[events.index("stopping"):] if line["event"] == "call"]
        assert {line["code"] for line in finished} <= {"OK"}  # the turns in flight at SIGTERM
    assert delayed[stopping]["drain_delay_s"] == DRAIN_DELAY_S
    cluster.check(load)


@pytest.fixture
def alone(serve, counter_file: Path, tmp_path: Path) -> Iterator[tuple[Running, Balancer]]:  # noqa: F811
    """One server of the counter domain in this process behind the balancer, whose two other servers' ports are
    closed."""
    running = serve([Engine(load_domain(counter_file))])
    balancer = Balancer([running.target, *(f"127.0.0.1:{free_port()}" for _ in range(2))], tmp_path)
    try:
        balancer.wait(s1="UP", s2="DOWN", s3="DOWN")
        yield running, balancer
    finally:
        balancer.stop()


def test_a_server_that_says_it_cannot_serve_is_taken_out(alone: tuple[Running, Balancer]) -> None:
    """The check reads the health status, not only the port: a server still listening but NOT_SERVING is taken
    out (the balancer refuses the calls it has nowhere to send: UNAVAILABLE), and comes back once SERVING."""
    running, balancer = alone

    def status(value: int) -> None:
        running.call(running.server.health.set(SERVICE.full_name, value))

    with Client(balancer.target, timeout=10) as client:
        assert client.turn("counter", "s", add(2, "t1")).state.slots["total"] == 2
        status(health_pb2.HealthCheckResponse.NOT_SERVING)
        balancer.wait(s1="DOWN", timeout=10)
        assert "not SERVING" in balancer.stats()["s1"]["last_chk"]
        with pytest.raises(ServerError) as refused:
            client.turn("counter", "s", add(3, "t2"))
        assert refused.value.code == grpc.StatusCode.UNAVAILABLE
        status(health_pb2.HealthCheckResponse.SERVING)
        balancer.wait(s1="UP", timeout=10)
        assert client.turn("counter", "s", add(3, "t2")).state.slots["total"] == 5


def test_a_stream_answers_each_turn_through_the_balancer(alone: tuple[Running, Balancer]) -> None:
    """A Converse stream (a phone call) through HAProxy: each turn's result arrives before the next is sent."""
    _running, balancer = alone

    async def call() -> list[int]:
        async with AsyncClient(balancer.target, timeout=10) as client:
            stream = Stream(client, domain="counter", session_id="call-1")
            totals = []
            for number, n in enumerate((2, 3, 4)):
                stream.send(f'/add{{"n": {n}}}', turn_id=f"call-1-{number}")
                events = await stream.answer()
                assert events[-1].WhichOneof("event") == "result"
                totals.append(wire.turn_result(events[-1].result).state.slots["total"])
            stream.close()
            assert await stream.rest() == []
            return totals

    assert asyncio.run(call()) == [2, 5, 9]
