"""Run the actions a domain declares that touch state, memory and tables.

Actions that steer the goal stack (start_task, cancel_task, goto) belong to the
policies, which hand everything else to this runner.
"""

from __future__ import annotations

from typing import Any

from dialogue.dm.errors import TableError
from dialogue.dm.events import (
    ActionRan,
    ConversationEnded,
    HandedOff,
    ResultsStored,
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
from dialogue.domains.values import InvalidValue, SlotValues


class ActionFailed(Exception):
    """A table action that could not run (the turn's warnings say why): what was to follow it must not run, as
    if it had (a booking confirmed that was never saved). `ran`: the event that records the failure."""

    def __init__(self, ran: ActionRan):
        super().__init__(ran.detail["error"])
        self.ran = ran


class ActionRunner:
    def __init__(self, domain: Domain, tables: Tables):
        self.tables = tables
        self.slot_values = SlotValues(domain.slots)
        self.variable_values = SlotValues(domain.memory.variables)
        self.defaults = {name: spec.default for name, spec in domain.slots.items()}

    def run(self, tracker: Tracker, action: Any) -> list[Any]:
        """Run one action; return the follow-up actions it asks for (a select's on_empty). ActionFailed for a
        table action that could not run."""
        if isinstance(action, Respond):
            tracker.respond(action.respond)
        elif isinstance(action, SetSlot):
            for name, raw in action.set_slot.items():
                value = self._typed(tracker, self.slot_values, name, tracker.evaluate(raw), self.defaults[name])
                tracker.apply(SlotSet(slot=name, value=value))
        elif isinstance(action, ClearSlot):
            tracker.apply(SlotsCleared(values={name: self.defaults[name] for name in action.clear_slot}))
        elif isinstance(action, SetVariable):
            for name, raw in action.set_variable.items():
                value = self._typed(tracker, self.variable_values, name, tracker.evaluate(raw), None)
                tracker.apply(VariableSet(name=name, value=value))
        elif isinstance(action, Handoff):
            spec = action.handoff if isinstance(action.handoff, HandoffSpec) else HandoffSpec()
            tracker.apply(HandedOff(queue=spec.queue, reason=spec.reason))
        elif isinstance(action, End):
            tracker.apply(ConversationEnded())
        elif isinstance(action, (Insert, Select, Update, Delete)):
            try:
                return self._table(tracker, action)
            except TableError as err:
                table = getattr(action, action.kind).table
                tracker.warnings.append(f"{action.kind} on {table} failed: {err}")
                raise ActionFailed(ActionRan(label=f"{action.kind}:{table}", detail={"error": str(err)})) from None
        return []

    def clear(self, slots: list[str]) -> SlotsCleared:
        """The event that puts slots back to their defaults."""
        return SlotsCleared(values={name: self.defaults[name] for name in slots})

    def _typed(self, tracker: Tracker, values: SlotValues, name: str, raw: Any, default: Any) -> Any:
        if raw is None or raw == "":
            return default
        try:
            return values.coerce(name, raw)
        except InvalidValue as err:
            tracker.warnings.append(f"value for '{name}' ignored: {err}")
            return default

    def _table(self, tracker: Tracker, action: Any) -> list[Any]:
        spec = getattr(action, action.kind)
        label = f"{action.kind}:{spec.table}"

        def evaluate(mapping: dict[str, Any]) -> dict[str, Any]:
            return {key: tracker.evaluate(value) for key, value in mapping.items()}
        if isinstance(action, Insert):
            row_id = self.tables.insert(spec.table, evaluate(spec.values))
            tracker.apply(ActionRan(label=label, detail={"id": row_id}))
            return []
        if isinstance(action, Update):
            count = self.tables.update(spec.table, evaluate(spec.where), evaluate(spec.values))
            tracker.apply(ActionRan(label=label, detail={"rows": count}))
            return []
        if isinstance(action, Delete):
            count = self.tables.delete(spec.table, evaluate(spec.where))
            tracker.apply(ActionRan(label=label, detail={"rows": count}))
            return []
        rows = self.tables.select(spec.table, evaluate(spec.where), order_by=spec.order_by,
                                  descending=spec.descending, limit=spec.limit)
        tracker.apply(ActionRan(label=label, detail={"rows": len(rows)}))
        if spec.result:
            tracker.apply(ResultsStored(name=spec.result, rows=rows))
        for slot, column in spec.into.items():
            raw = rows[0][column] if rows else None
            tracker.apply(SlotSet(slot=slot, value=self._typed(tracker, self.slot_values, slot, raw,
                                                                self.defaults[slot])))
        return [] if rows else list(spec.on_empty)
