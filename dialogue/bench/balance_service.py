"""The services bench's HTTP service: `GET /balance?delay_ms=N` answers `{"balance": 120.5}` after N ms.

Run as `python -m dialogue.bench.balance_service` (Starlette on uvicorn, a process of its own): it logs a JSON
`serving` line with its port to standard error and stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def balance(request: Request) -> JSONResponse:
    delay_ms = int(request.query_params.get("delay_ms", "0"))
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)
    return JSONResponse({"balance": 120.5})


APP = Starlette(routes=[Route("/balance", balance)])


async def serve() -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(APP, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                                           access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError("the balance service did not start")
        await asyncio.sleep(0.01)
    print(json.dumps({"event": "serving", "port": server.servers[0].sockets[0].getsockname()[1]}),
          file=sys.stderr, flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(serve())
