"""Conversation tests: run a domain's scripted conversations and compare turn by turn."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dialogue.dm.services import ServiceAnswer, ServiceClient
from dialogue.dm.services.client import Request
from dialogue.dm.services.mcp import ToolRequest
from dialogue.dm.services.python import PythonRequest
from dialogue.dm.sql import MemoryStore
from dialogue.domains.schema import ConversationTest, Domain, Step
from dialogue.domains.schema.conversations import StubAnswer
from dialogue.engine import Engine
from dialogue.nlg.llm.base import ChatRequest, LlmUnavailable
from dialogue.nlu.base import Parser
from dialogue.turns import InputError, TurnResult, UserInput

if TYPE_CHECKING:
    from dialogue.nlu.knowledge.index import KnowledgeIndex


@dataclass
class Mismatch:
    check: str
    expected: Any
    actual: Any


@dataclass
class StepOutcome:
    number: int
    said: str
    reply: str
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None


@dataclass
class ConversationOutcome:
    name: str
    steps: list[StepOutcome]

    @property
    def passed(self) -> bool:
        return all(step.passed for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "steps": [
            {"step": s.number, "said": s.said, "reply": s.reply, "passed": s.passed, "error": s.error,
             "mismatches": [vars(m) for m in s.mismatches]} for s in self.steps]}


def run_tests(domain: Domain, *, nlu: Parser | None = None, knowledge: KnowledgeIndex | None = None,
              name: str | None = None) -> list[ConversationOutcome]:
    """Run every conversation test of the domain (or those whose name contains `name`), with its NLU and the index of
    its knowledge."""
    return [run_test(domain, test, nlu=nlu, knowledge=knowledge) for test in domain.tests
            if name is None or name in test.name]


def run_test(domain: Domain, test: ConversationTest, *, nlu: Parser | None = None,
             knowledge: KnowledgeIndex | None = None) -> ConversationOutcome:
    """One test on a fresh engine: its own session store and tables."""
    store = MemoryStore()
    store.remember(domain.name, test.user_id, test.variables)
    llm = StubLlm() if domain.nlg.uses_llm else None
    engine = Engine(domain, nlu=nlu, store=store, knowledge=knowledge, llm=llm)
    engine.services = Stubbed(test.fixtures, engine.services)
    now = dt.datetime.fromisoformat(test.now) if test.now else None
    session = 1
    outcomes = []
    for number, step in enumerate(test.steps, start=1):
        if step.new_session:
            session += 1
            outcomes.append(StepOutcome(number, "(new session)", ""))
            continue
        said = step.user if step.user is not None else f"(dtmf {step.dtmf})" if step.dtmf else f"({step.event})"
        session_id = f"{test.name}#{session}"
        if llm is not None:
            llm.answer = step.llm
        try:
            result = engine.handle(session_id, step_input(step), user_id=test.user_id, channel=test.channel, now=now)
        except InputError as err:
            outcomes.append(StepOutcome(number, said, "", error=str(err)))
            continue
        outcome = StepOutcome(number, said, result.text, actions=result.actions)
        outcome.mismatches = _compare(step, result, engine, session_id)
        outcomes.append(outcome)
    return ConversationOutcome(test.name, outcomes)


class Stubbed:
    """The engine's services as a test's `fixtures:` stub them; services without fixtures are called for real."""

    def __init__(self, fixtures: dict[str, dict[str, list[StubAnswer]]], real: ServiceClient):
        self.fixtures, self.real = fixtures, real
        self.calls: Counter[tuple[str, str]] = Counter()

    def send(self, request: Request, deadline: float) -> ServiceAnswer:
        stubs = None if isinstance(request, PythonRequest) else self.fixtures.get(request.service)
        if stubs is None:
            return self.real.send(request, deadline)
        call = f"tool {request.tool}" if isinstance(request, ToolRequest) else f"{request.method} {request.path}"
        answers = stubs.get(call)
        if answers is None:
            return ServiceAnswer("error", reason="no_fixture", error=f"the test has no fixture for {request.service} "
                                 f"{call}; it has: {', '.join(stubs) or 'none'}")
        stub = answers[min(self.calls[(request.service, call)], len(answers) - 1)]
        self.calls[(request.service, call)] += 1
        if stub.timeout:
            return ServiceAnswer("timeout", reason="timeout", error="no answer (the test's fixture)")
        if stub.status >= 400 and isinstance(request, ToolRequest):
            return ServiceAnswer("error", reason="tool_error", error=f"the tool failed: {stub.answer}")
        if stub.status >= 400:
            return ServiceAnswer("error", stub.status, stub.answer, reason="status", error=f"HTTP {stub.status}")
        return ServiceAnswer("ok", stub.status, stub.answer)


class StubLlm:
    """The domain's LLM as the test's steps stub it (`llm:`): each step's answer, or none."""

    name = "stub"
    model = "conversation-test"

    def __init__(self) -> None:
        self.answer: str | None = None

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        if self.answer is None:
            raise LlmUnavailable("the test step gives no `llm:` answer")
        return self.answer

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        yield self.complete(request, deadline=deadline)

    def close(self) -> None:
        pass


def step_input(step: Step) -> UserInput:
    if step.dtmf is not None:
        return UserInput(event="dtmf", digits=step.dtmf)
    if step.event is not None:
        return UserInput(event=step.event)
    return UserInput.parse(step.user or "")


def _compare(step: Step, result: TurnResult, engine: Engine, session_id: str) -> list[Mismatch]:
    checks = step.checks
    actual: dict[str, Any] = {
        "bot": result.responses,
        "intent": result.understood.intent if result.understood else None,
        "task": result.state.active_task,
        "stack": result.state.stack,
        "state": result.state.fsm_state,
        "ended": result.ended,
        "handoff": result.handoff,
    }
    found = []
    for check in ("bot", "intent", "task", "stack", "state", "ended", "handoff"):
        if check in checks and getattr(step, check) != actual[check]:
            found.append(Mismatch(check, getattr(step, check), actual[check]))
    if "says" in checks:
        spoken = result.text + "\n" + "\n".join(m.ssml for m in result.messages if m.ssml)
        for text in step.says or []:
            if text.casefold() not in spoken.casefold():
                found.append(Mismatch("says", text, result.text))
    state = engine.store.load(engine.domain.name, session_id)
    mappings = {
        "slots": result.state.slots,
        "entities": result.understood.entities if result.understood else {},
        "variables": state.variables if state else {},
    }
    for check, have in mappings.items():
        for name, expected in (getattr(step, check) or {}).items():
            if not _same(expected, have.get(name)):
                found.append(Mismatch(f"{check}.{name}", expected, have.get(name)))
    for label in step.actions or []:
        if label not in result.actions:
            found.append(Mismatch("actions", label, result.actions))
    for table, count in (step.rows or {}).items():
        rows = engine.tables.count(table)
        if rows != count:
            found.append(Mismatch(f"rows.{table}", count, rows))
    return found


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) and not isinstance(expected, bool):
        return float(expected) == float(actual)
    return expected == actual
