"""A turn's calls to services: what is sent, what came back, and the book that keeps the answers of a turn.

A turn never holds its transaction while it waits on a service. When the executor reaches a call whose answer
the turn's `CallBook` does not hold, the handler raises `CallNeeded`: the transaction is rolled back (nothing
was kept), the engine makes the call outside it, writes the answer in the book, and runs the turn again from
its start. The turn is deterministic given its input, its time and the answers, so the second run reaches the
same call, now answered, and goes on. Every call carries an idempotency key made of the domain, the session,
the turn's number, the call's place among the turn's calls and the request itself: the same turn sent again
(after a failed commit, or to another server) sends the same key, so a service that de-duplicates by it acts
once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["ok", "error", "timeout"]


def call_key(*identity: Any) -> str:
    """The idempotency key of a call: a hash of what names it (the turn, its place in the turn, the request)."""
    return hashlib.sha256(json.dumps(identity, default=str, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ServiceRequest:
    """One call, as the domain's templates made it (no secrets: the client adds the service's credentials)."""

    service: str
    method: str
    path: str
    query: dict[str, str]
    body: Any
    key: str
    """The idempotency key (sent as the `Idempotency-Key` header)."""
    timeout_s: float | None = None
    """The call's own limit, within what is left of the turn's budget."""

    @classmethod
    def of(cls, service: str, method: str, path: str, query: dict[str, str], body: Any, *, turn: str,
           ordinal: int, timeout_s: float | None = None) -> ServiceRequest:
        """A request with its key: `turn` names the turn (domain, session, number), `ordinal` the call's place
        among the turn's calls."""
        return cls(service, method, path, query, body,
                   call_key(turn, ordinal, service, method, path, sorted(query.items()), body), timeout_s)


@dataclass(frozen=True)
class ServiceAnswer:
    """What came back: the JSON answer of a call that worked, else why it failed."""

    outcome: Outcome
    status: int | None = None
    """The HTTP status of the last try (None: no answer at all)."""
    body: Any = None
    reason: str = ""
    """A fixed word for a failure: `status`, `timeout`, `unreachable`, `too_large`, `not_json`, `circuit_open`,
    `not_configured`, `tool_error`."""
    error: str = ""
    """The failure in words, for the turn's warnings."""
    ms: float = 0.0
    attempts: int = 1

    @property
    def status_label(self) -> str:
        """How logs and metrics name the outcome: the HTTP status (`ok` for a tool), else the failure's reason."""
        if self.outcome == "ok":
            return "ok" if self.status is None else str(self.status)
        return str(self.status) if self.reason == "status" else self.reason


class CallNeeded(Exception):
    """The turn reached a call (a `ServiceRequest`, or a Python action's `PythonRequest`) that its book does not
    answer yet: roll back, call, run the turn again."""

    def __init__(self, request: Any):
        super().__init__(f"call {request.key} needed")
        self.request = request


@dataclass
class CallBook:
    """The answers of one turn's calls, by key, what is left of the turn's budget for calls, and its runs."""

    deadline: float
    """On time.monotonic()'s clock: the turn's calls must be done by then."""
    answers: dict[str, ServiceAnswer] = field(default_factory=dict)
    made: int = 0
    """Calls made this run of the turn (their ordinal)."""
    runs: int = 0
    """Times the turn began to run (the attempt number its streamed text carries)."""

    def next_ordinal(self) -> int:
        self.made += 1
        return self.made

    def rewind(self) -> None:
        """The turn runs (again) from its start: its calls count from one again."""
        self.made = 0
        self.runs += 1
