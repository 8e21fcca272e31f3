"""The parse queue: texts that arrive while the model runs go in its next call together; only the model runs on
the queue's thread; late, cancelled and failed texts do not hold up the others."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time

import grpc
import pytest

from dialogue.domains.interpretation import Expectation, Interpretation
from dialogue.engine import Engine
from dialogue.server.batching import ParseQueue
from dialogue.server.errors import Refused


class BatchingNlu:
    """Understands every text as a greeting (or `intent`), a model call a job. Notes each call's texts and the
    thread each step ran on; a call waits while `gate` is clear, and fails while `failing` is set."""

    def __init__(self, *, intent: str = "greet") -> None:
        self.intent = intent
        self.calls: list[list[str]] = []
        self.expected: list[list[Expectation | None]] = []
        self.threads: dict[str, set[str]] = {"job": set(), "infer": set(), "finish": set()}
        self.gate = threading.Event()
        self.gate.set()
        self.failing = False

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        job = self.job([text], now=now)
        job.infer()
        return job.finish()[0]

    def job(self, texts: list[str], *, now: dt.datetime, warnings: list[list[str]] | None = None,
            expecting: list[Expectation | None] | None = None) -> _Job:
        self.threads["job"].add(threading.current_thread().name)
        self.expected.append(expecting or [None for _ in texts])
        return _Job(self, texts, warnings or [[] for _ in texts])


class _Job:
    def __init__(self, nlu: BatchingNlu, texts: list[str], warnings: list[list[str]]):
        self.nlu, self.texts, self.warnings = nlu, texts, warnings

    def infer(self) -> None:
        self.nlu.threads["infer"].add(threading.current_thread().name)
        self.nlu.calls.append(self.texts)
        assert self.nlu.gate.wait(10)
        if self.nlu.failing:
            raise RuntimeError("the model failed")

    def finish(self) -> list[Interpretation]:
        self.nlu.threads["finish"].add(threading.current_thread().name)
        return [Interpretation(intent=self.nlu.intent, confidence=0.99, text=text, source="nlu", warnings=warnings)
                for text, warnings in zip(self.texts, self.warnings)]


@pytest.fixture
def nlu() -> BatchingNlu:
    return BatchingNlu()


@pytest.fixture
def queue(restaurant, nlu):
    engine = Engine(restaurant, nlu=nlu)
    assert engine.batches
    made = ParseQueue(engine, most=3)
    yield made
    made.close()


async def _running(nlu: BatchingNlu, calls: int) -> None:
    """Until the model has begun `calls` calls."""
    while len(nlu.calls) < calls:
        await asyncio.sleep(0.005)


def test_texts_that_arrive_while_the_model_runs_share_its_next_call(queue, nlu) -> None:
    async def scenario() -> list[Interpretation]:
        nlu.gate.clear()
        first = asyncio.create_task(queue.parse("one", None))
        await _running(nlu, 1)
        rest = [asyncio.create_task(queue.parse(text, None)) for text in ["two", "three", "four", "five"]]
        await asyncio.sleep(0.05)
        nlu.gate.set()
        return await asyncio.gather(first, *rest)

    found = asyncio.run(scenario())
    assert [interpretation.text for interpretation in found] == ["one", "two", "three", "four", "five"]
    assert nlu.calls == [["one"], ["two", "three", "four"], ["five"]]  # at most 3 a call


def test_each_text_is_read_with_what_its_session_was_asked(queue, nlu) -> None:
    time = Expectation(kind="slot", slot="time")

    async def scenario() -> None:
        nlu.gate.clear()
        first = asyncio.create_task(queue.parse("one", None))
        await _running(nlu, 1)
        rest = [asyncio.create_task(queue.parse("8", None, time)), asyncio.create_task(queue.parse("yes", None))]
        await asyncio.sleep(0.05)
        nlu.gate.set()
        await asyncio.gather(first, *rest)

    asyncio.run(scenario())
    assert nlu.expected == [[None], [time, None]]


def test_only_the_model_runs_on_the_queue_thread(queue, nlu) -> None:
    async def scenario() -> str:
        await queue.parse("hello", None)
        return threading.current_thread().name

    loop_thread = asyncio.run(scenario())
    assert nlu.threads["job"] == nlu.threads["finish"] == {loop_thread}
    (model_thread,) = nlu.threads["infer"]
    assert model_thread.startswith("dialogue-nlu-restaurant")


def test_a_text_whose_deadline_passed_is_not_parsed(queue, nlu) -> None:
    async def scenario() -> None:
        nlu.gate.clear()
        first = asyncio.create_task(queue.parse("one", None))
        await _running(nlu, 1)
        late = asyncio.create_task(queue.parse("late", time.monotonic() + 0.01))
        on_time = asyncio.create_task(queue.parse("on time", time.monotonic() + 30))
        await asyncio.sleep(0.05)
        nlu.gate.set()
        await first
        with pytest.raises(Refused) as refused:
            await late
        assert refused.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert (await on_time).text == "on time"

    asyncio.run(scenario())
    assert nlu.calls == [["one"], ["on time"]]


def test_the_text_of_a_cancelled_turn_is_dropped(queue, nlu) -> None:
    async def scenario() -> None:
        nlu.gate.clear()
        first = asyncio.create_task(queue.parse("one", None))
        await _running(nlu, 1)
        talked_over = asyncio.create_task(queue.parse("talked over", None))
        after = asyncio.create_task(queue.parse("after", None))
        await asyncio.sleep(0.01)
        talked_over.cancel()
        nlu.gate.set()
        await asyncio.gather(first, after)

    asyncio.run(scenario())
    assert nlu.calls == [["one"], ["after"]]


def test_a_failed_call_fails_its_turns_and_the_queue_goes_on(queue, nlu) -> None:
    async def scenario() -> Interpretation:
        nlu.gate.clear()
        nlu.failing = True
        failed = [asyncio.create_task(queue.parse(text, None)) for text in ["one", "two"]]
        await _running(nlu, 1)
        nlu.gate.set()
        for task in failed:
            with pytest.raises(RuntimeError, match="the model failed"):
                await task
        nlu.failing = False
        return await queue.parse("three", None)

    assert asyncio.run(scenario()).text == "three"
    assert nlu.calls == [["one", "two"], ["three"]]


def test_long_texts_are_cut_as_in_a_parse(restaurant, nlu) -> None:
    engine = Engine(restaurant, nlu=nlu)
    job = engine.parse_job(["  hello  ", "x" * 5000])
    job.infer()
    short, long = job.finish()
    limit = restaurant.settings.max_input_chars
    assert (short.text, short.warnings) == ("hello", [])
    assert len(long.text) == limit and long.warnings == [f"input of 5,000 characters was cut to {limit:,}"]
