"""A Converse stream a test drives step by step: send a turn, read the next event."""

from __future__ import annotations

import asyncio
from typing import Any

from dialogue import wire
from dialogue.client import AsyncClient
from dialogue.turns import UserInput
from dialogue.v1 import dialogue_pb2 as pb


class Stream:
    def __init__(self, client: AsyncClient, domain: str = "restaurant", session_id: str = "call-1", **options: Any):
        self.domain, self.session_id, self.options = domain, session_id, options
        self.requests: asyncio.Queue[pb.ConverseRequest | None] = asyncio.Queue()
        self.events = aiter(client.converse(self._requests()))

    async def _requests(self):
        while (request := await self.requests.get()) is not None:
            yield request

    def send(self, given: str, *, turn_id: str | None = None, **options: Any) -> None:
        turn = wire.turn_request(self.domain, self.session_id, UserInput.parse(given, turn_id=turn_id),
                                 **{**self.options, **options})
        self.requests.put_nowait(pb.ConverseRequest(turn=turn))

    def send_raw(self, request: pb.ConverseRequest) -> None:
        self.requests.put_nowait(request)

    def close(self) -> None:
        self.requests.put_nowait(None)

    async def next(self, timeout: float = 10) -> pb.ConverseResponse:
        return await asyncio.wait_for(anext(self.events), timeout)

    async def answer(self) -> list[pb.ConverseResponse]:
        """The events up to the end of the next answer (its result, error or cancellation)."""
        events = [await self.next()]
        while events[-1].WhichOneof("event") == "chunk":
            events.append(await self.next())
        return events

    async def rest(self) -> list[pb.ConverseResponse]:
        """Every event until the server ends the stream."""
        return [event async for event in self.events]
