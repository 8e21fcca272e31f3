"""Clients of a dialogue server: `Client` (blocking) and `AsyncClient` (asyncio).

Turns come back as the engine's own `TurnResult` and parses as `Interpretation`, so code
written against `Engine.handle` reads them the same way; sessions and domains come back as
the `dialogue.v1` messages. A refused request raises InputError (INVALID_ARGUMENT: the field
and what is wrong), any other failure ServerError with its status code.

    with Client("localhost:50051") as client:
        result = client.turn("restaurant", "session-1", "I'd like a table for two")
        print(result.text)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import grpc

from dialogue import wire
from dialogue.domains.interpretation import Interpretation
from dialogue.turns import InputError, TurnResult, UserInput
from dialogue.v1 import dialogue_pb2 as pb
from dialogue.v1 import dialogue_pb2_grpc as rpc


class ServerError(RuntimeError):
    """A call the server did not answer: its status code and message."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code


def _raise(err: grpc.RpcError) -> NoReturn:
    code, details = err.code(), err.details() or ""
    if code is grpc.StatusCode.INVALID_ARGUMENT and ": " in details:
        field, _, message = details.partition(": ")
        raise InputError(field, message) from None
    raise ServerError(code, details) from None


KEEPALIVE_S = 30.0
"""How often a client pings a quiet connection by default (a server lets clients ping every 10 s)."""
KEEPALIVE_TIMEOUT_S = 10.0
"""How long a client waits for the server to answer a ping before it gives the connection up."""
OWN_CONNECTION = ("grpc.use_local_subchannel_pool", 1)
"""Each client has a connection of its own (gRPC shares one among a process's channels to a target by default), so
that the clients of a frontend spread over the processes or machines serving the target."""


class _Connection:
    """What both clients share: the target, credentials, token, per-call timeout and keepalive."""

    def __init__(self, target: str, *, token: str | None, tls: bool, ca: Path | None, timeout: float | None,
                 keepalive: float | None):
        self.target, self.timeout = target, timeout
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.credentials = grpc.ssl_channel_credentials(ca.read_bytes() if ca else None) if tls or ca else None
        self.settings = [OWN_CONNECTION, *(wire.keepalive(keepalive, KEEPALIVE_TIMEOUT_S) if keepalive else [])]

    def channel(self, module: Any) -> Any:
        """A channel from `grpc` or `grpc.aio`."""
        if self.credentials is None:
            return module.insecure_channel(self.target, options=self.settings)
        return module.secure_channel(self.target, self.credentials, options=self.settings)

    def options(self, timeout: float | None = None) -> dict[str, Any]:
        return {"metadata": self.metadata, "timeout": timeout or self.timeout}

    def unreachable(self, waited: float) -> ServerError:
        return ServerError(grpc.StatusCode.UNAVAILABLE,
                           f"no dialogue server answered at {self.target} within {waited:g} s; start one with "
                           "`dialogue serve DOMAIN --port PORT`")


class Client:
    """A blocking client. `tls` uses the system's roots; `ca` trusts a certificate of your own (and implies TLS).
    `keepalive`: ping a quiet connection every so many seconds (at least the server's `--client-ping`), so that
    an idle stream stays open through proxies and a dead server is noticed; None: never."""

    def __init__(self, target: str, *, token: str | None = None, tls: bool = False, ca: Path | None = None,
                 timeout: float | None = 30, keepalive: float | None = KEEPALIVE_S):
        self.connection = _Connection(target, token=token, tls=tls, ca=ca, timeout=timeout, keepalive=keepalive)
        self.channel = self.connection.channel(grpc)
        self.stub = rpc.DialogueServiceStub(self.channel)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the server accepts connections (it does once its domains are loaded)."""
        try:
            grpc.channel_ready_future(self.channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise self.connection.unreachable(timeout) from None

    def turn(self, domain: str, session_id: str, given: UserInput | str, *, user_id: str | None = None,
             channel: str = "text", timeout: float | None = None) -> TurnResult:
        """One turn. Give the caller's `user_id` for the domain to remember them across sessions; without one,
        what it remembers is kept for this session only."""
        request = wire.turn_request(domain, session_id, given, user_id=user_id, channel=channel)
        return wire.turn_result(self._call(self.stub.SendTurn, request, timeout))

    def converse(self, requests: Iterable[pb.ConverseRequest], *, timeout: float | None = None
                 ) -> Iterator[pb.ConverseResponse]:
        """Turns over one stream (build them with `wire.turn_request`); the events as they come."""
        try:
            yield from self.stub.Converse(iter(requests), metadata=self.connection.metadata, timeout=timeout)
        except grpc.RpcError as err:
            _raise(err)

    def parse(self, domain: str, text: str) -> Interpretation:
        request = wire.message(pb.ParseRequest, domain=domain, text=text)
        return wire.interpretation(self._call(self.stub.Parse, request).understood)

    def session(self, domain: str, session_id: str) -> pb.Session:
        request = wire.message(pb.GetSessionRequest, domain=domain, session_id=session_id)
        return self._call(self.stub.GetSession, request)

    def reset(self, domain: str, session_id: str) -> pb.Session:
        request = wire.message(pb.ResetSessionRequest, domain=domain, session_id=session_id)
        return self._call(self.stub.ResetSession, request)

    def domains(self) -> list[pb.DomainInfo]:
        return list(self._call(self.stub.ListDomains, pb.ListDomainsRequest()).domains)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        try:
            return method(request, **self.connection.options(timeout))
        except grpc.RpcError as err:
            _raise(err)


class AsyncClient:
    """The asyncio client: the same calls and options as `Client`, awaited."""

    def __init__(self, target: str, *, token: str | None = None, tls: bool = False, ca: Path | None = None,
                 timeout: float | None = 30, keepalive: float | None = KEEPALIVE_S):
        self.connection = _Connection(target, token=token, tls=tls, ca=ca, timeout=timeout, keepalive=keepalive)
        self.channel = self.connection.channel(grpc.aio)
        self.stub = rpc.DialogueServiceStub(self.channel)

    async def wait_ready(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self.channel.channel_ready(), timeout)
        except TimeoutError:
            raise self.connection.unreachable(timeout) from None

    async def turn(self, domain: str, session_id: str, given: UserInput | str, *, user_id: str | None = None,
                   channel: str = "text", timeout: float | None = None) -> TurnResult:
        """One turn (as `Client.turn`: without a `user_id`, what the domain remembers stays in the session)."""
        request = wire.turn_request(domain, session_id, given, user_id=user_id, channel=channel)
        return wire.turn_result(await self._call(self.stub.SendTurn, request, timeout))

    async def converse(self, requests: AsyncIterable[pb.ConverseRequest] | Iterable[pb.ConverseRequest], *,
                       timeout: float | None = None) -> AsyncIterator[pb.ConverseResponse]:
        try:
            async for response in self.stub.Converse(requests, metadata=self.connection.metadata, timeout=timeout):
                yield response
        except grpc.RpcError as err:
            _raise(err)

    async def parse(self, domain: str, text: str) -> Interpretation:
        response = await self._call(self.stub.Parse, wire.message(pb.ParseRequest, domain=domain, text=text))
        return wire.interpretation(response.understood)

    async def session(self, domain: str, session_id: str) -> pb.Session:
        request = wire.message(pb.GetSessionRequest, domain=domain, session_id=session_id)
        return await self._call(self.stub.GetSession, request)

    async def reset(self, domain: str, session_id: str) -> pb.Session:
        request = wire.message(pb.ResetSessionRequest, domain=domain, session_id=session_id)
        return await self._call(self.stub.ResetSession, request)

    async def domains(self) -> list[pb.DomainInfo]:
        return list((await self._call(self.stub.ListDomains, pb.ListDomainsRequest())).domains)

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _call(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        try:
            return await method(request, **self.connection.options(timeout))
        except grpc.RpcError as err:
            _raise(err)
