"""The call's Converse stream: opened when a turn is sent and none is open; sending never waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc

from dialogue_pipecat.v1 import dialogue_pb2 as pb
from dialogue_pipecat.v1 import dialogue_pb2_grpc as rpc

KEEPALIVE_MS = 30_000
"""Ping a quiet connection this often (the server lets clients ping every 10 s), as the engine's clients do: a call
may stay quiet for long, and proxies drop idle connections."""


class ConverseStream:
    """One channel to the server; a new stream on it whenever the previous one has ended (a server restart)."""

    def __init__(self, target: str, *, token: str | None = None, credentials: grpc.ChannelCredentials | None = None):
        self.target, self.credentials = target, credentials
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._channel: grpc.aio.Channel | None = None
        self._requests: asyncio.Queue[pb.ConverseRequest | None] | None = None

    @property
    def open(self) -> bool:
        return self._requests is not None

    def start(self) -> grpc.aio.StreamStreamCall:
        """A new stream; its events are read from the call returned."""
        if self._channel is None:
            options = [("grpc.keepalive_time_ms", KEEPALIVE_MS), ("grpc.keepalive_permit_without_calls", 1)]
            self._channel = (grpc.aio.secure_channel(self.target, self.credentials, options=options)
                             if self.credentials else grpc.aio.insecure_channel(self.target, options=options))
        self._requests = asyncio.Queue()
        stub = rpc.DialogueServiceStub(self._channel)
        return stub.Converse(_drain(self._requests), metadata=self.metadata)

    def send(self, turn: pb.TurnRequest) -> None:
        assert self._requests is not None, "start the stream first"
        self._requests.put_nowait(pb.ConverseRequest(turn=turn))

    def ended(self) -> None:
        """The stream has ended (or broken): the next turn needs a new one."""
        self._requests = None

    def finish(self) -> None:
        """No more turns: the server answers those sent, then ends the stream."""
        if self._requests is not None:
            self._requests.put_nowait(None)
            self._requests = None

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None


async def _drain(requests: asyncio.Queue[pb.ConverseRequest | None]) -> AsyncIterator[pb.ConverseRequest]:
    while (request := await requests.get()) is not None:
        yield request
