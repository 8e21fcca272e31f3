"""The inspector's web app (Starlette): the page, and a JSON API the page calls.

Every answer is JSON or a static file; an error is a JSON `{"error": ...}` with a 4xx status for what the page
sent, never a traceback. The page renders every value as text (docs/inspector.md), and the Content Security
Policy forbids inline scripts, so nothing a conversation holds can run as script.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from dialogue.chat import command_input
from dialogue.client import ServerError
from dialogue.dm.errors import StoreError
from dialogue.domains import DomainError
from dialogue.inspector.conversations import Inspector
from dialogue.turns import InputError, UserInput

MAX_BODY = 256 * 1024
"""Bytes a request to the API may hold."""
STATIC = files("dialogue.inspector") / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[Request], Awaitable[Any]]


def inspector_app(inspector: Inspector, *, graph: Callable[[], str | None], about: dict[str, Any]) -> Starlette:
    """The app for one inspector. `graph` gives the domain's picture as SVG (None without Graphviz); `about` is
    what the page shows of where turns run."""

    async def page(_: Request) -> Response:
        return FileResponse(str(STATIC / "index.html"), headers=SECURITY_HEADERS)

    async def domain(_: Request) -> dict[str, Any]:
        spec = inspector.domain
        return {"name": spec.name, "description": spec.description, "intents": sorted(spec.intents),
                "slots": sorted(spec.slots), "tasks": sorted(spec.tasks), "stored": inspector.store is not None,
                **about}

    drawn = functools.cache(graph)  # drawn once: saving tests does not change the picture

    async def picture(_: Request) -> Response:
        svg = await run_in_threadpool(drawn)
        if svg is None:
            return JSONResponse({"error": "no picture: Graphviz's `dot` is not installed"}, status_code=404)
        return Response(svg, media_type="image/svg+xml", headers=SECURITY_HEADERS)

    async def turn(request: Request) -> dict[str, Any]:
        body = await _body(request)
        given = _input(body.get("input"))
        channel = body.get("channel", "text")
        if channel not in ("text", "voice"):
            raise InputError("channel", f"unknown channel '{str(channel)[:20]}'; use text or voice")
        started = time.perf_counter()
        shown = await run_in_threadpool(inspector.turn, _text(body, "session_id"), given, channel=channel,
                                        user_id=body.get("user_id") or None)
        shown["inspector_ms"] = round((time.perf_counter() - started) * 1000 - shown["latency_ms"].get("total", 0),
                                      3)
        return shown

    async def save(request: Request) -> dict[str, Any]:
        body = await _body(request)
        return await run_in_threadpool(inspector.save_test, _text(body, "session_id"), _text(body, "name"))

    async def stored(_: Request) -> dict[str, Any]:
        return {"sessions": await run_in_threadpool(inspector.stored)}

    async def replay(request: Request) -> dict[str, Any]:
        return {"turns": await run_in_threadpool(inspector.replay, request.path_params["session_id"])}

    routes = [
        Route("/", page),
        Route("/api/domain", _json(domain)),
        Route("/api/graph.svg", picture),
        Route("/api/turn", _json(turn), methods=["POST"]),
        Route("/api/tests", _json(save), methods=["POST"]),
        Route("/api/stored", _json(stored)),
        Route("/api/stored/{session_id:path}", _json(replay)),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    return Starlette(routes=routes)


def _json(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An API endpoint: its answer as JSON; an error as `{"error": ..., "field": ...}` with its status."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request), headers=SECURITY_HEADERS)
        except InputError as err:
            return _error(400, str(err), err.field)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "input"
            return _error(400, f"{where}: {first['msg']}", where)
        except DomainError as err:
            return _error(400, "; ".join(str(problem) for problem in err.problems[:5]))
        except StoreError as err:
            return _error(503, f"the database failed: {err}")
        except ServerError as err:
            return _error(502, f"the dialogue server refused: {err}")
        except Exception as err:  # noqa: BLE001 - a bug: a message, never a traceback
            return _error(500, f"internal error: {type(err).__name__}: {err}")

    return endpoint


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status, headers=SECURITY_HEADERS)


async def _body(request: Request) -> dict[str, Any]:
    """The request's JSON object (at most MAX_BODY bytes)."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InputError("body", f"{len(raw)} bytes; at most {MAX_BODY} are taken")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError("body", f"not JSON: {err}") from None
    except RecursionError:
        raise InputError("body", "nested too deep to read") from None
    if not isinstance(body, dict):
        raise InputError("body", "send a JSON object")
    return body


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str):
        raise InputError(field, "give it as a string")
    return value


def _input(raw: Any) -> UserInput:
    """The user's input: `{"text": ...}` (text, `/intent{...}`, or a command of the terminal chat: `:dtmf 12`,
    `:no_input`, `:start`, `:end`), or an event (`{"event": "dtmf", "digits": "12"}`, `no_input`, `start`,
    `end`)."""
    if not isinstance(raw, dict):
        raise InputError("input", 'give {"text": ...} or {"event": ...}')
    if isinstance(raw.get("text"), str) and set(raw) == {"text"}:
        given = command_input(raw["text"]) if raw["text"].startswith(":") else UserInput.parse(raw["text"])
        if given is None:
            raise InputError("text", "':quit' ends the terminal chat; here, close the page")
        return given
    return UserInput.model_validate(raw)
