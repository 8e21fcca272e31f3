"""Run the actions a domain declares that touch state, memory and tables.

Actions that steer the goal stack (start_task, cancel_task, goto) are the goal stack's;
the executor (dialogue.policies.executor) hands the others to this runner's handlers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dialogue.dm.errors import TableError
from dialogue.dm.events import (
    ActionRan,
    ConversationEnded,
    HandedOff,
    ResultsStored,
    ServiceCalled,
    SlotsCleared,
    SlotSet,
    VariableSet,
)
from dialogue.dm.store import Tables
from dialogue.dm.tracker import Tracker
from dialogue.domains.schema import Domain
from dialogue.domains.schema.actions import (
    ClearSlot,
    Delete,
    End,
    Handoff,
    HandoffSpec,
    Insert,
    Respond,
    Select,
    SetSlot,
    SetVariable,
    Update,
)
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.values import InvalidValue


class ActionFailed(Exception):
    """A table action or a service call that could not run (the turn's warnings say why): what was to follow it
    must not run, as if it had (a booking confirmed that was never saved). `ran`: the event that records the
    failure; `then`: the actions to run instead (none: the built-in `action_failed` response)."""

    def __init__(self, ran: ActionRan | ServiceCalled, then: list[Any] | None = None):
        super().__init__(str(ran))
        self.ran, self.then = ran, then or []


class ActionRunner:
    """The handlers of the domain actions that change state, memory and tables (dialogue.policies.executor runs
    them). Each returns the actions to run next: a select's on_empty, or nothing."""

    def __init__(self, domain: Domain, tables: Tables):
        self.tables = tables
        self.slot_values = SlotValues(domain.slots)
        self.variable_values = SlotValues(domain.memory.variables)
        self.defaults = {name: spec.default for name, spec in domain.slots.items()}

    def respond(self, tracker: Tracker, action: Respond) -> list[Any]:
        tracker.respond(action.respond)
        return []

    def set_slot(self, tracker: Tracker, action: SetSlot) -> list[Any]:
        for name, raw in action.set_slot.items():
            value = self._typed(tracker, self.slot_values, name, tracker.evaluate(raw), self.defaults[name])
            tracker.apply(SlotSet(slot=name, value=value))
        return []

    def clear_slot(self, tracker: Tracker, action: ClearSlot) -> list[Any]:
        tracker.apply(SlotsCleared(values={name: self.defaults[name] for name in action.clear_slot}))
        return []

    def set_variable(self, tracker: Tracker, action: SetVariable) -> list[Any]:
        for name, raw in action.set_variable.items():
            value = self._typed(tracker, self.variable_values, name, tracker.evaluate(raw), None)
            tracker.apply(VariableSet(name=name, value=value))
        return []

    def handoff(self, tracker: Tracker, action: Handoff) -> list[Any]:
        spec = action.handoff if isinstance(action.handoff, HandoffSpec) else HandoffSpec()
        tracker.apply(HandedOff(queue=spec.queue, reason=spec.reason))
        return []

    def end(self, tracker: Tracker, action: End) -> list[Any]:
        tracker.apply(ConversationEnded())
        return []

    def insert(self, tracker: Tracker, action: Insert) -> list[Any]:
        spec = action.insert
        values = _evaluated(tracker, spec.values)
        return self._write(tracker, action, "id", lambda: self.tables.insert(spec.table, values))

    def update(self, tracker: Tracker, action: Update) -> list[Any]:
        spec = action.update
        where, values = _evaluated(tracker, spec.where), _evaluated(tracker, spec.values)
        return self._write(tracker, action, "rows", lambda: self.tables.update(spec.table, where, values))

    def delete(self, tracker: Tracker, action: Delete) -> list[Any]:
        spec = action.delete
        where = _evaluated(tracker, spec.where)
        return self._write(tracker, action, "rows", lambda: self.tables.delete(spec.table, where))

    def select(self, tracker: Tracker, action: Select) -> list[Any]:
        spec = action.select
        given = {column: value for column, value in _evaluated(tracker, spec.filter).items() if value is not None}
        with self._failing(tracker, action):
            rows = self.tables.select(spec.table, {**given, **_evaluated(tracker, spec.where)},
                                      order_by=spec.order_by, descending=spec.descending, limit=spec.limit)
        tracker.apply(ActionRan(label=action.labels()[0], detail={"rows": len(rows)}))
        if spec.result:
            tracker.apply(ResultsStored(name=spec.result, rows=rows))
        for slot, column in spec.into.items():
            raw = rows[0][column] if rows else None
            tracker.apply(SlotSet(slot=slot, value=self._typed(tracker, self.slot_values, slot, raw,
                                                                self.defaults[slot])))
        return [] if rows else list(spec.on_empty)

    def _write(self, tracker: Tracker, action: Any, key: str, statement: Callable[[], int]) -> list[Any]:
        """Run a table write and log what it did (the new row's id, or how many rows)."""
        with self._failing(tracker, action):
            done = statement()
        tracker.apply(ActionRan(label=action.labels()[0], detail={key: done}))
        return []

    @contextmanager
    def _failing(self, tracker: Tracker, action: Any) -> Iterator[None]:
        """A table statement the store refuses: a warning, and ActionFailed so that what follows does not run."""
        try:
            yield
        except TableError as err:
            label = action.labels()[0]
            tracker.warnings.append(f"{action.kind} on {action.target.table} failed: {err}")
            raise ActionFailed(ActionRan(label=label, detail={"error": str(err)})) from None

    def _typed(self, tracker: Tracker, values: SlotValues, name: str, raw: Any, default: Any) -> Any:
        if raw is None or raw == "":
            return default
        try:
            return values.coerce(name, raw)
        except InvalidValue as err:
            tracker.warnings.append(f"value for '{name}' ignored: {err}")
            return default


def _evaluated(tracker: Tracker, mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: tracker.evaluate(value) for key, value in mapping.items()}
