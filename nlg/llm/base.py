"""The interface every LLM backend gives: complete and stream a chat, each within a deadline."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


class LlmError(Exception):
    """An LLM call that gave no usable answer; the message says what went wrong and where."""


class LlmTimeout(LlmError):
    """The call's deadline passed before the answer was complete."""


class LlmUnavailable(LlmError):
    """The backend cannot be reached or loaded (server down, package missing, no GPU)."""


class LlmMalformed(LlmError):
    """The backend answered with something that is not a valid completion."""


@dataclass(frozen=True)
class ChatRequest:
    """One chat completion: the messages (`{"role": ..., "content": ...}`) and how to sample."""

    messages: list[dict[str, str]]
    max_tokens: int = 96
    temperature: float = 0.0
    json_schema: dict[str, Any] | None = field(default=None, hash=False)
    """Ask for JSON matching this schema (backends that can constrain decoding do)."""

    def key_data(self) -> dict[str, Any]:
        """What identifies the request for the cache."""
        return {"messages": self.messages, "max_tokens": self.max_tokens, "temperature": self.temperature,
                "json_schema": self.json_schema}


def remaining(deadline: float) -> float:
    """Seconds left before a `time.monotonic()` deadline (never negative)."""
    return max(0.0, deadline - time.monotonic())


class Backend(Protocol):
    """An LLM. `complete` returns the whole answer; `stream` yields it piece by piece.

    Both raise LlmError subclasses, never anything else, and give up (LlmTimeout) once the
    `time.monotonic()` deadline has passed, as promptly as the backend allows; `Budgeted`
    makes the caller's wait exact whatever the backend does.
    """

    name: str
    model: str

    def complete(self, request: ChatRequest, *, deadline: float) -> str: ...

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]: ...

    def close(self) -> None: ...


def cache_key(backend: str, model: str, request: dict[str, Any]) -> str:
    """The key of a request in an LLM response cache (dialogue.dm.store.ResponseCache)."""
    blob = json.dumps({"backend": backend, "model": model, **request}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
