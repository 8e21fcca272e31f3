"""A stored session, turn by turn, rebuilt from its event log: each turn as the engine returned it (as far as
the log tells), so the page shows a stored conversation the way it shows a live one."""

from __future__ import annotations

from typing import Any

from dialogue.dm.events import (
    EVENT_ADAPTER,
    BotUttered,
    ConversationRestarted,
    KnowledgeAnswered,
    ServiceCalled,
    TurnStarted,
    UserUnderstood,
)
from dialogue.dm.state import DialogueState
from dialogue.domains.interpretation import Interpretation
from dialogue.nlg.templates import Message
from dialogue.turns import StateSummary, TurnResult, UserInput


def stored_turns(exported: dict[str, Any]) -> list[tuple[UserInput, TurnResult, str]]:
    """Each turn of a session as `SqlStore.export_session` gives it: the input, the turn's result and its
    channel. The state after each turn comes from applying the log's events in order, as the engine did."""
    state = DialogueState(session_id=exported["session_id"], user_id=exported["user_id"],
                          domain=exported["domain"])
    latency = {turn["turn"]: turn["latency_ms"] for turn in exported["turns"]}
    found: list[tuple[UserInput, TurnResult, str]] = []
    turn: _Turn | None = None
    for event in EVENT_ADAPTER.validate_python(exported["events"]):
        if isinstance(event, TurnStarted | ConversationRestarted) and turn is not None:
            found.append(turn.result(state, latency))
            turn = None
        event.apply(state)
        if isinstance(event, TurnStarted):
            turn = _Turn(event)
        elif turn is not None:
            turn.add(event)
    if turn is not None:
        found.append(turn.result(state, latency))
    return found


class _Turn:
    """What the log holds of one turn, gathered event by event."""

    def __init__(self, started: TurnStarted):
        self.started = started
        self.understood: Interpretation | None = None
        self.messages: list[Message] = []
        self.actions: list[str] = []
        self.calls: list[ServiceCalled] = []
        self.sources: list[Any] = []

    def add(self, event: Any) -> None:
        if isinstance(event, UserUnderstood):
            self.understood = Interpretation.model_validate(event.interpretation)
        elif isinstance(event, BotUttered):
            self.messages.append(Message(response=event.response, text=event.text, source=event.source))
            self.actions.append(f"respond:{event.response}")
        elif isinstance(event, ServiceCalled):
            self.calls.append(event)
        elif isinstance(event, KnowledgeAnswered):
            self.sources += event.sources
        self.actions += event.labels()

    def result(self, state: DialogueState, latency: dict[int, dict[str, float]]) -> tuple[UserInput, TurnResult, str]:
        number = self.started.turn
        result = TurnResult(session_id=state.session_id, turn=number, messages=self.messages, ended=state.ended,
                            handoff=state.handoff, understood=self.understood, state=StateSummary.of(state),
                            actions=self.actions, latency_ms=latency.get(number, {}), calls=self.calls,
                            sources=self.sources)
        return UserInput.model_validate(self.started.input), result, self.started.channel
