"""Calls that return by their deadline whatever the backend does.

The backend runs on a worker thread; the caller waits at most until the deadline, then
goes on (the worker is told to stop and finishes on its own). So a slow or dead LLM
costs a turn its time budget and no more.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from dialogue.nlg.llm.base import Backend, ChatRequest, LlmError, LlmTimeout, remaining

_WORKERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm")
_DONE = object()


class Budgeted:
    """A backend whose calls return (or raise LlmTimeout) by their deadline."""

    def __init__(self, backend: Backend):
        self.backend = backend
        self.name, self.model = backend.name, backend.model

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        future = _WORKERS.submit(self.backend.complete, request, deadline=deadline)
        try:
            return future.result(timeout=remaining(deadline))
        except FutureTimeout:
            future.cancel()
            raise LlmTimeout(f"{self.name} model '{self.model}' did not answer within its time budget") from None
        except LlmError:
            raise
        except Exception as err:  # noqa: BLE001 - a backend's bug must not break the turn
            raise LlmError(f"{self.name} model '{self.model}' failed: {type(err).__name__}: {err}") from None

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        """The backend's pieces as they come; LlmTimeout when the deadline passes between two of them."""
        pieces: queue.Queue = queue.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                for piece in self.backend.stream(request, deadline=deadline):
                    if stop.is_set():
                        return
                    pieces.put(piece)
                pieces.put(_DONE)
            except LlmError as err:
                pieces.put(err)
            except Exception as err:  # noqa: BLE001 - a backend's bug must not break the turn
                pieces.put(LlmError(f"{self.name} model '{self.model}' failed: {type(err).__name__}: {err}"))

        _WORKERS.submit(produce)
        try:
            while True:
                try:
                    item = pieces.get(timeout=remaining(deadline))
                except queue.Empty:
                    raise LlmTimeout(f"{self.name} model '{self.model}' did not finish within its time budget") \
                        from None
                if item is _DONE:
                    return
                if isinstance(item, LlmError):
                    raise item
                yield item
        finally:
            stop.set()

    def close(self) -> None:
        self.backend.close()
