"""What a failed call means to the client: a status code and a message, never a stack trace."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from dialogue.dm.errors import StoreError
from dialogue.turns import InputError

log = logging.getLogger("dialogue.server")


class Refused(Exception):
    """A call the server turns down, with the status code that says why."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request whose bytes are not a valid message, so that its call answers INVALID_ARGUMENT."""

    message_type: str
    reason: str

    def refuse(self) -> Refused:
        return Refused(grpc.StatusCode.INVALID_ARGUMENT,
                       f"request: not a valid {self.message_type} message ({self.reason})")


def valid(request: Any) -> Any:
    """The request, unless its bytes could not be decoded (then INVALID_ARGUMENT)."""
    if isinstance(request, Undecodable):
        raise request.refuse()
    return request


def lenient(message_class: Any) -> Callable[[bytes], Any]:
    """A request deserializer that gives Undecodable instead of raising (gRPC would answer UNKNOWN)."""

    def parse(data: bytes) -> Any:
        try:
            return message_class.FromString(data)
        except DecodeError as err:
            return Undecodable(message_class.DESCRIPTOR.full_name, str(err).rpartition(": ")[2] or "cannot decode")

    return parse


def status(err: Exception) -> tuple[grpc.StatusCode, str]:
    """The status of a failure; an unexpected one is logged with its traceback under a reference."""
    if isinstance(err, Refused):
        return err.code, str(err)
    if isinstance(err, InputError):
        return grpc.StatusCode.INVALID_ARGUMENT, str(err)
    if isinstance(err, StoreError):
        log.warning("database unavailable", extra={"fields": {"reason": str(err)}})
        return grpc.StatusCode.UNAVAILABLE, "the database is unavailable; nothing of the call was kept, try again"
    reference = uuid.uuid4().hex[:12]
    log.error("internal error", exc_info=err, extra={"fields": {"reference": reference}})
    return grpc.StatusCode.INTERNAL, f"internal error {reference}; the server's log has the details"
