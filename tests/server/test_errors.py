"""Every status code the server answers with, each for a real reason, and never a traceback."""

from __future__ import annotations

import threading

import grpc
import pytest
import sqlalchemy as sa

from dialogue.client import Client, ServerError
from dialogue.dm.sql import SqlStore
from dialogue.engine import Engine
from dialogue.turns import InputError, UserInput
from dialogue.v1 import dialogue_pb2 as pb
from tests.server.conftest import GatedStore
from tests.server.proxy import Proxy

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def raw(target: str, method: str, payload: bytes) -> grpc.RpcError:
    """Send bytes as they are to a method; the error it answers with."""
    with grpc.insecure_channel(target) as channel, pytest.raises(grpc.RpcError) as failure:
        channel.unary_unary(f"/dialogue.v1.DialogueService/{method}")(payload, timeout=10)
    return failure.value


@pytest.mark.parametrize(("request_", "message"), [
    (pb.TurnRequest(domain="restaurant", session_id="s"), "input: give one of text, intent or event"),
    (pb.TurnRequest(domain="restaurant", text="hi"), "session_id: give a session id of 1 to 200 characters"),
    (pb.TurnRequest(domain="restaurant", session_id="s" * 201, text="hi"), "session_id: give a session id"),
    (pb.TurnRequest(session_id="s", text="hi"), "domain: give the domain: restaurant"),
    (pb.TurnRequest(domain="restaurant", session_id="s", intent=pb.Intent(name="fly")), "intent: unknown intent 'fly'"),
    (pb.TurnRequest(domain="restaurant", session_id="s", intent=pb.Intent()), "intent.name: give the intent's name"),
    (pb.TurnRequest(domain="restaurant", session_id="s", event=pb.Event()), "event.type: give the event's type"),
    (pb.TurnRequest(domain="restaurant", session_id="s", event=pb.Event(type=pb.Event.TYPE_DTMF)), "event.digits"),
    (pb.TurnRequest(domain="restaurant", session_id="s", event=pb.Event(type=pb.Event.TYPE_DTMF, digits="1x")),
     "digits: DTMF digits are 0-9, * and #"),
    (pb.TurnRequest(domain="restaurant", session_id="s", channel=7, text="hi"), "channel: unknown channel 7"),
    (pb.TurnRequest(domain="restaurant", session_id="s", text="hello"), "text: free text needs a trained NLU model"),
    (pb.TurnRequest(domain="restaurant", session_id="s", text="/book_table{oops"), "text:"),
    (pb.TurnRequest(domain="restaurant", session_id="s", turn_id="t" * 201, text="hi"), "turn_id:"),
])
def test_invalid_arguments_name_the_field(serve, restaurant, request_, message) -> None:
    running = serve([Engine(restaurant)])
    failure = raw(running.target, "SendTurn", request_.SerializeToString())
    assert failure.code() is INVALID and failure.details().startswith(message)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"\xff\xff\xff\xff", "Wire format was corrupt"),
    (pb.TurnRequest(domain="restaurant", text="hi").SerializeToString() + b"\x12\x02\xc3\x28",  # field 2, bad UTF-8
     "String field had bad UTF-8"),
])
def test_bytes_that_are_not_a_request_are_invalid_arguments(serve, restaurant, payload, reason) -> None:
    running = serve([Engine(restaurant)])
    for method, message in (("SendTurn", "TurnRequest"), ("Parse", "ParseRequest"),
                            ("GetSession", "GetSessionRequest"), ("ResetSession", "ResetSessionRequest")):
        failure = raw(running.target, method, payload)
        assert failure.code() is INVALID
        assert failure.details() == f"request: not a valid dialogue.v1.{message} message ({reason})"


def test_the_client_raises_input_errors_with_their_field(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    with Client(running.target) as client, pytest.raises(InputError) as failure:
        client.turn("restaurant", "s1", UserInput(event="dtmf", digits="12a"))
    assert failure.value.field == "digits"


def test_unknown_domains_and_sessions_are_not_found(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])
    with Client(running.target) as client:
        for call in (lambda: client.turn("pizza", "s1", "/greet"), lambda: client.parse("pizza", "hi"),
                     lambda: client.session("pizza", "s1")):
            with pytest.raises(ServerError) as failure:
                call()
            assert failure.value.code is grpc.StatusCode.NOT_FOUND
            assert "domain 'pizza' is not served here; served: restaurant" in str(failure.value)
        for call in (client.session, client.reset):
            with pytest.raises(ServerError) as failure:
                call("restaurant", "never-seen")
            assert failure.value.code is grpc.StatusCode.NOT_FOUND and "no session 'never-seen'" in str(failure.value)


def test_oversized_requests_and_too_many_calls_exhaust_resources(serve, restaurant) -> None:
    store = GatedStore()
    running = serve([Engine(restaurant, store=store)], max_message_bytes=4096, max_calls=1)
    with Client(running.target) as client:
        with pytest.raises(ServerError) as failure:
            client.turn("restaurant", "s1", "x" * 5000)
        assert failure.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
        in_flight = threading.Thread(target=client.turn, args=("restaurant", "s1", "/greet"))
        in_flight.start()
        assert store.arrived.acquire(timeout=10)
        with pytest.raises(ServerError) as failure:
            client.turn("restaurant", "s2", "/greet")
        assert failure.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED
        store.gate.set()
        in_flight.join(10)
        assert client.turn("restaurant", "s2", "/greet").turn == 1


def test_a_turn_whose_deadline_passes_while_it_waits_never_runs(serve, restaurant) -> None:
    store = GatedStore()
    engine = Engine(restaurant, store=store)
    running = serve([engine], workers=1)
    with Client(running.target) as client:
        in_flight = threading.Thread(target=client.turn, args=("restaurant", "busy", "/greet"))
        in_flight.start()
        assert store.arrived.acquire(timeout=10)  # the only worker is busy
        with pytest.raises(ServerError) as failure:
            client.turn("restaurant", "late", "/greet", timeout=0.3)
        assert failure.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
        store.gate.set()
        in_flight.join(10)
        assert client.turn("restaurant", "after", "/greet").turn == 1  # the worker is free again
    assert store.load("restaurant", "late") is None and store.load("restaurant", "busy").turn == 1


def test_a_database_that_goes_down_is_unavailable_until_it_is_back(serve, restaurant, postgres_url) -> None:
    url = sa.make_url(postgres_url)
    proxy = Proxy((url.host, url.port or 5432))
    store = SqlStore(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    running = serve([Engine(restaurant, store=store)])
    with Client(running.target) as client:
        assert client.turn("restaurant", "s1", "/book_table").turn == 1
        proxy.close()
        for _ in range(2):
            with pytest.raises(ServerError) as failure:
                client.turn("restaurant", "s1", '/inform{"party_size": 2}')
            assert failure.value.code is grpc.StatusCode.UNAVAILABLE
            assert "the database is unavailable" in str(failure.value) and "postgres" not in str(failure.value)
        proxy = Proxy((url.host, url.port or 5432), port=proxy.port)
        assert client.turn("restaurant", "s1", '/inform{"party_size": 2}').turn == 2  # nothing of the failed turns
    proxy.close()
    store.close()


class Broken:
    """An NLU with a bug."""

    def parse(self, text, *, now, expecting=None):
        raise RuntimeError("bug in /srv/app/secret.py")


def test_a_bug_is_internal_with_a_reference_and_no_traceback(serve, restaurant, server_log) -> None:
    running = serve([Engine(restaurant, nlu=Broken())])
    with Client(running.target) as client, pytest.raises(ServerError) as failure:
        client.turn("restaurant", "s1", "hello")
    details = str(failure.value)
    assert failure.value.code is grpc.StatusCode.INTERNAL and "the server's log has the details" in details
    assert "Traceback" not in details and "secret" not in details and "RuntimeError" not in details
    reference = details.split("internal error ")[1].split(";")[0]
    logged = next(line for line in server_log() if line.get("reference") == reference)
    assert "RuntimeError: bug in /srv/app/secret.py" in logged["traceback"]
