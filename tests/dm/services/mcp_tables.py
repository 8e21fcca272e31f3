"""A real MCP server for the tests (the official SDK's): a restaurant's table book. Run it as
`python mcp_tables.py stdio` or `python mcp_tables.py http PORT`."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("tables", log_level="WARNING")
KEYS: Counter[str] = Counter()
"""The idempotency keys of the check_table calls received."""
TAKEN = {"19:30"}


@server.tool()
def check_table(restaurant: str, time: str, party: int, ctx: Context) -> dict:
    """Whether a table for `party` is free at `time`; if not, why, and times that are."""
    KEYS[str((ctx.request_context.meta or {}).get("dialogue/idempotency_key"))] += 1
    if time in TAKEN:
        return {"free": False, "reason": f"{restaurant} is full at {time}", "alternatives": ["19:00", "20:15"]}
    return {"free": True, "table": party * 10 + 1}


@server.tool()
def received() -> dict:
    """How many check_table calls came with each idempotency key."""
    return {"keys": dict(KEYS)}


@server.tool()
def broken() -> str:
    raise ValueError("the kitchen is on fire")


@server.tool()
async def slow(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "done"


@server.tool()
def huge() -> dict:
    return {"free": True, "table": 1, "menu": "x" * 2_000_000}


@server.tool()
def wrong_shape() -> dict:
    return {"free": "perhaps", "table": "by the window"}


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run()
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
