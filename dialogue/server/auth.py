"""Access: bearer-token auth (every call but health checks must carry `authorization: Bearer <token>`), and the
TLS certificate checked before serving."""

from __future__ import annotations

import hmac
import logging
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc

from dialogue.server.handlers import handler as method_handler
from dialogue.server.metrics import Metrics

log = logging.getLogger("dialogue.server")
OPEN_TO_ALL = ("/grpc.health.v1.Health/",)
"""Load balancers and orchestrators probe health without credentials."""


def tls_problem(cert: Path, key: Path) -> str | None:
    """What is wrong with a certificate chain and its private key (both PEM, the key unencrypted), or None.
    gRPC itself only says that it could not listen."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key, password=lambda: b"")
    except ssl.SSLError as err:
        if err.reason == "KEY_VALUES_MISMATCH":
            return f"the private key in {key} is not the key of the certificate in {cert}"
        return f"cannot read {cert} as a PEM certificate chain and {key} as its private key (PEM, not encrypted)"
    return None


class BearerToken(grpc.aio.ServerInterceptor):
    def __init__(self, token: str, metrics: Metrics):
        self.expected = f"Bearer {token}".encode()
        self.metrics = metrics

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]],
                                details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_TO_ALL) or self._valid(details.invocation_metadata):
            return handler
        method = details.method.rpartition("/")[2]
        self.metrics.error("-", method, "UNAUTHENTICATED")
        log.info("call", extra={"fields": {"method": method, "domain": "-", "code": "UNAUTHENTICATED"}})
        return _refusal(handler)

    def _valid(self, metadata: Any) -> bool:
        given = [value for key, value in metadata or () if key == "authorization"]
        return len(given) == 1 and hmac.compare_digest(
            given[0].encode() if isinstance(given[0], str) else given[0], self.expected)


def _refusal(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """A handler of the same kind as the method's that answers UNAUTHENTICATED."""

    async def refuse(_request: Any, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED,
                            "give the server's token as metadata: authorization: Bearer <token>")
    return method_handler(refuse, request_streaming=handler.request_streaming,
                          response_streaming=handler.response_streaming,
                          request_deserializer=handler.request_deserializer,
                          response_serializer=handler.response_serializer)
