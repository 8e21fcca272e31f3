"""The service's method handlers, built from its descriptor, with requests decoded leniently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from dialogue.server.errors import lenient
from dialogue.v1 import dialogue_pb2 as pb

SERVICE = pb.DESCRIPTOR.services_by_name["DialogueService"]
_KINDS = {(False, False): grpc.unary_unary_rpc_method_handler, (False, True): grpc.unary_stream_rpc_method_handler,
          (True, False): grpc.stream_unary_rpc_method_handler, (True, True): grpc.stream_stream_rpc_method_handler}


def handler(behaviour: Callable[..., Any], *, request_streaming: bool, response_streaming: bool,
            **serializers: Any) -> grpc.RpcMethodHandler:
    """A method handler of the given kind (unary or streaming on either side)."""
    return _KINDS[(request_streaming, response_streaming)](behaviour, **serializers)


def register(server: grpc.aio.Server, service: Any) -> None:
    """Serve `dialogue.v1.DialogueService` with `service`'s methods; a request that does not decode gets
    INVALID_ARGUMENT from the method itself instead of gRPC's UNKNOWN."""
    handlers = {
        method.name: handler(getattr(service, method.name), request_streaming=method.client_streaming,
                             response_streaming=method.server_streaming,
                             request_deserializer=lenient(getattr(pb, method.input_type.name)),
                             response_serializer=getattr(pb, method.output_type.name).SerializeToString)
        for method in SERVICE.methods}
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE.full_name, handlers),))
    server.add_registered_method_handlers(SERVICE.full_name, handlers)
