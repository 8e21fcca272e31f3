"""Judging a simulated conversation by what the engine did, never by what it said.

A frame goal succeeds when its task completed with exactly the goal's values: the slots
held when it completed (every slot of the goal that applies or was stored), no value the task had to
reject ever taken, the rows its `insert` and `update` actions were to write found in
the domain's tables, and each write its `call:` actions were to make (a POST, PUT, PATCH or
DELETE) acknowledged by the service with the goal's values in its body. A goal to cancel
succeeds when the task was cancelled and wrote nothing, to a table or a service. An FSM goal
succeeds when its state was entered; a digression when its answer was given. Everything is
read from the event log, the SQL tables and the exchanges with the services (each request
as sent and the service's answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dialogue.dm.events import (
    ActionRan,
    BotUttered,
    HandedOff,
    SlotsCleared,
    SlotSet,
    StateEntered,
    TaskEnded,
    TaskStarted,
)
from dialogue.dm.services.calls import ServiceAnswer, ServiceRequest
from dialogue.dm.store import Tables
from dialogue.domains.expressions import compile_condition, evaluation_context
from dialogue.domains.schema import Domain, FrameTask, SubFrame
from dialogue.domains.schema.actions import Call, CallSpec, Delete, Handoff, Insert, Respond, Update
from dialogue.simulation.goals import SLOT_REFERENCE, USER_REFERENCE, Goal, Scenario

Rows = dict[str, dict[int, dict[str, Any]]]
"""Table -> row id -> row."""
Exchange = tuple[ServiceRequest, ServiceAnswer]
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class GoalVerdict:
    task: str
    success: bool
    reasons: list[str] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)  # the task's slots when it completed
    expected: dict[str, Any] = field(default_factory=dict)  # the goal's slots that applied


@dataclass
class Verdict:
    success: bool
    goals: list[GoalVerdict]

    @property
    def reasons(self) -> list[str]:
        return [f"{g.task}: {reason}" for g in self.goals for reason in g.reasons]


def snapshot(tables: Tables) -> Rows:
    """Every row of every table of the domain."""
    return {name: {row["id"]: row for row in tables.select(name, {}, limit=1_000_000)} for name in tables.names}


class Judge:
    def __init__(self, domain: Domain):
        self.domain = domain

    def judge(self, scenario: Scenario, events: list[Any], before: Rows, after: Rows,
              exchanges: Sequence[Exchange] = ()) -> Verdict:
        goals = _goals(scenario)
        verdicts = [self.goal(g, events, before, after, scenario.user_id, shared=len(goals) > 1, exchanges=exchanges)
                    for g in goals]
        return Verdict(all(v.success for v in verdicts), verdicts)

    def judge_turns(self, scenario: Scenario, turns: list[Any]) -> Verdict:
        """Judged from the turns alone (against a server, whose log and tables are out of reach): the task's
        completion (or cancel) among the turns' actions, and the slots it held the turn before."""
        goals = _goals(scenario)
        verdicts = []
        for goal in goals:
            verdict = GoalVerdict(goal.task, True)
            if goal.kind == "fsm":
                mark = {f"enter_state:{goal.target}"}
            elif goal.kind == "digression":
                mark = {label for a in self.domain.tasks[goal.task].on_complete if isinstance(a, Respond)
                        for label in [f"respond:{a.respond}"]}
            else:
                mark = {f"{'cancel_task' if goal.cancel else 'complete_task'}:{goal.task}"}
            at = next((i for i, turn in enumerate(turns) if mark & set(turn.actions)), None)
            if at is None:
                verdict.reasons.append(f"never did {sorted(mark)}")
            elif goal.kind == "frame" and not goal.cancel:
                held = {**(turns[at - 1].slots if at else {}), **turns[at].predicted_entities}
                verdict.stored = {slot: held.get(slot) for slot in goal.values if held.get(slot) is not None}
                verdict.expected = dict(goal.values)
                verdict.reasons += [f"slot '{slot}' held {held.get(slot)!r}, the user wanted {value!r}"
                                    for slot, value in goal.values.items() if not same(held.get(slot), value)]
            verdict.success = not verdict.reasons
            verdicts.append(verdict)
        return Verdict(all(v.success for v in verdicts), verdicts)

    def goal(self, goal: Goal, events: list[Any], before: Rows, after: Rows, user_id: str,
             shared: bool = False, exchanges: Sequence[Exchange] = ()) -> GoalVerdict:
        """One goal's verdict; `shared`: another goal of the conversation may write the same tables and services."""
        verdict = GoalVerdict(goal.task, True)
        if goal.kind == "fsm":
            if not any(isinstance(e, StateEntered) and e.task == goal.task and e.state == goal.target
                       for e in events):
                verdict.reasons.append(f"state '{goal.target}' was never entered")
        elif goal.kind == "digression":
            self._digression(goal, events, verdict)
        elif goal.cancel:
            self._cancelled(goal, events, before, after, verdict, shared, exchanges)
        else:
            self._completed(goal, events, before, after, user_id, verdict, exchanges)
        verdict.success = not verdict.reasons
        return verdict

    def _digression(self, goal: Goal, events: list[Any], verdict: GoalVerdict) -> None:
        for action in self.domain.tasks[goal.task].on_complete:
            if isinstance(action, Respond) and not any(
                    isinstance(e, BotUttered) and e.response == action.respond for e in events):
                verdict.reasons.append(f"never answered with '{action.respond}'")
            if isinstance(action, Handoff) and not any(isinstance(e, HandedOff) for e in events):
                verdict.reasons.append("never handed off")

    def _cancelled(self, goal: Goal, events: list[Any], before: Rows, after: Rows, verdict: GoalVerdict,
                   shared: bool, exchanges: Sequence[Exchange]) -> None:
        outcomes = [e.outcome for e in events if isinstance(e, TaskEnded) and e.task == goal.task]
        if "cancelled" not in outcomes:
            verdict.reasons.append(f"the task was not cancelled (ended: {outcomes or 'never'})")
        if "completed" in outcomes:
            verdict.reasons.append("the task completed although the user cancelled it")
        written = self._written_tables(goal.task)
        for label in _writes_of(events, goal.task, written):
            verdict.reasons.append(f"a cancelled task wrote to the database ({label})")
        if not shared:
            for table in sorted(written):
                if before.get(table) != after.get(table):
                    verdict.reasons.append(f"table '{table}' changed although the task was cancelled")
            for call in _write_calls(self.domain.tasks[goal.task].on_complete):
                if any(_acknowledged(call, exchange, {}) for exchange in exchanges):
                    verdict.reasons.append(f"service '{call.service}' acknowledged {call.method} {call.path} "
                                           "although the task was cancelled")

    def _completed(self, goal: Goal, events: list[Any], before: Rows, after: Rows, user_id: str,
                   verdict: GoalVerdict, exchanges: Sequence[Exchange]) -> None:
        stored = _slots_at_completion(events, goal.task)
        if stored is None:
            ended = [e.outcome for e in events if isinstance(e, TaskEnded) and e.task == goal.task]
            verdict.reasons.append(f"the task never completed (ended: {ended or 'never'})")
            return
        task = self.domain.tasks[goal.task]
        assert isinstance(task, FrameTask)
        own = set(_slot_names(task.slots))
        verdict.stored = {slot: value for slot, value in stored.items() if slot in own and value is not None}
        applying = _applying(task.slots, stored, self.domain) | set(verdict.stored)
        verdict.expected = {slot: value for slot, value in goal.values.items() if slot in applying}
        for slot, value in verdict.expected.items():
            if not same(stored.get(slot), value):
                verdict.reasons.append(f"slot '{slot}' held {stored.get(slot)!r}, the user wanted {value!r}")
        for slot, wrong in goal.invalid.items():
            if any(isinstance(e, SlotSet) and e.slot == slot and same(e.value, wrong) for e in events):
                verdict.reasons.append(f"slot '{slot}' took {wrong!r}, which the task must reject")
        values = {**verdict.expected, **{slot: stored.get(slot) for slot in own if stored.get(slot) is not None}}
        for action in task.on_complete:
            if isinstance(action, Insert | Update):
                self._row(action, values, before, after, user_id, verdict)
        for call in _write_calls(task.on_complete):
            body = _expected_body(call.body, values, user_id)
            if not any(_acknowledged(call, exchange, body) for exchange in exchanges):
                verdict.reasons.append(f"service '{call.service}' acknowledged no {call.method} {call.path} "
                                       f"with {body}")

    def _row(self, action: Insert | Update, values: dict[str, Any], before: Rows, after: Rows, user_id: str,
             verdict: GoalVerdict) -> None:
        """The row the action was to write, in the table after the conversation."""
        spec = action.insert if isinstance(action, Insert) else action.update
        mapping = dict(spec.values) if isinstance(action, Insert) else {**spec.where, **spec.values}
        expected = {column: _expected(value, values, user_id) for column, value in mapping.items()}
        expected = {column: value for column, value in expected.items() if value is not _UNKNOWN}
        rows = after.get(spec.table, {})
        if isinstance(action, Insert):
            rows = {key: row for key, row in rows.items() if key not in before.get(spec.table, {})}
        if not any(all(same(row.get(column), value) for column, value in expected.items()) for row in rows.values()):
            kind = "inserted" if isinstance(action, Insert) else "updated"
            verdict.reasons.append(f"no row {kind} in '{spec.table}' with {expected}")

    def _written_tables(self, task: str) -> set[str]:
        spec = self.domain.tasks[task]
        return {getattr(a, a.kind).table for a in spec.on_complete if isinstance(a, Insert | Update | Delete)}


_UNKNOWN = object()


def _goals(scenario: Scenario) -> list[Goal]:
    """The goals a conversation is judged on: its task, the task the rows it offered led to, an interruption."""
    return [goal for goal in (scenario.goal, scenario.goal.then, scenario.interrupt) if goal is not None]


def _expected(template: Any, values: dict[str, Any], user_id: str) -> Any:
    """What a column must hold, when its value is a literal, the user or a slot; else unknown."""
    if not isinstance(template, str):
        return template
    slot = SLOT_REFERENCE.match(template)
    if slot:
        value = values.get(slot["slot"])
        if value is None:
            return _UNKNOWN
        for name in (f.strip() for f in slot["filters"].split("|") if f.strip()):
            if name in ("upper", "lower") and isinstance(value, str):
                value = value.upper() if name == "upper" else value.lower()
            elif name not in ("upper", "lower"):
                return _UNKNOWN
        return value
    if USER_REFERENCE.match(template):
        return user_id
    return _UNKNOWN if "{{" in template or "{%" in template else template


def _expected_body(template: Any, values: dict[str, Any], user_id: str) -> dict[str, Any]:
    """The fields of a call's JSON body whose values are known from the goal (the top level of an object)."""
    if not isinstance(template, dict):
        return {}
    expected = {field: _expected(value, values, user_id) for field, value in template.items()}
    return {field: value for field, value in expected.items() if value is not _UNKNOWN}


def _write_calls(actions: list[Any]) -> list[CallSpec]:
    """The specs of the `call:` actions among `actions` that write (any method but GET, HEAD and OPTIONS)."""
    return [action.call for action in actions if isinstance(action, Call) and action.call.method not in READ_METHODS]


def _acknowledged(call: CallSpec, exchange: Exchange, body: dict[str, Any]) -> bool:
    """Whether the exchange is the call, answered with success, its body holding `body`'s fields."""
    request, answer = exchange
    path = "[^/]+".join(re.escape(part) for part in re.split(r"\{\{.*?\}\}", call.path))  # a template: any value
    sent = request.body if isinstance(request.body, dict) else {}
    return (request.service == call.service and request.method == call.method and answer.outcome == "ok"
            and re.fullmatch(path, request.path) is not None
            and all(same(sent.get(field), value) for field, value in body.items()))


def _writes_of(events: list[Any], task: str, tables: set[str]) -> list[str]:
    """Labels of writes to `tables` while `task` was on the stack."""
    found, active = [], False
    for event in events:
        if isinstance(event, TaskStarted) and event.task == task:
            active = True
        elif isinstance(event, TaskEnded) and event.task == task:
            active = False
        elif active and isinstance(event, ActionRan):
            kind, _, table = event.label.partition(":")
            if kind in ("insert", "update", "delete") and table in tables:
                found.append(event.label)
    return found


def _slots_at_completion(events: list[Any], task: str) -> dict[str, Any] | None:
    """The slots when the task last completed (before its own slots were cleared), or None."""
    slots: dict[str, Any] = {}
    before_clear: dict[str, Any] | None = None
    found = None
    for event in events:
        if hasattr(event, "slots") and event.type in ("session_created", "conversation_restarted"):
            slots = dict(event.slots)
        elif isinstance(event, SlotSet):
            slots[event.slot] = event.value
        elif isinstance(event, SlotsCleared):
            before_clear = dict(slots)
            slots.update(event.values)
            continue
        elif isinstance(event, TaskEnded) and event.task == task and event.outcome == "completed":
            found = dict(before_clear if before_clear is not None else slots)
        before_clear = None
    return found


def _slot_names(entries: list[Any]) -> list[str]:
    names: list[str] = []
    for entry in entries:
        names += _slot_names(entry.slots) if isinstance(entry, SubFrame) else [entry.slot]
    return names


def _applying(entries: list[Any], slots: dict[str, Any], domain: Domain) -> set[str]:
    """The task's slots that the frame asks for and whose `when` holds on the values stored."""
    found: set[str] = set()
    context = evaluation_context(slots=slots, user={}, results={})
    for entry in entries:
        try:
            applies = entry.when is None or bool(compile_condition(entry.when)(context))
        except Exception:  # noqa: BLE001 - as the engine: a condition that fails does not hold
            applies = False
        if not applies:
            continue
        if isinstance(entry, SubFrame):
            found |= _applying(entry.slots, slots, domain)
        elif domain.asks(entry):
            found.add(entry.slot)
    return found


def same(a: Any, b: Any) -> bool:
    """Equal as slot or column values: numbers by value, everything else exactly."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) < 1e-6
    return a == b
