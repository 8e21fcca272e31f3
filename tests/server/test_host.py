"""Where a served turn runs: the model on its domain's parse queue thread, the rest of understanding on the event
loop (an NLU that parses one text at a time: on a worker thread); answering on the event loop when nothing in it
can wait, else on a worker thread (an LLM, a store that waits, a session another turn holds)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from dialogue.client import Client
from dialogue.dm.sql import MemoryStore
from dialogue.domains import load_domain
from dialogue.domains.interpretation import Expectation, Interpretation
from dialogue.engine import Engine
from tests.dialogue.test_engine_llm import DOMAIN as LLM_DOMAIN
from tests.dialogue.test_engine_llm import booked
from tests.nlg.scripted import ScriptedBackend
from tests.server.test_batching import BatchingNlu

WORKER = "dialogue-turn"
"""The name prefix of the server's worker threads (dialogue.server.host)."""


class RecordingStore(MemoryStore):
    """Notes the thread each turn's transaction begins on."""

    def __init__(self, *, quick: bool = True):
        super().__init__()
        self.quick = quick
        self.threads: list[str] = []

    def begin(self, *args: Any, **options: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        return super().begin(*args, **options)


class GreetingNlu:
    """Understands every text as a greeting, and notes the thread it ran on."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        self.threads.append(threading.current_thread().name)
        return Interpretation(intent="greet", confidence=0.99, text=text, source="nlu")


def test_a_quick_turn_is_answered_on_the_event_loop(serve, restaurant) -> None:
    store = RecordingStore()
    running = serve([Engine(restaurant, store=store)])
    with Client(running.target) as client:
        assert client.turn("restaurant", "s1", "/greet").turn == 1
    assert store.threads == [running.thread.name]


def greeted(serve, restaurant, nlu: Any) -> Any:
    """A server whose restaurant engine has `nlu`, after a free-text turn, answered on the loop."""
    store = RecordingStore()
    running = serve([Engine(restaurant, store=store, nlu=nlu)])
    with Client(running.target) as client:
        assert client.turn("restaurant", "s1", "hello there").understood.intent == "greet"
    assert store.threads == [running.thread.name]
    return running


def test_free_text_is_understood_on_a_worker_then_answered_on_the_loop(serve, restaurant) -> None:
    nlu = GreetingNlu()
    greeted(serve, restaurant, nlu)
    assert [name.startswith(WORKER) for name in nlu.threads] == [True]


def test_a_batching_nlu_runs_only_its_model_off_the_loop(serve, restaurant) -> None:
    nlu = BatchingNlu()
    running = greeted(serve, restaurant, nlu)
    with Client(running.target) as client:
        assert client.parse("restaurant", "hi").intent == "greet"
    assert nlu.calls == [["hello there"], ["hi"]]
    assert nlu.threads["job"] == nlu.threads["finish"] == {running.thread.name}
    assert [name.startswith("dialogue-nlu-restaurant") for name in nlu.threads["infer"]] == [True]


def test_the_llms_rescue_of_a_parsed_text_runs_on_a_worker(serve, write_domain) -> None:
    nlu = BatchingNlu(intent="nlu_fallback")
    engine = Engine(load_domain(write_domain(LLM_DOMAIN)), nlu=nlu, llm=ScriptedBackend('{"intent": "book_table"}'))
    understood_on: list[str] = []
    understand = engine.understand

    def noting(*args: Any, **options: Any) -> Any:
        understood_on.append(threading.current_thread().name)
        return understand(*args, **options)

    engine.understand = noting  # type: ignore[method-assign]
    running = serve([engine])
    with Client(running.target) as client:
        understood = client.turn("booking", "s1", "could I maybe get a spot for dinner").understood
    assert (understood.intent, understood.source) == ("book_table", "llm")
    assert [name.startswith("dialogue-nlu-booking") for name in nlu.threads["infer"]] == [True]
    assert [name.startswith(WORKER) for name in understood_on] == [True]


def test_turns_that_may_wait_are_answered_on_workers(serve, restaurant, write_domain) -> None:
    waiting_store, llm_store = RecordingStore(quick=False), RecordingStore()
    with_llm = Engine(load_domain(write_domain(LLM_DOMAIN)), store=llm_store, llm=ScriptedBackend(booked))
    assert not with_llm.quick
    running = serve([Engine(restaurant, store=waiting_store), with_llm])
    with Client(running.target) as client:
        client.turn("restaurant", "s1", "/greet")
        client.turn("booking", "s1", "/book_table")
    assert [name.startswith(WORKER) for name in waiting_store.threads + llm_store.threads] == [True, True]


def test_a_turn_that_finds_the_store_taken_waits_for_it_on_a_worker(serve, restaurant) -> None:
    store = RecordingStore()
    running = serve([Engine(restaurant, store=store)])
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.begin("restaurant", "another-session", exclusive=True):  # holds the write lock throughout
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    threading.Timer(0.3, release.set).start()  # let the store go while the turn waits for it
    with Client(running.target) as client:
        assert client.turn("restaurant", "s1", "/greet").turn == 1
    holder.join(10)
    _holder, tried_on_loop, answered_on = store.threads
    assert tried_on_loop == running.thread.name and answered_on.startswith(WORKER)


def test_a_served_text_is_read_with_what_its_session_was_asked_which_only_a_worker_reads_from_the_store(
        serve, restaurant) -> None:
    nlu, asked_on = BatchingNlu(), []
    engine = Engine(restaurant, store=RecordingStore(), nlu=nlu)
    engine.handle("s1", "/book_table")
    engine.expectations = type(engine.expectations)()  # as if another server had run the session's turns
    expecting = engine.expecting

    def noting(session_id: str) -> Any:
        asked_on.append((threading.current_thread().name, engine.expectation_at_hand(session_id)))
        return expecting(session_id)

    engine.expecting = noting  # type: ignore[method-assign]
    running = serve([engine])
    with Client(running.target) as client:
        client.turn("restaurant", "s1", "thai food")
        client.turn("restaurant", "s1", "something else")
    asked = Expectation(kind="slot", slot="cuisine")
    assert nlu.expected == [[asked], [asked]]
    assert [(name.startswith(WORKER), known) for name, known in asked_on] == [(True, False), (False, True)]


def test_a_session_with_turns_waiting_is_answered_on_workers_and_leaves_the_loop_to_the_others(
        serve, restaurant) -> None:
    """A text of session `busy` stops in the NLU; a second turn of `busy` queues behind it, so `busy` has more than
    one turn in the server: the first is answered on a worker. A lone session's turn meanwhile, and `busy`'s second
    once it is alone again, are answered on the loop."""
    nlu = BatchingNlu()
    nlu.gate.clear()
    store = RecordingStore()
    running = serve([Engine(restaurant, store=store, nlu=nlu)])
    with Client(running.target) as client:
        first = running.submit(_turn(running.target, "busy", "hello there"))
        _wait_for(lambda: nlu.calls)
        second = running.submit(_turn(running.target, "busy", "/greet"))
        _wait_for(lambda: running.host.sessions.busy(("restaurant", "busy")))
        assert client.turn("restaurant", "alone", "/greet").turn == 1
        nlu.gate.set()
        assert (first.result(30), second.result(30)) == (1, 2)
    assert [name.startswith(WORKER) for name in store.threads] == [False, True, False]


def test_a_session_sending_more_turns_a_second_than_a_person_could_is_answered_on_workers(serve, restaurant) -> None:
    """With at most 3 turns a second (on a pinned clock), a session's 4th and 5th turns in that second are answered
    on workers, another session's on the loop; in the next second the session is back on the loop."""
    from dialogue.server.host import _SessionQueue

    now = [100.0]
    store = RecordingStore()
    running = serve([Engine(restaurant, store=store)])
    running.host.sessions = _SessionQueue(busy_turns=3, clock=lambda: now[0])
    with Client(running.target) as client:
        for _ in range(5):
            client.turn("restaurant", "fast", "/greet")
        client.turn("restaurant", "other", "/greet")
        now[0] += 1
        client.turn("restaurant", "fast", "/greet")
    assert [name.startswith(WORKER) for name in store.threads] == [False, False, False, True, True, False, False]


async def _turn(target: str, session_id: str, text: str) -> int:
    from dialogue.client import AsyncClient

    async with AsyncClient(target) as client:
        return (await client.turn("restaurant", session_id, text, timeout=30)).turn


def _wait_for(condition: Any, seconds: float = 10) -> None:
    import time

    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, "the server never got there"
        time.sleep(0.01)


def test_a_turn_beyond_the_bound_waits_for_room_then_runs(serve, restaurant) -> None:
    """The session's 9th turn waits while 8 are in the server; when the first is answered it gets in and runs."""
    import asyncio

    from dialogue.client import AsyncClient
    from dialogue.server.host import SESSION_TURNS
    from tests.server.conftest import GatedStore

    store = GatedStore()
    running = serve([Engine(restaurant, store=store)], workers=4)

    async def queued() -> list[int]:
        async with AsyncClient(running.target) as client:
            first = asyncio.ensure_future(client.turn("restaurant", "s", "/greet", timeout=30))
            assert await asyncio.to_thread(store.arrived.acquire, timeout=10)
            rest = [asyncio.ensure_future(client.turn("restaurant", "s", "/greet", timeout=30))
                    for _ in range(SESSION_TURNS)]
            await asyncio.sleep(0.3)
            assert not any(turn.done() for turn in rest)  # the one beyond the bound waits, it is not refused
            store.gate.set()
            return [answer.turn for answer in await asyncio.gather(first, *rest)]

    assert sorted(asyncio.run(queued())) == list(range(1, SESSION_TURNS + 2))


def test_a_session_may_have_a_bounded_number_of_turns_in_the_server(serve, restaurant) -> None:
    """20 turns of one session at once: the first holds the session (stopped just before it commits), 7 wait for
    their turn on the loop, and the other 12 wait for room SESSION_WAIT_S and are then refused with
    RESOURCE_EXHAUSTED; the 8 are then answered in order, another session is served meanwhile, and 8 more of the
    session at once are all answered."""
    import asyncio
    import time

    import grpc

    from dialogue.client import AsyncClient, ServerError
    from dialogue.server.host import SESSION_TURNS, SESSION_WAIT_S
    from tests.server.conftest import GatedStore

    store = GatedStore()
    running = serve([Engine(restaurant, store=store)], workers=4)

    async def flood() -> tuple[list, object]:
        async with AsyncClient(running.target) as client:
            async def one(number: int) -> object:
                try:
                    return await client.turn("restaurant", "flood", "/greet", timeout=30)
                except ServerError as err:
                    return err.code

            first = asyncio.ensure_future(one(0))
            assert await asyncio.to_thread(store.arrived.acquire, timeout=10)  # it holds the session
            rest = [asyncio.ensure_future(one(number)) for number in range(1, 20)]
            sent = time.monotonic()
            for _ in range(200):  # the refusals come back while the gate is shut; the waiting turns do not
                await asyncio.sleep(0.05)
                if sum(turn.done() for turn in rest) >= 20 - SESSION_TURNS:
                    break
            assert time.monotonic() - sent >= SESSION_WAIT_S
            refused_while_shut = sum(turn.done() for turn in rest)
            store.gate.set()
            answers = await asyncio.gather(first, *rest)
            other = await client.turn("restaurant", "other", "/greet", timeout=30)
            after = await asyncio.gather(*(one(number) for number in range(SESSION_TURNS)))
            return answers, refused_while_shut, other, after

    answers, refused_while_shut, other, after = asyncio.run(flood())
    refused = [answer for answer in answers if answer == grpc.StatusCode.RESOURCE_EXHAUSTED]
    answered = [answer for answer in answers if not isinstance(answer, grpc.StatusCode)]
    assert refused_while_shut == len(refused) == 20 - SESSION_TURNS
    assert sorted(answer.turn for answer in answered) == list(range(1, SESSION_TURNS + 1))
    assert other.turn == 1
    # the refused turns' waits left the session's room as it was: 8 more at once are all answered
    assert sorted(answer.turn for answer in after) == list(range(SESSION_TURNS + 1, 2 * SESSION_TURNS + 1))


def test_the_host_holds_numpys_blas_to_one_thread(restaurant, tmp_path) -> None:
    """Its second thread spun after each of a turn's small matrix products (dialogue.server.host.Host.open)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from dialogue.server.host import Host

    with threadpool_limits(2, user_api="blas"):  # as on a machine of 2 cores; restored after the test
        host = Host.open([restaurant], MemoryStore(), tmp_path)
        try:
            blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
            assert blas and set(blas) == {1}
        finally:
            host.close()
