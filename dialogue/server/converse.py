"""One Converse stream: turns in order, their answers streamed back as they are produced, barge-in.

A turn read from the stream runs after the turns before it, whatever they wait for. Its
text chunks, then its result, go back on the stream. A turn that arrives before the previous
answer has ended cancels that answer: a `cancelled` event goes out and nothing more of it;
the earlier turn still completes (what it understood and did is kept, as when a caller
talks over a prompt). A request that is not a turn the engine can take (no turn, an unknown
domain, intent or slot, a malformed id or input) gets its `error` event at once and
interrupts nothing. A turn that fails later gets an `error` event too, and the stream goes on. When
the server begins to shut down, the stream reads no more turns, lets the running ones
finish, and ends with UNAVAILABLE. A stream holds at most `WAITING` turns that are read and
not yet done; it reads the next one when the oldest is done, so a client that sends faster
than its turns are answered waits (HTTP/2 flow control) instead of filling the server's memory.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import grpc

from dialogue import wire
from dialogue.nlg.chunks import TextChunk
from dialogue.server.calls import Call, deadline
from dialogue.server.errors import status, valid
from dialogue.turns import InputError
from dialogue.v1 import dialogue_pb2 as pb

if TYPE_CHECKING:
    from dialogue.server.service import Checked, DialogueService

log = logging.getLogger("dialogue.server")
WAITING = 16
"""Turns of one stream read and not yet done, at most."""


class _Answer:
    """The answer to one turn of the stream, for as long as more of it may be sent."""

    def __init__(self, out: asyncio.Queue[Any], sequence: int, turn_id: str):
        self.out, self.sequence, self.turn_id = out, sequence, turn_id
        self.open = True

    def send(self, **event: Any) -> None:
        if self.open:
            self.out.put_nowait(pb.ConverseResponse(sequence=self.sequence, turn_id=self.turn_id, **event))

    def chunk(self, chunk: TextChunk) -> None:
        self.send(chunk=wire.chunk(chunk))

    def close(self, **event: Any) -> None:
        self.send(**event)
        self.open = False

    def cancel(self, by: int) -> None:
        self.close(cancelled=pb.Cancelled(by=by))


class Conversation:
    def __init__(self, service: DialogueService, context: grpc.aio.ServicerContext):
        self.service, self.context = service, context
        self.out: asyncio.Queue[pb.ConverseResponse | None] = asyncio.Queue()
        self.turns = 0
        self.drained = False
        self.room = asyncio.Semaphore(WAITING)

    async def responses(self, requests: AsyncIterator[Any]) -> AsyncIterator[pb.ConverseResponse]:
        metrics = self.service.calls.metrics
        metrics.in_flight.inc()
        started, code, message = time.perf_counter(), grpc.StatusCode.OK, ""
        reader = asyncio.create_task(self._read(requests))
        try:
            while (response := await self.out.get()) is not None:
                yield response
            try:
                await reader
            except Exception as err:  # noqa: BLE001 - reading the stream failed: a status, not a traceback
                code, message = status(err)
            if code is grpc.StatusCode.OK and self.drained:
                code, message = grpc.StatusCode.UNAVAILABLE, "the server is shutting down; open a new stream to go on"
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        finally:  # logged before `abort` sends the status to the client
            reader.cancel()
            metrics.in_flight.dec()
            log.info("stream", extra={"fields": {"method": "Converse", "turns": self.turns, "code": code.name,
                                                 "ms": round((time.perf_counter() - started) * 1000, 3)}})
        if code is not grpc.StatusCode.OK:
            await self.context.abort(code, message)

    async def _read(self, requests: AsyncIterator[Any]) -> None:
        previous: asyncio.Task[None] | None = None
        answer: _Answer | None = None
        try:
            while True:
                await self.room.acquire()  # released when a turn is done
                if (request := await self._next(requests)) is None:
                    break
                self.turns += 1
                turn_id = request.turn.turn_id if isinstance(request, pb.ConverseRequest) else ""
                call = Call("Converse")
                try:
                    checked = self.service.check(call, _turn_of(request))
                except Exception as err:  # noqa: BLE001 - not a turn: refused at once, interrupting nothing
                    code, message = call.failed(err)
                    _Answer(self.out, self.turns, turn_id).close(error=pb.TurnError(code=code.value[0],
                                                                                    message=message))
                    self._done(call)
                    continue
                if answer is not None and answer.open:
                    answer.cancel(by=self.turns)
                answer = _Answer(self.out, self.turns, turn_id)
                previous = asyncio.create_task(self._turn(call, checked, answer, previous))
            if previous is not None:
                await previous
        finally:
            self.out.put_nowait(None)

    async def _next(self, requests: AsyncIterator[Any]) -> Any | None:
        """The next request; None at the end of the stream, or once the server begins to shut down."""
        draining = self.service.host.draining
        if not draining.is_set():
            following = asyncio.ensure_future(anext(requests, None))
            stop = asyncio.ensure_future(draining.wait())
            await asyncio.wait({following, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            if following.done():
                return following.result()
            following.cancel()
        self.drained = True
        return None

    async def _turn(self, call: Call, checked: Checked, answer: _Answer, previous: asyncio.Task[None] | None
                    ) -> None:
        if previous is not None:
            await previous
        loop = asyncio.get_running_loop()
        try:
            result = await self.service.run(call, checked, deadline(self.context),
                                            stream=_from_any_thread(loop, answer.chunk))
            answer.close(result=wire.turn_response(result))
        except asyncio.CancelledError:
            call.code = grpc.StatusCode.CANCELLED
            raise
        except Exception as err:  # noqa: BLE001 - a failed turn is an event on the stream, not its end
            code, message = call.failed(err)
            answer.close(error=pb.TurnError(code=code.value[0], message=message))
        finally:
            self._done(call)

    def _done(self, call: Call) -> None:
        """A turn of the stream is over: room for the next one, and its call counted and logged."""
        self.room.release()
        self.service.calls.done(call)


def _turn_of(request: Any) -> pb.TurnRequest:
    if not valid(request).HasField("turn"):
        raise InputError("turn", "give the turn")
    return request.turn


def _from_any_thread(loop: asyncio.AbstractEventLoop, sink: Any) -> Any:
    """`sink`, called on the loop's thread: at once from that thread (a turn answered on the loop), through the
    loop from any other (a turn answered on a worker thread). Either way chunks go out before the result."""
    owner = threading.get_ident()

    def call(chunk: TextChunk) -> None:
        if threading.get_ident() == owner:
            sink(chunk)
        else:
            loop.call_soon_threadsafe(sink, chunk)

    return call
