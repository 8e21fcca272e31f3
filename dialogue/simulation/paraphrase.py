"""LLM paraphrases of user turns, to test the NLU on phrasings the domain's author never wrote.

A paraphrase must keep every slot value word for word (so the simulator's labels still hold);
one that does not, an LLM error or a timeout keeps the turn as it was. Answers are cached in
SQL by prompt (the NLG's LLM response cache), so a re-run with the same seed costs nothing.
"""

from __future__ import annotations

import random
import time
from typing import Any

from dialogue.dm.store import ResponseCache
from dialogue.nlg.llm import ChatRequest, LlmError
from dialogue.nlg.llm.base import cache_key
from dialogue.simulation.utterances import Utterance

INSTRUCTIONS = ("You rewrite what a customer says to an assistant in other words, as the customer would say it. "
                "Keep the quoted phrases exactly as they are. Reply with the rewritten sentence only.")
MAX_GROWTH = 3
"""A paraphrase may be at most this many times as long as the turn (and a few words more)."""


class Paraphraser:
    """Rewrites a share (`rate`) of the text turns through an LLM backend, with a cache."""

    def __init__(self, backend: Any, cache: ResponseCache, rate: float, budget_s: float = 10.0):
        self.backend, self.cache, self.rate, self.budget_s = backend, cache, rate, budget_s
        self.calls = self.kept = 0

    def apply(self, utterance: Utterance, rng: random.Random) -> Utterance:
        if self.rate == 0 or rng.random() >= self.rate or not utterance.text.strip():
            return utterance
        values = [utterance.text[start:end] for start, end, _ in utterance.spans]
        keep = "" if not values else " Keep these phrases exactly: " + ", ".join(f'"{v}"' for v in values) + "."
        request = ChatRequest(messages=[{"role": "system", "content": INSTRUCTIONS},
                                        {"role": "user", "content": f'Customer: "{utterance.text}".{keep}'}],
                              max_tokens=48, temperature=0.0)
        key = cache_key(self.backend.name, self.backend.model, request.key_data())
        answer = self.cache.get(key)
        if answer is None:
            try:
                self.calls += 1
                answer = self.backend.complete(request, deadline=time.monotonic() + self.budget_s)
            except LlmError:
                return utterance
            self.cache.put(key, self.backend.name, self.backend.model, answer)
        rewritten = relabel(utterance, answer)
        if rewritten is None:
            return utterance
        self.kept += 1
        return rewritten


def relabel(utterance: Utterance, answer: str) -> Utterance | None:
    """The paraphrase with the value spans found again in it, or None when a value is missing or it rambles."""
    text = " ".join(answer.strip().strip('"').split("\n")[0].split())
    if text.lower().startswith("customer:"):
        text = text[len("customer:"):].strip().strip('"')
    if not text or len(text) > MAX_GROWTH * len(utterance.text) + 20 or text == utterance.text:
        return None
    spans: list[tuple[int, int, str]] = []
    lowered = text.lower()
    for start, end, slot in sorted(utterance.spans, key=lambda s: s[0] - s[1]):  # longest values first
        value = utterance.text[start:end].lower()
        found = lowered.find(value)
        while found >= 0 and any(found < e and s < found + len(value) for s, e, _ in spans):
            found = lowered.find(value, found + 1)
        if found < 0:
            return None
        spans.append((found, found + len(value), slot))
    return Utterance(text, utterance.intent, dict(utterance.values), sorted(spans))
