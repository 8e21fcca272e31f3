"""2,000 generated requests (random strings, invalid UTF-8, huge and missing fields, values nested deep, numbers
too large for a double, control characters, bytes that are no message at all) get only the status codes the API
defines, and the server goes on serving; a retried turn id gets the saved answer, or the same refusal."""

from __future__ import annotations

import json
from collections import Counter

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.client import Client
from dialogue.dm.sql import SqlStore
from dialogue.engine import Engine
from dialogue.nlu.understander import Understander
from dialogue.v1 import dialogue_pb2 as pb

pytestmark = pytest.mark.slow
DEFINED = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
           grpc.StatusCode.RESOURCE_EXHAUSTED}
MAX_MESSAGE = 64 * 1024
INTENTS = ["book_table", "inform", "affirm", "deny", "greet", "cancel", "nlu_fallback"]
SLOTS = ["cuisine", "party_size", "date", "time", "name", "phone"]

strings = st.one_of(st.sampled_from(["", "restaurant", "s1", "/greet", '/inform{"party_size": 4}']),
                    st.text(max_size=40), st.text(min_size=150, max_size=400))
huge = st.integers(20_000, 40_000).map(lambda n: "é" * n)  # 40 to 80 KB in UTF-8: some over the limit
def nested(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


hostile_values = st.one_of(  # JSON text for one value: what the independent attack on the server sent
    st.integers(2, 900).map(lambda depth: nested(depth, "")),
    st.integers(2, 900).map(lambda depth: nested(depth, '"x"')),
    st.integers(15, 500).map(lambda digits: "1" + "0" * digits),
    st.integers(15, 500).map(lambda digits: "-9" * digits),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", '"a\\u0007b"', '"\\u001b[31mred"', '"\\u0000"',
                     '"\\u0085"', '"tab\\tand\\nnewline"']),
    st.text(alphabet=st.characters(max_codepoint=0x9f), max_size=12).map(json.dumps),
)
hostile_text = st.tuples(st.sampled_from(["book_table", "inform"]), st.sampled_from(SLOTS),
                         hostile_values).map(lambda parts: f'/{parts[0]}{{"{parts[1]}": {parts[2]}}}')
deep_structs = st.integers(5, 30).map(lambda depth: json.loads(nested(depth, "1")))
json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers(-2**60, 2**60)
                           | st.text(max_size=30), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def mostly(usual, other, share: int = 8):
    """`usual` `share` times in ten, else `other`."""
    return st.integers(0, 9).flatmap(lambda n: usual if n < share else other)


@st.composite
def turn_requests(draw) -> pb.TurnRequest:
    request = pb.TurnRequest(domain=draw(mostly(st.sampled_from(["restaurant", "restaurant", "telco_ivr"]), strings)),
                             session_id=draw(mostly(st.sampled_from(["s1", "s2"]) | st.text(min_size=1, max_size=30),
                                                    strings)),
                             user_id=draw(mostly(st.text(max_size=40), strings)),
                             turn_id=draw(mostly(st.just("") | st.text(min_size=1, max_size=40), strings)),
                             channel=draw(mostly(st.sampled_from([0, 1, 2]), st.integers(0, 9))))
    kind = draw(mostly(st.sampled_from(["text", "intent", "intent", "event"]), st.just("none"), share=9))
    if kind == "text":
        request.text = draw(strings | huge | hostile_text | st.text(alphabet=st.characters(max_codepoint=0x9f))
                            | st.sampled_from(["a table for 4 tomorrow at 8pm", "yes", ""]))
    elif kind == "intent":
        request.intent.name = draw(st.sampled_from(INTENTS) | st.sampled_from(INTENTS) | strings)
        entities = draw(st.dictionaries(st.sampled_from(SLOTS) | st.text(max_size=10), json_values | deep_structs,
                                        max_size=4))
        request.intent.entities.update(entities)
    elif kind == "event":
        request.event.type = draw(mostly(st.sampled_from([1, 2, 3, 4]), st.integers(0, 9)))
        request.event.digits = draw(mostly(st.sampled_from(["", "1", "12#", "*0"]), strings))
    return request


def invalid_utf8(fields: list[int]):
    """A string field (by number) appended with bytes that are not UTF-8 (the last value of a field wins)."""
    return st.tuples(st.sampled_from(fields), st.binary(max_size=20)).map(
        lambda pair: bytes([pair[0] << 3 | 2, len(pair[1]) + 2]) + b"\xc3\x28" + pair[1])


def messages(message, fields):
    """Requests of other methods: their string fields at random, or as `fields` numbers with bad UTF-8."""
    made = st.builds(message, domain=strings | st.just("restaurant"), **fields)
    return made.map(lambda m: m.SerializeToString())


TURNS = st.tuples(st.just("SendTurn"), turn_requests().map(lambda r: r.SerializeToString()))
UNARY = st.one_of(
    TURNS, TURNS, TURNS,  # weighted: most calls are turns
    st.tuples(st.just("SendTurn"), st.tuples(turn_requests(), invalid_utf8([1, 2, 3, 4, 6])).map(
        lambda pair: pair[0].SerializeToString() + pair[1])),
    st.tuples(st.sampled_from(["SendTurn", "Parse", "GetSession", "ResetSession", "ListDomains"]),
              st.binary(max_size=300)),
    st.tuples(st.just("Parse"), messages(pb.ParseRequest, {"text": strings | huge})),
    st.tuples(st.sampled_from(["GetSession", "ResetSession"]),
              messages(pb.GetSessionRequest, {"session_id": strings | st.just("s1")})),
    st.tuples(st.sampled_from(["Parse", "GetSession", "ResetSession"]),
              st.tuples(messages(pb.ParseRequest, {}), invalid_utf8([1, 2])).map(lambda pair: pair[0] + pair[1])),
)
STREAMS = st.lists(st.one_of(turn_requests().map(lambda r: pb.ConverseRequest(turn=r).SerializeToString()),
                             st.binary(max_size=100)), min_size=1, max_size=4)


def test_fuzzed_requests_get_defined_codes_and_the_server_keeps_serving(serve, restaurant, telco, bundled_models,
                                                                         tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'fuzz.db'}")
    running = serve([Engine(restaurant, nlu=Understander.for_domain(restaurant, bundled_models), store=store),
                     Engine(telco, store=store)], max_message_bytes=MAX_MESSAGE)
    codes: Counter[str] = Counter()
    channel = grpc.insecure_channel(running.target)

    @settings(max_examples=1800, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(UNARY)
    def unary(call: tuple[str, bytes]) -> None:
        method, payload = call
        try:
            channel.unary_unary(f"/dialogue.v1.DialogueService/{method}")(payload, timeout=30)
            code = grpc.StatusCode.OK
        except grpc.RpcError as err:
            code = err.code()
            assert "Traceback" not in (err.details() or "")
        assert code in DEFINED, (method, code)
        codes[code.name] += 1

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(STREAMS)
    def streams(payloads: list[bytes]) -> None:
        try:
            for raw in channel.stream_stream("/dialogue.v1.DialogueService/Converse")(iter(payloads), timeout=30):
                event = pb.ConverseResponse.FromString(raw)
                assert event.WhichOneof("event") in ("chunk", "result", "cancelled", "error")
                if event.HasField("error"):
                    assert event.error.code in {code.value[0] for code in DEFINED}, event.error
            code = grpc.StatusCode.OK
        except grpc.RpcError as err:
            code = err.code()
        assert code in (grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED), code
        codes[f"Converse {code.name}"] += len(payloads)

    unary()
    streams()
    channel.close()
    assert sum(codes.values()) >= 2000
    assert {"OK", "INVALID_ARGUMENT", "NOT_FOUND", "RESOURCE_EXHAUSTED"} <= set(codes)  # each kind was reached
    with Client(running.target) as client:
        assert client.turn("restaurant", "after-the-fuzz", "a table for two please").understood.source == "nlu"


ATTACKS = [
    '/book_table{"party_size": 1' + "0" * 400 + "}",
    '/book_table{"name": 1' + "0" * 400 + "}",
    '/book_table{"name": ' + nested(50, "") + "}",
    '/book_table{"name": ' + nested(700, '"x"') + "}",
    '/book_table{"name": "Ana\\u0007\\u001bX"}',
    '/book_table{"party_size": NaN}',
    "hello\x07there\x1b[31m",
    '/book_table{"name": "Ana"}',
]


def test_the_attacks_reproductions_get_defined_codes_and_retries_the_saved_answer(serve, restaurant,
                                                                                    bundled_models, tmp_path) -> None:
    """The independent attack's inputs, each sent twice with one turn id: refused as INVALID_ARGUMENT (nothing kept)
    or answered, and the retry gets the same refusal or the saved answer."""
    store = SqlStore(f"sqlite:///{tmp_path / 'attack.db'}")
    running = serve([Engine(restaurant, nlu=Understander.for_domain(restaurant, bundled_models), store=store)])
    with Client(running.target) as client:
        for number, text in enumerate(ATTACKS):
            given = pb.TurnRequest(domain="restaurant", session_id=f"attack-{number}", turn_id="t1", text=text)
            answers = []
            for _ in range(2):
                try:
                    answers.append(client.stub.SendTurn(given, timeout=30))
                except grpc.RpcError as err:
                    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (text[:60], err.code(), err.details())
                    answers.append(err.details())
                    assert store.load("restaurant", f"attack-{number}") is None
            if isinstance(answers[0], str):
                assert answers[0] == answers[1], text[:60]
            else:
                assert answers[1].replayed and (answers[0].turn, answers[0].messages, answers[0].state) == (
                    answers[1].turn, answers[1].messages, answers[1].state), text[:60]
        plain = client.turn("restaurant", "attack-6", "hello\x07there\x1b[31m")
        assert plain.understood.text == "hello there [31m"
