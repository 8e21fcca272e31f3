"""The tracker: one turn's view of a conversation.

It holds the state, applies events to it, records what ran and what is to be said, and
evaluates conditions and values against the state (the names of docs/domain-format.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue.dm.services.calls import CallBook
from dialogue.dm.state import DialogueState
from dialogue.domains.expressions import compile_condition, compile_value, evaluation_context, is_literal
from dialogue.domains.interpretation import Interpretation


@dataclass
class Turn:
    """What arrived this turn: an understood input or an event, on a channel, at a time."""

    channel: str
    now: dt.datetime
    interpretation: Interpretation | None = None
    event: str | None = None
    digits: str | None = None

    @property
    def intent(self) -> str | None:
        return self.interpretation.intent if self.interpretation else None

    @property
    def entities(self) -> dict[str, Any]:
        return self.interpretation.entities if self.interpretation else {}

    @property
    def text(self) -> str | None:
        return self.interpretation.text if self.interpretation else None


@dataclass
class PendingResponse:
    """A response to render at the end of the turn, with the context as it was when chosen."""

    name: str
    context: dict[str, Any]


@dataclass
class Tracker:
    state: DialogueState
    turn: Turn
    capabilities: list[str] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    responses: list[PendingResponse] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _names: dict[str, Any] | None = field(default=None, repr=False)
    reread: Callable[[], DialogueState] | None = field(default=None, repr=False)
    """A fresh copy of the state as the turn began (for `undo`)."""
    calls: CallBook = field(default_factory=lambda: CallBook(deadline=math.inf), repr=False)
    """The answers of the turn's service calls made so far."""
    taken_from: list[int] = field(default_factory=list)
    """Where in `responses` each further thing the message asked for began (`take_next`)."""

    def apply(self, event: Any) -> None:
        event.apply(self.state)
        self.events.append(event)
        self.executed.extend(event.labels())
        self._names = None

    def mark(self) -> tuple[int, int, int]:
        """Where the turn is now: `undo` goes back here."""
        return len(self.events), len(self.responses), len(self.executed)

    def undo(self, mark: tuple[int, int, int]) -> None:
        """Forget what was applied, said and run since the mark: the state is the turn's first one with the
        events up to the mark applied again. Warnings are kept."""
        assert self.reread is not None, "undo needs the state the turn began with"
        events, responses, executed = mark
        self.state = self.reread()
        for event in self.events[:events]:
            event.apply(self.state)
        del self.events[events:], self.responses[responses:], self.executed[executed:]
        self._names = None

    def reinterpret(self, interpretation: Interpretation | None) -> None:
        """Replace what the turn is understood to mean (DTMF resolved, an input guard's set_intent)."""
        self.turn.interpretation = interpretation
        self._names = None

    def understand_as(self, **changes: Any) -> None:
        """Understand the turn as the NLU read it with these changes (another intent, values read again); a turn
        with no reading (a structured event) stays as it is."""
        if self.turn.interpretation is not None:
            self.reinterpret(self.turn.interpretation.model_copy(update=changes))

    def take_next(self, interpretation: Interpretation) -> None:
        """Go on to the next thing the message asked for (`Interpretation.also`): the turn is understood as it,
        and what was said for the things before it may be said again."""
        self.taken_from.append(len(self.responses))
        self.reinterpret(interpretation)

    def respond(self, name: str, **extra: Any) -> None:
        state = self.state
        snapshot = dict(slots=dict(state.slots), user=dict(state.variables), results=dict(state.results))
        self.responses.append(PendingResponse(name, self.context(**snapshot, **extra)))
        self.executed.append(f"respond:{name}")

    def said(self, name: str) -> bool:
        """Whether the response was given this turn, for the thing the message asked that is being taken."""
        start = self.taken_from[-1] if self.taken_from else 0
        return any(pending.name == name for pending in self.responses[start:])

    def context(self, **extra: Any) -> dict[str, Any]:
        """The names conditions and templates can read (rebuilt only after the state changed)."""
        if self._names is None:
            self._names = self._build_names()
        return {**self._names, **extra} if extra else self._names

    def _build_names(self) -> dict[str, Any]:
        state, turn = self.state, self.turn
        active = state.active
        understood = turn.interpretation
        return evaluation_context(**{
            "slots": state.slots, "user": state.variables, "results": state.results,
            "intent": {"name": understood.intent, "confidence": understood.confidence} if understood else None,
            "entities": turn.entities, "text": turn.text, "event": turn.event,
            "task": active.task if active else None, "state": active.state if active else None,
            "stack": [frame.task for frame in state.stack], "turn": state.turn, "channel": turn.channel,
            "now": turn.now, "today": turn.now.date().isoformat(),
            "session": {"id": state.session_id, "user_id": state.user_id},
            "value": None, "offer": None, "slot": None, "actions": [], "capabilities": self.capabilities,
            "options": [], "choices": [],
            "offered": state.offering.window(state) if state.offering is not None else None,
        })

    def holds(self, condition: str | None, **extra: Any) -> bool:
        """Whether a condition is true; an error at run time counts as false and is reported."""
        if condition is None:
            return True
        try:
            return bool(compile_condition(condition)(self.context(**extra)))
        except Exception as err:  # noqa: BLE001 - a domain's condition must never break a turn
            self.warnings.append(f"condition `{condition}` failed: {type(err).__name__}: {err}")
            return False

    def evaluate(self, value: Any, **extra: Any) -> Any:
        """An action value: a literal, or a template evaluated now (None if it fails, reported)."""
        if is_literal(value):
            return value
        try:
            return compile_value(value)(self.context(**extra))
        except Exception as err:  # noqa: BLE001 - a domain's template must never break a turn
            self.warnings.append(f"value `{value}` failed: {type(err).__name__}: {err}")
            return None
