"""Tools of Model Context Protocol servers (`mcp_servers:` and `tool:` of a domain), with the official `mcp` SDK.

Each server gets one connection per process, opened at its first call (or by `warm_up`) on the process's call
loop and kept; a connection that broke (the command exited, the HTTP server went away) is opened again at the
next call. A call never takes longer than its limit and never raises: a failure is a `ServiceAnswer` that says
why, as for HTTP services (dialogue.dm.services.client). A tool call carries the turn's idempotency key in its
request's `_meta` (`dialogue/idempotency_key`), for a server that de-duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

from dialogue.dm.services.breaker import CircuitBreaker
from dialogue.dm.services.calls import ServiceAnswer, call_key
from dialogue.domains.schema.services import McpServer

if TYPE_CHECKING:  # the SDK is imported at the first connection (a second to import; most domains have no tools)
    from mcp import Client
    from mcp import types as mcp_types

KEY_META = "dialogue/idempotency_key"
CONNECT_TIMEOUT_S = 30.0
"""How long a connection may take to open, outside any turn's budget (`warm_up`, `tools`)."""


@dataclass(frozen=True)
class ToolRequest:
    """One tool call, as the domain's templates made it."""

    service: str
    """The MCP server's name in the domain."""
    tool: str
    arguments: dict[str, Any]
    key: str
    timeout_s: float | None = None

    @classmethod
    def of(cls, service: str, tool: str, arguments: dict[str, Any], *, turn: str, ordinal: int,
           timeout_s: float | None = None) -> ToolRequest:
        return cls(service, tool, arguments, call_key(turn, ordinal, "tool", service, tool, arguments), timeout_s)


class _Connection:
    """An open session with a server, held by a task of its own (the SDK's context must be left by the task
    that entered it)."""

    def __init__(self, open_client: Any):
        self._ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._hold(open_client))

    async def _hold(self, open_client: Any) -> None:
        try:
            async with open_client() as client:
                self._ready.set_result(client)
                await self._stop.wait()
        except Exception as err:  # noqa: BLE001 - any failure to connect or of the transport ends the connection
            if not self._ready.done():
                self._ready.set_exception(err)

    async def client(self) -> Client:
        return await asyncio.shield(self._ready)

    @property
    def broken(self) -> bool:
        return self._task.done()

    async def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception, asyncio.TimeoutError):
            await asyncio.wait_for(self._task, 5)


@dataclass
class _Server:
    """A server as the client reaches it: how to open a session, its breaker, its open connection."""

    name: str
    spec: McpServer
    open_client: Any
    problem: str
    breaker: CircuitBreaker
    connection: _Connection | None = None

    @classmethod
    def of(cls, name: str, spec: McpServer, folder: Path, environ: Mapping[str, str]) -> _Server:
        missing = [variable for variable in [*spec.env, *spec.headers_env.values(), spec.token_env]
                   if variable and variable not in environ]
        if spec.url_env and not (environ.get(spec.url_env) or spec.url):
            missing.append(spec.url_env)
        problem = (f"MCP server '{name}' cannot be reached: environment variable(s) {', '.join(missing)} not set"
                   if missing else "")
        breaker = CircuitBreaker(spec.circuit_breaker.failures, spec.circuit_breaker.cooldown_s)
        return cls(name, spec, _opener(spec, folder, environ), problem, breaker)

    async def client(self) -> Client:
        """The open session, opened if there is none or the last one broke."""
        if self.connection is None or self.connection.broken:
            self.connection = _Connection(self.open_client)
        return await self.connection.client()

    async def drop(self) -> None:
        """Forget a session that failed (the next call opens a new one)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            await connection.close()


def _opener(spec: McpServer, folder: Path, environ: Mapping[str, str]) -> Any:
    """What opens a session with the server: an async context manager factory yielding an entered Client."""
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import get_default_environment
    from mcp.client.streamable_http import streamable_http_client

    if spec.command is not None:
        program, *args = spec.command
        params = StdioServerParameters(
            command=sys.executable if program == "python" else program, args=args, cwd=folder,
            env={**get_default_environment(), **{name: environ[name] for name in spec.env if name in environ}})
        return lambda: Client(params)
    url = (environ.get(spec.url_env) if spec.url_env else None) or spec.url or ""
    headers = {header: environ.get(variable, "") for header, variable in spec.headers_env.items()}
    if spec.token_env:
        headers["Authorization"] = f"Bearer {environ.get(spec.token_env, '')}"

    @contextlib.asynccontextmanager
    async def open_client() -> AsyncIterator[Client]:
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http, \
                Client(streamable_http_client(url, http_client=http)) as client:
            yield client
    return open_client


class McpClient:
    """Calls the tools of one domain's MCP servers. Its coroutines run on the process's call loop."""

    def __init__(self, servers: dict[str, McpServer], folder: Path, environ: Mapping[str, str] | None = None):
        environ = os.environ if environ is None else environ
        self.servers = {name: _Server.of(name, spec, folder, environ) for name, spec in servers.items()}

    def problems(self) -> list[str]:
        return [server.problem for server in self.servers.values() if server.problem]

    async def warm_up(self) -> None:
        """Open every server's session now, so that no turn waits for a command to start."""
        async def open_one(server: _Server) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.client(), CONNECT_TIMEOUT_S)
        await asyncio.gather(*(open_one(s) for s in self.servers.values() if not s.problem))

    async def call(self, request: ToolRequest, deadline: float) -> ServiceAnswer:
        started = time.perf_counter()
        server = self.servers[request.service]
        for limit_s in (request.timeout_s, server.spec.timeout_ms and server.spec.timeout_ms / 1000):
            if limit_s:
                deadline = min(deadline, time.monotonic() + limit_s)
        if server.problem:
            answer = ServiceAnswer("error", reason="not_configured", error=server.problem)
        elif not server.breaker.allow():
            answer = ServiceAnswer("error", reason="circuit_open", error=f"MCP server '{server.name}' failed "
                                   f"{server.spec.circuit_breaker.failures} times in a row; not called for "
                                   f"{server.spec.circuit_breaker.cooldown_s:g} s")
        else:
            answer = await self._try(server, request, deadline)
            server.breaker.record(answer.outcome == "ok" or answer.reason == "tool_error")
        return ServiceAnswer(answer.outcome, answer.status, answer.body, answer.reason, answer.error,
                             round((time.perf_counter() - started) * 1000, 3))

    async def _try(self, server: _Server, request: ToolRequest, deadline: float) -> ServiceAnswer:
        left = deadline - time.monotonic()
        if left <= 0:
            return ServiceAnswer("timeout", reason="timeout", error="no time was left for the call")
        try:
            async with asyncio.timeout(left):
                client = await server.client()
                result = await client.call_tool(request.tool, request.arguments, meta={KEY_META: request.key})
        except TimeoutError:
            return ServiceAnswer("timeout", reason="timeout", error=f"no answer within {left * 1000:.0f} ms")
        except Exception as err:  # noqa: BLE001 - the SDK's and its transports' errors are many
            await server.drop()
            return ServiceAnswer("error", reason="unreachable", error=f"{type(err).__name__}: {err}"[:300])
        return _answer(result, server.spec.max_response_bytes)

    async def tools(self, name: str) -> list[mcp_types.Tool]:
        """The tools a server offers (for `dialogue validate --online`); raises when it cannot be reached."""
        server = self.servers[name]
        if server.problem:
            raise ConnectionError(server.problem)
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            client = await server.client()
            return (await client.list_tools()).tools

    async def close(self) -> None:
        await asyncio.gather(*(server.drop() for server in self.servers.values()))


def _answer(result: mcp_types.CallToolResult, limit: int) -> ServiceAnswer:
    """A tool's result as an answer: its structured content, else its text read as JSON, else the text."""
    from mcp import types as mcp_types

    text = "\n".join(part.text for part in result.content if isinstance(part, mcp_types.TextContent))
    size = len(text.encode()) + len(json.dumps(result.structured_content, default=str).encode())
    if size > limit:
        return ServiceAnswer("error", reason="too_large", error=f"answer longer than {limit:,} bytes")
    if result.is_error:
        return ServiceAnswer("error", reason="tool_error", error=f"the tool failed: {text[:300]}")
    if result.structured_content is not None:
        return ServiceAnswer("ok", body=result.structured_content)
    try:
        return ServiceAnswer("ok", body=json.loads(text))
    except (ValueError, RecursionError):
        return ServiceAnswer("ok", body=text)
