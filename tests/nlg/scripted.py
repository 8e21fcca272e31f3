"""A scripted stand-in for an LLM backend, to test the LLM uses and the engine in isolation
(the backends themselves are tested against a real server and the real local model)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from dialogue.nlg.llm.base import ChatRequest, LlmTimeout, remaining


class ScriptedBackend:
    """Answers each request with `reply(request)`, after `delay` seconds, in word-sized pieces."""

    name = "scripted"
    model = "script"

    def __init__(self, reply: Callable[[ChatRequest], str] | str, delay: float = 0.0):
        self.reply = reply if callable(reply) else (lambda _request: reply)
        self.delay = delay
        self.requests: list[ChatRequest] = []

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        return "".join(self.stream(request, deadline=deadline))

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
            if remaining(deadline) == 0:
                raise LlmTimeout("scripted backend: too slow")
        text = self.reply(request)
        words = text.split(" ")
        for index, word in enumerate(words):
            yield word if index == len(words) - 1 else word + " "

    def close(self) -> None:
        pass
