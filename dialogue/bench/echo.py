"""The bench's ceiling: a bare grpc.aio server answering SendTurn with fixed bytes, nothing else.

Run as `python -m dialogue.bench.echo RESPONSE_FILE`: it does not decode the request and
answers every call with the file's bytes (a real turn's response, so the messages are of
the same size as the dialogue server's). It logs a JSON `serving` line with its port to
standard error and stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import grpc

METHOD = "/dialogue.v1.DialogueService/SendTurn"


async def serve(response: bytes) -> None:
    async def answer(_request: bytes, _context: grpc.aio.ServicerContext) -> bytes:
        return response

    server = grpc.aio.server()
    service, _, method = METHOD[1:].partition("/")
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        service, {method: grpc.unary_unary_rpc_method_handler(answer)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(json.dumps({"event": "serving", "port": port}), file=sys.stderr, flush=True)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await stopping.wait()
    await server.stop(1)


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]).read_bytes()))
