"""Real HTTP servers on loopback ports for the services' tests: one that answers well or misbehaves as asked,
and one that accepts connections and never answers."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from dialogue.example_services import serving


class Behaviour:
    """What the misbehaving service answers, and what it received (shared with the test)."""

    def __init__(self) -> None:
        self.answer: Any = {"balance": 120.5, "currency": "EUR"}
        self.status = 200
        self.raw: bytes | None = None
        """Sent as is instead of `answer`."""
        self.delay_s = 0.0
        self.drip_s: float | None = None
        """Send the answer one byte at a time, this long apart."""
        self.fail_first = 0
        """Answer 503 to this many requests first."""
        self.requests: list[dict[str, Any]] = []
        self.keys: Counter[str] = Counter()

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append({"method": request.method, "path": request.url.path,
                              "raw_path": request.scope["raw_path"].decode(), "query": dict(request.query_params),
                              "headers": dict(request.headers), "body": body.decode()})
        self.keys[request.headers.get("idempotency-key", "")] += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_first > 0:
            self.fail_first -= 1
            return JSONResponse({"error": "busy"}, status_code=503)
        if self.drip_s is not None:
            return StreamingResponse(self._drip(), media_type="application/json")
        if self.raw is not None:
            return Response(self.raw, status_code=self.status, media_type="application/json")
        return JSONResponse(self.answer, status_code=self.status)

    async def _drip(self) -> Any:
        import json

        for byte in json.dumps(self.answer).encode():
            yield bytes([byte])
            await asyncio.sleep(self.drip_s)


@contextmanager
def misbehaving() -> Iterator[tuple[str, Behaviour]]:
    """A service whose every path answers as its `Behaviour` says; yields its URL and the behaviour."""
    behaviour = Behaviour()
    app = Starlette(routes=[Route("/{path:path}", behaviour.handle, methods=["GET", "POST", "PUT", "PATCH",
                                                                              "DELETE"])])
    with serving(app) as url:
        yield url, behaviour


@contextmanager
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def closed_port() -> str:
    """The URL of a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
