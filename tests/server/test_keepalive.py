"""Keepalive on a real server: a client that stops answering loses its stream; clients may ping as often as the
server allows, and no more often."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time

import pytest

from dialogue import wire
from dialogue.client import KEEPALIVE_S, Client, ServerError
from dialogue.dm.sql import MemoryStore
from dialogue.engine import Engine
from dialogue.server.app import Options
from dialogue.v1 import dialogue_pb2 as pb

FROZEN_CLIENT = """
import queue, sys
from dialogue import wire
from dialogue.client import Client
from dialogue.v1 import dialogue_pb2 as pb

requests = queue.Queue()
requests.put(pb.ConverseRequest(turn=wire.turn_request("restaurant", "call", "/greet")))
with Client(sys.argv[1], keepalive=None) as client:  # only the server pings
    for event in client.converse(iter(requests.get, None)):
        if event.WhichOneof("event") == "result":
            print("answered", flush=True)
"""


def streams_ended(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("event") == "stream"]


def test_the_stream_of_a_client_that_stops_answering_pings_ends(serve, restaurant, server_log) -> None:
    running = serve([Engine(restaurant, store=MemoryStore())], keepalive_s=1, keepalive_timeout_s=1)
    client = subprocess.Popen([sys.executable, "-c", FROZEN_CLIENT, running.target], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert client.stdout.readline().strip() == "answered"
        time.sleep(3)  # pinged every second and answering: the idle stream stays open
        assert streams_ended(server_log()) == []
        os.kill(client.pid, signal.SIGSTOP)  # the process still holds its connection, but answers nothing
        stopped, ended = time.monotonic(), []
        while not ended and time.monotonic() - stopped < 15:
            time.sleep(0.1)
            ended = streams_ended(server_log())
        waited = time.monotonic() - stopped
    finally:
        client.kill()
        client.wait(10)
    assert ended, "the server kept the frozen client's stream open for 15 s"
    # gRPC tells the server of the lost connection as a cancelled call, or, as often as 1 run in 4 here, as the
    # end of the requests (a read of the closed connection ends the stream like the client's own half-close)
    assert ended[0]["code"] in ("CANCELLED", "OK") and ended[0]["turns"] == 1
    assert waited < 6, f"a ping every 1 s, answered within 1 s, yet the stream ended {waited:.1f} s later"


def idle_stream(target: str, seconds: float) -> str:
    """Open a stream with the client pinging every second, leave it quiet for `seconds`, then send another turn:
    'answered', or the status the stream ended with."""
    requests: queue.Queue[pb.ConverseRequest | None] = queue.Queue()
    requests.put(pb.ConverseRequest(turn=wire.turn_request("restaurant", "idle", "/greet")))
    with Client(target, keepalive=1) as client:
        events = client.converse(iter(requests.get, None))
        try:
            while next(events).WhichOneof("event") != "result":
                pass
            time.sleep(seconds)
            requests.put(pb.ConverseRequest(turn=wire.turn_request("restaurant", "idle", "/goodbye")))
            while next(events).WhichOneof("event") != "result":
                pass
            return "answered"
        except ServerError as err:
            return err.code.name
        finally:
            requests.put(None)


@pytest.mark.parametrize(("client_ping_s", "outcome"), [(0.5, "answered"), (10.0, "UNAVAILABLE")])
def test_clients_may_ping_as_often_as_the_server_allows(serve, restaurant, client_ping_s, outcome) -> None:
    """Pings more often than allowed are strikes; the third closes the connection (gRPC's default strikes)."""
    running = serve([Engine(restaurant, store=MemoryStore())], client_ping_s=client_ping_s)
    assert idle_stream(running.target, 6) == outcome


def test_the_python_clients_ping_no_more_often_than_a_server_allows_by_default() -> None:
    assert Options().client_ping_s <= KEEPALIVE_S
    with Client("127.0.0.1:1") as client:
        assert ("grpc.keepalive_time_ms", round(KEEPALIVE_S * 1000)) in client.connection.settings
