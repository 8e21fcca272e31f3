"""The HTTP client of a domain's services: one pool of connections, a time limit, retries where safe, a circuit
breaker per service, and a bound on the size of an answer.

A server's turns await their calls on the server's event loop (`send_async`), so calls in flight hold no
thread; a turn on another thread (`send`) hands its call to the process's call loop, on a thread of its
own, and waits. A call never takes longer than its limit (a server that drips bytes or never answers
included) and never raises: a failure is a `ServiceAnswer` that says why.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import threading
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from dialogue.dm.services import python
from dialogue.dm.services.breaker import CircuitBreaker
from dialogue.dm.services.calls import ServiceAnswer, ServiceRequest
from dialogue.dm.services.mcp import McpClient, ToolRequest
from dialogue.dm.services.python import PythonRequest
from dialogue.domains.schema.services import IDEMPOTENT_METHODS, McpServer, Service

Request = ServiceRequest | ToolRequest | PythonRequest

T = TypeVar("T")
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
FIRST_PAUSE_S = 0.05
"""Before the first retry; each next pause is twice as long (within the call's time)."""


@dataclass
class _Endpoint:
    """A service as the client calls it: its URL and credentials read from the environment."""

    spec: Service
    base_url: str | None
    headers: dict[str, str]
    problem: str
    """Why it cannot be called (an environment variable it needs is not set), or empty."""
    breaker: CircuitBreaker

    @classmethod
    def of(cls, name: str, spec: Service, environ: Mapping[str, str]) -> _Endpoint:
        problems = []
        base_url = spec.base_url
        if spec.base_url_env:
            base_url = environ.get(spec.base_url_env) or base_url
            if base_url is None:
                problems.append(f"environment variable {spec.base_url_env} (its base URL) is not set")
        headers = {}
        for header, variable in spec.headers_env.items():
            if variable in environ:
                headers[header] = environ[variable]
            else:
                problems.append(f"environment variable {variable} (header {header}) is not set")
        if spec.token_env:
            if spec.token_env in environ:
                headers["Authorization"] = f"Bearer {environ[spec.token_env]}"
            else:
                problems.append(f"environment variable {spec.token_env} (its token) is not set")
        problem = f"service '{name}' cannot be called: {'; '.join(problems)}" if problems else ""
        breaker = CircuitBreaker(spec.circuit_breaker.failures, spec.circuit_breaker.cooldown_s)
        return cls(spec, base_url.rstrip("/") if base_url else None, headers, problem, breaker)

    def may_retry(self, method: str) -> bool:
        return method in IDEMPOTENT_METHODS or self.spec.idempotency_keys


class ServiceClient:
    """Calls the services and MCP tools of one domain (and runs its Python actions)."""

    def __init__(self, services: dict[str, Service], mcp_servers: dict[str, McpServer] | None = None,
                 folder: Path | None = None, environ: Mapping[str, str] | None = None):
        environ = os.environ if environ is None else environ
        self.endpoints = {name: _Endpoint.of(name, spec, environ) for name, spec in services.items()}
        self.mcp = McpClient(mcp_servers or {}, folder or Path.cwd(), environ)
        self._pools: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self.exchanges: list[tuple[ServiceRequest, ServiceAnswer]] | None = None
        """When a list, every HTTP call's request and final answer is appended to it (the simulator's judge reads
        what each service acknowledged)."""

    def problems(self) -> list[str]:
        """What keeps services from being called (environment variables not set)."""
        return [endpoint.problem for endpoint in self.endpoints.values() if endpoint.problem] + self.mcp.problems()

    def warm_up(self) -> None:
        """Start opening the MCP servers' sessions (without waiting), so that no turn waits for a server to start."""
        if self.mcp.servers:
            _CALL_LOOP.submit(self.mcp.warm_up())

    def send(self, request: Request, deadline: float) -> ServiceAnswer:
        """Make the call (or run the Python action) and wait for its answer, from a thread without an event loop
        of its own (a call runs on the process's call loop). `deadline` is on time.monotonic()'s clock."""
        if isinstance(request, PythonRequest):
            return python.run(request, deadline)
        if isinstance(request, ToolRequest):
            return _CALL_LOOP.submit(self.mcp.call(request, deadline)).result()
        return _CALL_LOOP.submit(self._call(request, deadline)).result()

    async def send_async(self, request: Request, deadline: float) -> ServiceAnswer:
        """`send` on the running event loop (a server's), with that loop's connections (MCP sessions are the call
        loop's)."""
        if isinstance(request, PythonRequest):
            return await python.run_async(request, deadline)
        if isinstance(request, ToolRequest):
            return await asyncio.wrap_future(_CALL_LOOP.submit(self.mcp.call(request, deadline)))
        return await self._call(request, deadline)

    def tools(self, server: str) -> list[Any]:
        """The tools an MCP server offers (`dialogue validate --online`); raises when it cannot be reached."""
        return _CALL_LOOP.submit(self.mcp.tools(server)).result()

    def close(self) -> None:
        """Close the connections this client opened on other loops than the call loop (a server's), from a thread
        that does not run them (the call loop's HTTP connections are the process's, shared by every client), and
        its MCP sessions."""
        pools, self._pools = self._pools, {}
        for loop, pool in pools.items():
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(pool.close(), loop).result()
        if any(server.connection for server in self.mcp.servers.values()):
            _CALL_LOOP.submit(self.mcp.close()).result()

    async def _call(self, request: ServiceRequest, deadline: float) -> ServiceAnswer:
        started = time.perf_counter()
        endpoint = self.endpoints[request.service]
        if request.timeout_s is not None:
            deadline = min(deadline, time.monotonic() + request.timeout_s)
        if endpoint.spec.timeout_ms is not None:
            deadline = min(deadline, time.monotonic() + endpoint.spec.timeout_ms / 1000)
        answer, attempts = self._failure("not_configured", endpoint.problem), 0
        while not endpoint.problem:
            if not endpoint.breaker.allow():
                answer = self._failure("circuit_open", f"service '{request.service}' failed "
                                       f"{endpoint.spec.circuit_breaker.failures} times in a row; not called for "
                                       f"{endpoint.spec.circuit_breaker.cooldown_s:g} s")
                break
            attempts += 1
            answer = await self._try(endpoint, request, deadline)
            endpoint.breaker.record(_worked(answer))
            pause = FIRST_PAUSE_S * 2 ** (attempts - 1)
            if answer.outcome == "ok" or attempts > endpoint.spec.retries or not endpoint.may_retry(request.method) \
                    or not _transient(answer) or time.monotonic() + pause >= deadline:
                break
            await asyncio.sleep(pause)
        answer = replace(answer, ms=round((time.perf_counter() - started) * 1000, 3), attempts=attempts)
        if self.exchanges is not None:
            self.exchanges.append((request, answer))
        return answer

    async def _try(self, endpoint: _Endpoint, request: ServiceRequest, deadline: float) -> ServiceAnswer:
        """One try within the deadline: the answer's JSON, or why there is none."""
        left = deadline - time.monotonic()
        if left <= 0:
            return ServiceAnswer("timeout", reason="timeout", error="no time was left for the call")
        limit = endpoint.spec.max_response_bytes
        try:
            async with asyncio.timeout(left):
                async with self._client().request(
                        request.method, f"{endpoint.base_url}{request.path}", params=request.query,
                        json=request.body, headers={**endpoint.headers, "Idempotency-Key": request.key},
                        allow_redirects=False) as response:
                    status = response.status
                    content = await _read(response, limit)
        except TimeoutError:
            return ServiceAnswer("timeout", reason="timeout", error=f"no answer within {left * 1000:.0f} ms")
        except _TooLarge:
            return ServiceAnswer("error", status, reason="too_large", error=f"answer longer than {limit:,} bytes")
        except (aiohttp.ClientError, ValueError) as err:
            return ServiceAnswer("error", reason="unreachable", error=f"{type(err).__name__}: {err}"[:300])
        if status >= 400:
            return ServiceAnswer("error", status, reason="status", error=f"HTTP {status}")
        try:
            body = json.loads(content) if content.strip() else None
        except (ValueError, RecursionError):
            return ServiceAnswer("error", status, reason="not_json", error="the answer is not JSON")
        return ServiceAnswer("ok", status, body)

    def _client(self) -> aiohttp.ClientSession:
        """The running loop's connections: the call loop's are shared by every client of the process, a server
        loop's are this client's (`close`)."""
        loop = asyncio.get_running_loop()
        if _CALL_LOOP.runs(loop):
            return _CALL_LOOP.pool()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _pool()
        return pool

    @staticmethod
    def _failure(reason: str, error: str) -> ServiceAnswer:
        return ServiceAnswer("error", reason=reason, error=error)


class _TooLarge(Exception):
    pass


async def _read(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, or _TooLarge as soon as it is longer than `limit` bytes."""
    if (response.content_length or 0) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _worked(answer: ServiceAnswer) -> bool:
    """Whether the service is up, for its circuit breaker: it answered, if only to refuse the request (4xx)."""
    return answer.outcome == "ok" or (answer.reason == "status" and (answer.status or 0) < 500)


def _transient(answer: ServiceAnswer) -> bool:
    """A failure that trying again may mend: no connection, or a status that says so."""
    return answer.reason == "unreachable" or (answer.reason == "status" and answer.status in RETRIED_STATUSES)


def _pool() -> aiohttp.ClientSession:
    """A connection pool of the running loop (aiohttp's: httpx's slows down past a few dozen calls in flight,
    encode/httpx#3215)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512), timeout=aiohttp.ClientTimeout(total=None))


class _CallLoop:
    """The process's event loop for service calls, on a daemon thread started at the first call."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._pool: aiohttp.ClientSession | None = None

    def runs(self, loop: asyncio.AbstractEventLoop) -> bool:
        return loop is self._loop

    def pool(self) -> aiohttp.ClientSession:
        """The process's connections for calls on this loop (only called on it)."""
        if self._pool is None:
            self._pool = _pool()
        return self._pool

    def submit(self, work: Coroutine[Any, Any, T]) -> Any:
        """Run `work` on the loop; a concurrent.futures.Future of its result."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="dialogue-calls", daemon=True).start()
                atexit.register(self._close)
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    def _close(self) -> None:
        """At the process's exit: close the shared connections."""
        if self._pool is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._pool.close(), self._loop).result(5)


_CALL_LOOP = _CallLoop()
