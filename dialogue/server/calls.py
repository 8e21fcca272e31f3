"""One call's (or one stream turn's) bookkeeping: its log line, its metrics, the status of its failure.

The log line names the method, domain, session, status and time, and what the turn did
(intent, actions, turn number); what the user said and the bot's reply only with debugging on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc

from dialogue.nlg.redact import mask
from dialogue.server.errors import status
from dialogue.server.metrics import Metrics
from dialogue.turns import TurnResult, UserInput

log = logging.getLogger("dialogue.server")


@dataclass
class Call:
    method: str
    domain: str = "-"
    """A hosted domain's name once the call named one (metrics labels never hold what a client sent)."""
    code: grpc.StatusCode = grpc.StatusCode.OK
    message: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def failed(self, err: Exception) -> tuple[grpc.StatusCode, str]:
        self.code, self.message = status(err)
        return self.code, self.message


def deadline(context: grpc.aio.ServicerContext) -> float | None:
    """The call's deadline on time.monotonic()'s clock, if it has one."""
    remaining = context.time_remaining()
    return None if remaining is None else time.monotonic() + remaining


class Calls:
    """Where calls are counted and logged."""

    def __init__(self, metrics: Metrics, *, debug: bool = False):
        self.metrics, self.debug = metrics, debug

    @asynccontextmanager
    async def unary(self, method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[Call]:
        """A unary call: a failure inside ends it with its status code (and a message, never a traceback)."""
        call = Call(method)
        self.metrics.in_flight.inc()
        try:
            yield call
        except asyncio.CancelledError:
            remaining = context.time_remaining()
            call.code = grpc.StatusCode.DEADLINE_EXCEEDED if remaining is not None and remaining <= 0 \
                else grpc.StatusCode.CANCELLED
            self._end(call)
            raise
        except Exception as err:  # noqa: BLE001 - every failure becomes a status
            code, message = call.failed(err)
            self._end(call)  # counted and logged before `abort` sends the status to the client
            await context.abort(code, message)
        else:
            self._end(call)

    def _end(self, call: Call) -> None:
        self.metrics.in_flight.dec()
        self.done(call)

    def turn_input(self, call: Call, session_id: str, user_id: str, given: UserInput) -> None:
        kind = "text" if given.text is not None else "intent" if given.intent is not None else "event"
        call.fields.update(session_id=session_id, input=kind)
        if given.event is not None:
            call.fields["input_event"] = given.event
        if self.debug:
            call.fields.update(user_id=user_id, user=given.model_dump(exclude_none=True, exclude_defaults=True))

    def turn_result(self, call: Call, result: TurnResult, pii: set[str] = frozenset()) -> None:
        """Count the turn; with debugging on, log what was said, values of the domain's `pii` slots redacted."""
        understood = result.understood
        call.fields.update(turn=result.turn, intent=understood.intent if understood else None,
                           actions=len(result.actions), ended=result.ended, handoff=result.handoff,
                           replayed=result.replayed, attempts=result.attempts, turn_ms=result.latency_ms.get("total"))
        if self.debug:
            call.fields["bot"] = result.text
            secrets = [result.state.slots.get(slot) for slot in pii]
            secrets += [understood.entities.get(slot) for slot in pii] if understood else []
            for key in ("user", "bot"):
                call.fields[key] = mask(call.fields.get(key), secrets)
        self.metrics.turn(call.domain, call.method, result)

    def done(self, call: Call) -> None:
        fields = {"method": call.method, "domain": call.domain, "code": call.code.name,
                  "ms": round((time.perf_counter() - call.started) * 1000, 3), **call.fields}
        if call.code is not grpc.StatusCode.OK:
            self.metrics.error(call.domain, call.method, call.code.name)
            if call.code is grpc.StatusCode.INVALID_ARGUMENT and not self.debug:
                fields["field"] = call.message.partition(":")[0]  # the rest may quote what was sent
            else:
                fields["error"] = call.message
        log.info("call", extra={"fields": fields})
