"""Converse: answers stream back as chunks then a result; a newer turn cancels an unfinished answer."""

from __future__ import annotations

import asyncio

import grpc

from dialogue import wire
from dialogue.client import AsyncClient
from dialogue.engine import Engine
from dialogue.server.converse import WAITING
from dialogue.v1 import dialogue_pb2 as pb
from tests.server.conftest import GatedStore
from tests.server.streams import Stream


def kinds(events: list[pb.ConverseResponse]) -> list[str]:
    return [event.WhichOneof("event") for event in events]


def test_answers_stream_as_chunks_then_the_result(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/greet")
            first = await stream.answer()
            stream.send('/book_table{"cuisine": "italian"}', user_id="ana")
            second = await stream.answer()
            stream.close()
            return first, second, await stream.rest()

    first, second, rest = asyncio.run(talk())
    for sequence, events in ((1, first), (2, second)):
        assert kinds(events)[-1] == "result" and set(kinds(events)[:-1]) == {"chunk"}
        assert {event.sequence for event in events} == {sequence}
        result = events[-1].result
        chunks = [event.chunk for event in events[:-1]]
        assert [(c.message, c.response, c.text, c.last, c.attempt) for c in chunks] == [
            (index, m.response, m.text, True, 1) for index, m in enumerate(result.messages)]
    assert second[-1].result.turn == 2 and second[-1].result.state.slots["cuisine"] == "italian"
    assert rest == []  # the stream ends when the client is done and every answer is out


def test_a_new_turn_cancels_the_unfinished_answer_and_runs_after_it(serve, restaurant) -> None:
    store = GatedStore()
    engine = Engine(restaurant, store=store)
    running = serve([engine])

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/greet")
            partial = await stream.next()  # rendered, streamed, not yet committed
            assert await asyncio.to_thread(store.arrived.acquire, timeout=10)
            stream.send('/book_table{"party_size": 3}')
            cancelled = await stream.next()
            store.gate.set()
            after = await stream.answer()
            stream.close()
            return partial, cancelled, after + await stream.rest()

    partial, cancelled, after = asyncio.run(talk())
    assert partial.sequence == 1 and partial.chunk.response == "greet" and partial.chunk.text
    assert cancelled.sequence == 1 and cancelled.cancelled.by == 2
    assert {event.sequence for event in after} == {2}  # nothing more of the cancelled answer
    assert kinds(after)[-1] == "result"
    result = after[-1].result
    assert result.turn == 2 and result.state.slots["party_size"] == 3  # the cancelled turn was kept, in order
    assert engine.store.load("restaurant", "call-1").turn == 2


def test_a_failed_turn_is_an_event_and_the_stream_goes_on(serve, restaurant) -> None:
    running = serve([Engine(restaurant)])

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/no_such_intent", turn_id="bad")
            failed = await stream.answer()
            stream.send_raw(pb.ConverseRequest())
            empty = await stream.answer()
            stream.send("/greet")
            fine = await stream.answer()
            stream.close()
            await stream.rest()
            return failed, empty, fine

    failed, empty, fine = asyncio.run(talk())
    assert failed[0].turn_id == "bad" and failed[0].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert failed[0].error.message.startswith("intent: unknown intent 'no_such_intent'")
    assert empty[0].error.message == "turn: give the turn"
    assert kinds(fine)[-1] == "result" and fine[-1].sequence == 3 and fine[-1].result.turn == 1


def test_requests_that_are_not_turns_are_refused_at_once_and_interrupt_nothing(serve, restaurant) -> None:
    """Sent while an answer is still open: each bad request gets its own error at once (a barge-in does not hide
    it), and the open answer is not cut off by them."""
    store = GatedStore()
    running = serve([Engine(restaurant, store=store)])

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/greet")
            assert (await stream.next()).WhichOneof("event") == "chunk"  # rendered, not yet committed
            assert await asyncio.to_thread(store.arrived.acquire, timeout=10)
            stream.send("/no_such_intent")
            stream.send_raw(pb.ConverseRequest())
            stream.send_raw(pb.ConverseRequest(turn=pb.TurnRequest(domain="nowhere", session_id="s", text="hi")))
            stream.send_raw(pb.ConverseRequest(turn=wire.turn_request("restaurant", "s\x00", "/greet")))
            refused = [await stream.next() for _ in range(4)]
            store.gate.set()
            stream.close()
            return refused, await stream.rest()

    refused, rest = asyncio.run(talk())
    codes = {code.value[0]: code.name for code in grpc.StatusCode}
    assert [(event.sequence, codes.get(event.error.code), event.error.message.partition(":")[0])
            for event in refused] == [(2, "INVALID_ARGUMENT", "intent"), (3, "INVALID_ARGUMENT", "turn"),
                                      (4, "NOT_FOUND", "domain 'nowhere' is not served here; served"),
                                      (5, "INVALID_ARGUMENT", "session_id")]
    assert rest[-1].sequence == 1 and rest[-1].result.turn == 1
    assert "cancelled" not in kinds(rest)


def test_turns_of_a_stream_run_in_the_order_sent(serve, restaurant) -> None:
    """Sent without waiting: each answer ends with its result or is cut off by the next turn; every turn ran,
    in the order sent."""
    engine = Engine(restaurant)
    running = serve([engine])
    values = list(range(1, 11))

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/book_table")
            for value in values:
                stream.send(f'/inform{{"party_size": {value}}}')
            stream.close()
            return await stream.rest()

    events = asyncio.run(talk())
    for sequence in range(1, 12):
        answer = [event for event in events if event.sequence == sequence]
        end = answer[-1]
        assert set(kinds(answer[:-1])) <= {"chunk"}
        if end.WhichOneof("event") == "result":
            assert end.result.turn == sequence
        else:
            assert sequence < 11 and end.cancelled.by == sequence + 1
    assert events[-1].result.turn == 11
    changes = [e for e in engine.store.events[("restaurant", "call-1")] if e.type == "slot_set"]
    assert [e.value for e in changes if e.slot == "party_size"] == values


async def collect(stream: Stream, events: list[pb.ConverseResponse]) -> None:
    async for event in stream.events:
        events.append(event)


def test_a_stream_reads_no_more_turns_than_it_holds_until_one_is_done(serve, restaurant) -> None:
    """Each turn read cancels the answer before it: with the first turn held, the cancellations show how many
    turns the server has read. It reads WAITING of them, then the rest once the held turn is done."""
    store = GatedStore()
    engine = Engine(restaurant, store=store)
    running = serve([engine])
    sent = 3 * WAITING

    async def talk():
        async with AsyncClient(running.target) as client:
            stream = Stream(client)
            stream.send("/book_table")
            for value in range(1, sent):
                stream.send(f'/inform{{"party_size": {1 + value % 10}}}')
            events: list[pb.ConverseResponse] = []
            reading = asyncio.create_task(collect(stream, events))
            assert await asyncio.to_thread(store.arrived.acquire, timeout=10)  # the first turn is held
            await asyncio.sleep(1.5)
            held = len(events)
            store.gate.set()
            stream.close()
            await reading
            return events[:held], events[held:]

    held, rest = asyncio.run(talk())
    cancelled = [event.cancelled.by for event in held if event.WhichOneof("event") == "cancelled"]
    assert cancelled == list(range(2, WAITING + 1))  # turns 2..WAITING read; turn WAITING + 1 not yet
    assert rest[-1].result.turn == sent  # then every turn ran, in order
    changes = [e.value for e in engine.store.events[("restaurant", "call-1")] if e.type == "slot_set"]
    assert [value for value in changes if isinstance(value, int)] == [1 + value % 10 for value in range(1, sent)]
