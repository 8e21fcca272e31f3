"""The LLM uses of a domain: rephrase template answers, answer out-of-scope input, rescue unsure NLU.

Every use redacts personal data before the prompt leaves, looks in the cache first, calls the
backend within the turn's deadline, and runs the output guard. Whatever fails (timeout, error,
a failed check) leaves the deterministic result in place and says why.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, create_model

from dialogue.dm.store import ResponseCache
from dialogue.domains.schema import Domain
from dialogue.nlg import prompts
from dialogue.nlg.grounding import uncited, ungrounded
from dialogue.nlg.guard import OutputGuard, facts
from dialogue.nlg.llm.base import Backend, ChatRequest, LlmError, cache_key
from dialogue.nlg.llm.budget import Budgeted
from dialogue.nlg.redact import Redaction

_JSON_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)


@dataclass
class LlmText:
    """What an LLM use gave: the accepted text (None if the template stays), its pieces as the model
    streamed them, and a note on what happened."""

    text: str | None
    pieces: list[str] = field(default_factory=list)
    note: str = ""
    cached: bool = False


class LlmAssist:
    def __init__(self, domain: Domain, backend: Backend, cache: ResponseCache | None = None):
        self.domain = domain
        self.settings = domain.nlg
        self.backend = backend if isinstance(backend, Budgeted) else Budgeted(backend)
        self.cache = cache if self.settings.cache.enabled else None
        self.guard = OutputGuard(self.settings)
        self.pii_slots = {name for name, spec in domain.slots.items() if spec.pii}
        self.pii_variables = {name for name, spec in domain.memory.variables.items() if spec.pii}
        self.labels = list(domain.intents)
        self._answer: type[BaseModel] = create_model(
            "RescueAnswer", intent=(Literal[(*self.labels, prompts.NO_INTENT)], ...))  # type: ignore[valid-type]

    def pii_values(self, slots: dict[str, Any], variables: dict[str, Any]) -> list[Any]:
        """The current values of the slots and user variables marked `pii: true`."""
        return [slots.get(n) for n in self.pii_slots] + [variables.get(n) for n in self.pii_variables]

    def rephrase(self, text: str, used: Iterable[Any], *, pii: list[Any], deadline: float) -> LlmText:
        """The template text in the persona's words, if it keeps the facts (`used`: the values the template read)."""
        redaction = Redaction(pii)
        messages = prompts.rephrase(self.settings.persona, redaction.redact(text))
        return self._guarded(messages, redaction, deadline, required=facts(text, used), template=text)

    def answer(self, text: str, capabilities: list[str], *, pii: list[Any], deadline: float) -> LlmText:
        """An answer in the persona to input the domain does not handle."""
        redaction = Redaction(pii)
        messages = prompts.fallback(self.settings.persona, self.domain, capabilities, redaction.redact(text))
        return self._guarded(messages, redaction, deadline)

    def from_passages(self, question: str, passages: list[str], *, pii: list[Any], deadline: float) \
            -> tuple[LlmText, list[int]]:
        """An answer to the question from the passages only, if it passes the grounding check, without its citations;
        and the passages it cited (their places in `passages`, all of them when it cited none)."""
        redaction = Redaction(pii)
        messages = prompts.knowledge(self.settings.persona, passages, redaction.redact(question))
        written = self._guarded(messages, redaction, deadline, stream=False)
        if written.text is None:
            return written, []
        if prompts.NO_ANSWER in written.text:
            return LlmText(None, note="the LLM found no answer in the passages", cached=written.cached), []
        problem = ungrounded(written.text, passages, self.domain.settings.language)
        if problem is not None:
            return LlmText(None, note=f"LLM answer not grounded: {problem}", cached=written.cached), []
        cited = sorted({int(n) - 1 for n in re.findall(r"\[(\d+)\]", written.text) if 0 < int(n) <= len(passages)})
        text = uncited(written.text)
        return LlmText(text, [text], note=written.note, cached=written.cached), cited or list(range(len(passages)))

    def rescue(self, text: str, *, pii: list[Any], deadline: float) -> tuple[str | None, str]:
        """The intent the LLM picks among the domain's (None when it picks none, or its answer is invalid or late),
        and a note on what happened."""
        redaction = Redaction(pii)
        request = self._request(prompts.rescue(self.domain, self.labels, redaction.redact(text)),
                                json_schema=prompts.intent_schema(self.labels), max_tokens=24)
        try:
            raw, _, cached = self._call(request, deadline, stream=False)
        except LlmError as err:
            return None, f"rescue failed: {err}"
        found = _JSON_OBJECT.search(raw)
        try:
            intent = self._answer.model_validate(json.loads(found.group() if found else raw)).intent
        except (json.JSONDecodeError, ValidationError):
            return None, f"rescue answer is not valid: {raw.strip()[:80]!r}"
        if intent == prompts.NO_INTENT:
            return None, "rescue: the LLM found no intent"
        return intent, "rescued by the LLM" + (" (cached)" if cached else "")

    def _guarded(self, messages: list[dict[str, str]], redaction: Redaction, deadline: float, *,
                 required: list[str] | None = None, template: str | None = None, stream: bool | None = None) -> LlmText:
        try:
            raw, pieces, cached = self._call(self._request(messages), deadline,
                                             stream=self.settings.stream if stream is None else stream)
        except LlmError as err:
            return LlmText(None, note=str(err))
        text = redaction.restore(raw).strip()
        problem = self.guard.problem(text, required=required or [], template=template)
        if problem is not None:
            return LlmText(None, note=f"LLM answer rejected: {problem}", cached=cached)
        if redaction.values or cached or "".join(pieces).strip() != text:
            pieces = [text]
        return LlmText(text, pieces, note="cached" if cached else "", cached=cached)

    def _request(self, messages: list[dict[str, str]], *, json_schema: dict[str, Any] | None = None,
                 max_tokens: int | None = None) -> ChatRequest:
        llm = self.settings.llm
        return ChatRequest(messages, max_tokens=max_tokens or llm.max_tokens, temperature=llm.temperature,
                           json_schema=json_schema)

    def _call(self, request: ChatRequest, deadline: float, *, stream: bool) -> tuple[str, list[str], bool]:
        """The raw answer, its pieces, and whether it came from the cache."""
        key = cache_key(self.backend.name, self.backend.model, request.key_data())
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return hit, [hit], True
        if time.monotonic() >= deadline:
            raise LlmError("no time left in the turn's LLM budget")
        if stream:
            pieces = list(self.backend.stream(request, deadline=deadline))
        else:
            pieces = [self.backend.complete(request, deadline=deadline)]
        raw = "".join(pieces)
        if self.cache is not None and raw.strip():
            self.cache.put(key, self.backend.name, self.backend.model, raw)
        return raw, pieces, False
