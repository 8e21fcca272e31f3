"""`dialogue serve --processes N`: N real server processes on one port, one database, merged metrics."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dialogue.client import Client
from dialogue.server.process import ServerProcess
from dialogue.server.processes import hold_port
from tests.server.test_operations import metric_samples

BOOK = '/book_table{"party_size": 2}'
CUISINE = '/inform{"cuisine": "italian"}'


def start(tmp_path: Path, *options: str) -> ServerProcess:
    (tmp_path / "no-models").mkdir(exist_ok=True)  # structured turns only
    return ServerProcess.dialogue(["restaurant"], tmp_path / "server.log", "--processes", "2", "--db",
                                  f"sqlite:///{tmp_path / 'dialogue.db'}", "--models", str(tmp_path / "no-models"),
                                  *options)


def connected_pids(port: int, pids: list[int]) -> set[int]:
    """The processes among `pids` holding an established connection on the port."""
    return {pid for pid in pids for connection in psutil.Process(pid).net_connections("tcp")
            if connection.status == psutil.CONN_ESTABLISHED and connection.laddr.port == port}


def wait_for(check, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < until, "timed out"
        time.sleep(0.05)


def test_the_processes_share_the_port_the_database_and_the_metrics(tmp_path: Path) -> None:
    with start(tmp_path, "--metrics-port", "0") as server:
        serving = server.serving
        children = serving["pids"]
        assert serving["processes"] == 2 and len(set(children)) == 2 and serving["pid"] == server.process.pid
        started = [line for line in server.lines() if line["event"] == "process_serving"]
        assert sorted(line["process"] for line in started) == [0, 1]
        assert all(line["gc_frozen_objects"] > 10_000 for line in started)  # what was loaded, hidden from the gc
        clients = [Client(server.target, timeout=10) for _ in range(16)]
        try:
            for number, client in enumerate(clients):  # a channel each: a connection each
                assert client.turn("restaurant", f"s{number}", BOOK).state.requested_slot == "cuisine"
            assert connected_pids(server.port, children) == set(children)  # the kernel spread them
            for number, client in enumerate(reversed(clients)):  # each session's next turn on another connection
                result = client.turn("restaurant", f"s{number}", CUISINE)
                assert result.turn == 2 and result.state.slots["cuisine"] == "italian"
        finally:
            for client in clients:
                client.close()
        samples = metric_samples(serving["metrics_port"])
        assert samples[("dialogue_turns_total", (("domain", "restaurant"), ("method", "SendTurn")))] == 32
        assert samples[("dialogue_calls_in_flight", ())] == 0
        plain = socket.socket()
        with pytest.raises(OSError):  # the port is theirs alone
            plain.bind(("127.0.0.1", server.port))
        plain.close()
        other = subprocess.run([sys.executable, "-m", "dialogue", "serve", "restaurant", "--port", str(server.port),
                                "--processes", "2", "--db", f"sqlite:///{tmp_path / 'other.db'}"],
                               capture_output=True, text=True, timeout=120)
        assert other.returncode == 1
        assert f"cannot listen on 127.0.0.1:{server.port}" in other.stderr and "Traceback" not in other.stderr
        assert server.stop() == 0
        assert [line["event"] for line in server.lines()][-1] == "stopped"
        assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                       for pid in children)


def test_a_process_that_dies_is_replaced_and_the_sessions_go_on(tmp_path: Path) -> None:
    with start(tmp_path) as server, Client(server.target, timeout=10) as client:
        assert client.turn("restaurant", "kept", BOOK).turn == 1
        victim = server.serving["pids"][0]
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: any(line["event"] == "process_died" for line in server.lines()))
        died = next(line for line in server.lines() if line["event"] == "process_died")
        assert died["pid"] == victim and died["exit_code"] == -signal.SIGKILL
        wait_for(lambda: sum(line["event"] == "process_serving" for line in server.lines()) == 3)
        replacement = [line for line in server.lines() if line["event"] == "process_serving"][-1]
        assert replacement["process"] == died["process"] and replacement["pid"] != victim
        result = client.turn("restaurant", "kept", CUISINE)  # reconnects if its connection was the victim's
        assert result.turn == 2 and result.state.slots == {"party_size": 2, "cuisine": "italian"}


def test_the_processes_stop_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    server = start(tmp_path)
    children = [psutil.Process(pid) for pid in server.serving["pids"]]
    server.process.kill()
    server.process.wait()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive and len(gone) == 2
    stopped = [line for line in server.lines() if line["event"] == "supervisor_gone"]
    assert len(stopped) == 2


def test_a_database_in_memory_cannot_be_shared(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "dialogue", "serve", "restaurant", "--processes", "2", "--db",
                           "sqlite://"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--processes needs a database they can share" in done.stderr


def test_the_held_port_takes_sharing_sockets_only() -> None:
    held, port = hold_port("127.0.0.1", 0)
    try:
        with pytest.raises(RuntimeError, match=f"cannot bind 127.0.0.1:{port}"):
            hold_port("127.0.0.1", port)
        sharing = socket.socket()
        sharing.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sharing.bind(("127.0.0.1", port))
        sharing.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            accepted, _ = sharing.accept()  # the held socket never listens: every connection is a child's
            accepted.close()
        sharing.close()
    finally:
        for sock in held:
            sock.close()

