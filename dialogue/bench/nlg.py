"""`dialogue bench nlg`: what the LLM costs a turn, against templates and against an LLM doing everything.

On the same conversations (the domains' conversation tests written in free text), one turn at
a time: the engine with template NLG; with LLM rephrasing (cold: no cache, every message goes to
the model; cached: the conversations again after a first pass filled the response cache); the
time to the first streamed chunk of each; and an "LLM-only"
turn, the approach this engine replaces: one prompt for the NLU as JSON, one for the reply,
with the same model.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any

from dialogue.bench.policy import summary
from dialogue.domains.schema import ConversationTest, Domain
from dialogue.engine import Engine
from dialogue.nlg.llm import Budgeted, ChatRequest, LlmError
from dialogue.testing import step_input


def free_text_conversations(domain: Domain) -> list[ConversationTest]:
    """The domain's conversation tests whose every user turn is free text."""
    return [test for test in domain.tests
            if all(step.user is not None and not step.user.startswith("/") for step in test.steps
                   if not step.new_session)]


def with_rephrase(domain: Domain, *, max_tokens: int, timeout_ms: int, cache: bool) -> Domain:
    """The domain with LLM rephrasing on (and nothing else), so every template answer goes to the LLM
    (or, with `cache`, to the response cache first)."""
    llm = domain.nlg.llm.model_copy(update={"backend": "local", "max_tokens": max_tokens, "timeout_ms": timeout_ms})
    nlg = domain.nlg.model_copy(update={"rephrase": True, "fallback": False, "rescue": False, "llm": llm,
                                        "cache": domain.nlg.cache.model_copy(update={"enabled": cache})})
    return domain.model_copy(update={"nlg": nlg})


def engine_turns(engine: Engine, tests: list[ConversationTest], prefix: str,
                 tick: Callable[[], None]) -> list[dict[str, Any]]:
    """Each turn of the conversations: its time, the time to its first streamed chunk, and who wrote its messages."""
    turns = []
    for index, test in enumerate(tests):
        engine.store.remember(engine.domain.name, test.user_id, test.variables)
        now = dt.datetime.fromisoformat(test.now) if test.now else None
        session = f"{prefix}:{index}"
        for step in test.steps:
            if step.new_session:
                session += "+"
                continue
            first: list[float] = []
            started = time.perf_counter()
            result = engine.handle(session, step_input(step), user_id=test.user_id, now=now,
                                   stream=lambda _chunk, seen=first: seen or seen.append(time.perf_counter()))
            ended = time.perf_counter()
            turns.append({"ms": (ended - started) * 1000,
                          "first_chunk_ms": ((first[0] if first else ended) - started) * 1000,
                          "messages": len(result.messages),
                          "llm_messages": sum(m.source == "llm" for m in result.messages),
                          "cached": sum(m.note == "cached" for m in result.messages)})
            tick()
    return turns


def llm_only_turns(backend: Budgeted, domain: Domain, tests: list[ConversationTest], max_tokens: int,
                   tick: Callable[[], None]) -> list[dict[str, Any]]:
    """Each turn done by the LLM alone: NLU as JSON, then the reply, the conversation so far in the prompt."""
    intents = ", ".join(name for name in domain.intents)
    slots = ", ".join(f"{name} ({spec.type})" for name, spec in domain.slots.items())
    understand = (f"Read the user's message to an assistant that can: {domain.description} Intents: {intents}. "
                  f"Slots: {slots}. Answer with JSON only: {{\"intent\": ..., \"slots\": {{...}}}}.")
    turns = []
    for test in tests:
        history: list[dict[str, str]] = []
        for step in test.steps:
            if step.user is None:
                continue
            started = time.perf_counter()
            nlu = _ask(backend, [{"role": "system", "content": understand}, {"role": "user", "content": step.user}],
                       max_tokens)
            reply = _ask(backend, [{"role": "system", "content": f"You are {domain.nlg.persona}. {domain.description}"
                                                                 f" Understood so far: {nlu.strip()[:300]}"},
                                   *history[-6:], {"role": "user", "content": step.user}], max_tokens)
            turns.append({"ms": (time.perf_counter() - started) * 1000, "valid_json": _is_json(nlu)})
            history += [{"role": "user", "content": step.user}, {"role": "assistant", "content": reply}]
            tick()
    return turns


def _ask(backend: Budgeted, messages: list[dict[str, str]], max_tokens: int) -> str:
    try:
        return backend.complete(ChatRequest(messages, max_tokens=max_tokens), deadline=time.monotonic() + 300)
    except LlmError as err:
        return f"(failed: {err})"


def _is_json(text: str) -> bool:
    start, end = text.find("{"), text.rfind("}")
    try:
        json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return False
    return start >= 0


def report(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-turn figures of one configuration."""
    result: dict[str, Any] = {**summary([t["ms"] for t in turns])}
    if turns and "first_chunk_ms" in turns[0]:
        result["first_chunk_p50_ms"] = summary([t["first_chunk_ms"] for t in turns])["p50_ms"]
        messages = sum(t["messages"] for t in turns)
        result["llm_share"] = round(sum(t["llm_messages"] for t in turns) / max(messages, 1), 3)
        result["cached_share"] = round(sum(t["cached"] for t in turns) / max(messages, 1), 3)
    if turns and "valid_json" in turns[0]:
        result["valid_nlu_json_share"] = round(sum(t["valid_json"] for t in turns) / len(turns), 3)
    return result
