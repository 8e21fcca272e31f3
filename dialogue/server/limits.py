"""Calls in flight, counted so that no caller can take the server from the others: at most `max_calls` calls in
all, at most `per_client` of them from one client address, and health checks (which need no token) counted
apart, at most `health_calls` of them. A call over a limit is refused at once with RESOURCE_EXHAUSTED."""

from __future__ import annotations

import contextlib
import inspect
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import grpc

from dialogue.server.auth import OPEN_TO_ALL
from dialogue.server.handlers import handler as method_handler

HEALTH_CALLS = 64
"""Health checks and watches in flight at once, by default: a balancer or an orchestrator needs a few."""
_PORT = re.compile(r":\d+$")


class CallLimits(grpc.aio.ServerInterceptor):
    def __init__(self, *, max_calls: int, per_client: int, health_calls: int = HEALTH_CALLS):
        self.limits = {"calls": max_calls, "client": per_client, "health": health_calls}
        self.calls = 0
        self.health = 0
        self.clients: Counter[str] = Counter()

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]],
                                details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        if handler is None:
            return None
        counted = self._health if details.method.startswith(OPEN_TO_ALL) else self._call
        return _counted(handler, counted)

    @contextlib.contextmanager
    def _health(self, _context: grpc.aio.ServicerContext) -> Iterator[str | None]:
        if self.health >= self.limits["health"]:
            yield f"{self.health} health checks are in flight, at most {self.limits['health']}"
            return
        self.health += 1
        try:
            yield None
        finally:
            self.health -= 1

    @contextlib.contextmanager
    def _call(self, context: grpc.aio.ServicerContext) -> Iterator[str | None]:
        client = _PORT.sub("", context.peer() or "")
        if self.calls >= self.limits["calls"]:
            yield f"the server has {self.calls} calls in flight, at most {self.limits['calls']}; try again shortly"
            return
        if self.clients[client] >= self.limits["client"]:
            yield (f"this client ({client}) has {self.clients[client]} calls in flight, at most "
                   f"{self.limits['client']}: wait for one to end")
            return
        self.calls += 1
        self.clients[client] += 1
        try:
            yield None
        finally:
            self.calls -= 1
            self.clients[client] -= 1
            if not self.clients[client]:
                del self.clients[client]


Slot = Callable[[grpc.aio.ServicerContext], contextlib.AbstractContextManager[str | None]]


def _counted(handler: grpc.RpcMethodHandler, slot: Slot) -> grpc.RpcMethodHandler:
    """The method's handler, its behaviour run inside a slot (or refused when the slot says why not)."""
    kind = ("stream" if handler.request_streaming else "unary") + "_" + (
        "stream" if handler.response_streaming else "unary")
    inner = getattr(handler, kind)
    if inspect.isasyncgenfunction(inner):
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:
            with slot(context) as refused:
                if refused:
                    await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refused)
                async for answer in inner(request, context):
                    yield answer
    else:
        async def behaviour(request: Any, context: grpc.aio.ServicerContext) -> Any:  # type: ignore[misc]
            with slot(context) as refused:
                if refused:
                    await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, refused)
                return await inner(request, context)
    return method_handler(behaviour, request_streaming=handler.request_streaming,
                          response_streaming=handler.response_streaming,
                          request_deserializer=handler.request_deserializer,
                          response_serializer=handler.response_serializer)
