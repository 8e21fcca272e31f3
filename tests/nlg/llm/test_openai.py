"""The OpenAI-compatible backend against a real server (`transformers serve` with SmolLM2), and against
a dead port and a server that answers garbage. The budget test comes last: the server finishes the
generations it was left with, which would hold up the tests after it."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time

import pytest

from dialogue.dm.sql import LlmCache
from dialogue.nlg.assist import LlmAssist
from dialogue.nlg.llm import Budgeted, ChatRequest, LlmError, LlmMalformed, LlmTimeout, LlmUnavailable
from dialogue.nlg.llm.openai import OpenAIBackend
from tests.nlg.llm.conftest import free_port

HELLO = ChatRequest([{"role": "user", "content": "Say hello."}], max_tokens=6)


@pytest.fixture(scope="module")
def backend(openai_server, smollm2):
    opened = Budgeted(OpenAIBackend(openai_server, str(smollm2)))
    yield opened
    opened.close()


def test_complete_and_stream_answer_over_one_reused_connection(backend) -> None:
    answer = backend.complete(HELLO, deadline=time.monotonic() + 60)
    pieces = list(backend.stream(HELLO, deadline=time.monotonic() + 60))
    assert answer.strip() and len(pieces) > 1 and "".join(pieces).strip()
    pool = backend.backend.client._transport._pool
    assert len(pool.connections) == 1  # both calls went over the same kept-alive connection


def test_repeated_prompts_are_answered_from_the_cache(backend) -> None:
    from dialogue.domains.schema import Domain

    domain = Domain.model_validate({"version": 1, "name": "n", "nlg": {"rephrase": True, "llm": {"max_tokens": 8}}})
    assist = LlmAssist(domain, backend, LlmCache.in_memory())
    first = assist.rephrase("Hello there.", [], pii=[], deadline=time.monotonic() + 60)
    started = time.monotonic()
    second = assist.rephrase("Hello there.", [], pii=[], deadline=time.monotonic() + 60)
    assert not first.cached and second.cached and time.monotonic() - started < 0.1
    assert first.text == second.text  # the same answer (or the same refusal: None) without asking the server


def test_a_server_that_is_down_is_unavailable_at_once() -> None:
    down = Budgeted(OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "m"))
    started = time.monotonic()
    with pytest.raises(LlmUnavailable, match="cannot reach the LLM server"):
        down.complete(HELLO, deadline=started + 5)
    with pytest.raises(LlmUnavailable):
        list(down.stream(HELLO, deadline=started + 5))
    assert time.monotonic() - started < 1


class Garbage(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the body its path's last part names."""

    bodies = {
        "not-json": (200, b"<html>hello</html>"),
        "no-choices": (200, b'{"object": "chat.completion", "choices": []}'),
        "not-text": (200, b'{"choices": [{"message": {"content": 42}}]}'),
        "error": (500, b'{"error": "model exploded"}'),
        "bad-stream": (200, b'data: {"choices": [{"delta": {"content": "hi"}}]}\n\nthis is not an event\n\n'),
        "cut-stream": (200, b'data: {"choices": [{"delta": {"content": "hi"}}]}\n\n'),
        "hang": (200, b'{"choices": [{"message": {"content": "too late"}}]}'),
    }

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path.startswith("/hang/"):
            time.sleep(3)  # accepts the call, then says nothing
        status, body = self.bodies[self.path.split("/")[1]]
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the "hang" caller gave up at its deadline, as it should
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def garbage_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(("path", "error", "message"), [
    ("not-json", LlmMalformed, "not JSON"), ("no-choices", LlmMalformed, "without choices"),
    ("not-text", LlmMalformed, "not text"), ("error", LlmError, "HTTP 500"),
])
def test_malformed_answers_are_clear_errors(garbage_url, path, error, message) -> None:
    with pytest.raises(error, match=message):
        Budgeted(OpenAIBackend(f"{garbage_url}/{path}", "m")).complete(HELLO, deadline=time.monotonic() + 5)


@pytest.mark.parametrize(("path", "message"), [("bad-stream", "not an event"),
                                               ("cut-stream", r"without \[DONE\] or a finish_reason")])
def test_malformed_streams_are_clear_errors(garbage_url, path, message) -> None:
    with pytest.raises(LlmMalformed, match=message):
        list(Budgeted(OpenAIBackend(f"{garbage_url}/{path}", "m")).stream(HELLO, deadline=time.monotonic() + 5))


def test_a_server_that_never_answers_costs_the_budget_and_no_more(garbage_url) -> None:
    hanging = Budgeted(OpenAIBackend(f"{garbage_url}/hang", "m"))
    for call in (hanging.complete, lambda r, deadline: list(hanging.stream(r, deadline=deadline))):
        started = time.monotonic()
        with pytest.raises(LlmTimeout):
            call(HELLO, deadline=started + 0.2)
        assert time.monotonic() - started < 0.2 + 0.02


def test_the_engine_rephrases_through_the_server_and_caches_the_answer(backend, write_domain) -> None:
    from dialogue.domains import load_domain
    from dialogue.engine import Engine

    domain = load_domain(write_domain("""
        version: 1
        name: hello
        intents: {greet: [hi]}
        responses: {greet: "Hello! We are open from 09:00 to 17:00."}
        nlg: {rephrase: true, llm: {max_tokens: 24, timeout_ms: 60000}}
    """))
    engine = Engine(domain, llm=backend)
    first = engine.handle("a", "/greet")
    again = engine.handle("b", "/greet")
    [message], [repeated] = first.messages, again.messages
    if message.source == "llm":  # accepted only with both times kept
        assert "09:00" in message.text and "17:00" in message.text
    else:
        assert message.text == "Hello! We are open from 09:00 to 17:00." and message.note
    assert (repeated.text, repeated.source) == (message.text, message.source)
    assert again.latency_ms["nlg"] < 50 <= first.latency_ms["nlg"]  # the second came from the cache


def test_a_budget_shorter_than_the_model_needs_expires_on_time(backend) -> None:
    # 16 tokens take seconds on a CPU; few enough that the server, which finishes what it started, is soon free
    long = ChatRequest([{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=16)
    for call in (backend.complete, lambda r, deadline: list(backend.stream(r, deadline=deadline))):
        started = time.monotonic()
        with pytest.raises(LlmTimeout):
            call(long, deadline=started + 0.2)
        assert time.monotonic() - started < 0.2 + 0.05
