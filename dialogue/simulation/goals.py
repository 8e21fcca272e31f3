"""User goals drawn from the domain alone: a task, the values the user wants, and how they go about it.

A frame task's goal holds a valid value for each slot the task asks for (its `when`
conditions and `validate` rules are evaluated on the goal as it is drawn), sometimes a
value the task must reject first, and sometimes a plan to cancel. A task that looks up
rows (`select ... where: {column: "{{ slots.x }}"}`) gets values of a seeded row, with
the row's user as the simulated user; when the table has no seed rows, the conversation
starts with a row made for it (a returning customer's booking, say). An FSM task's goal
is a state to reach; a digression's is its answer. Some goals carry a second task that
interrupts the first.

With `own_rows`, a goal bound to a seeded user gets a user of its own instead: the
conversation starts with copies of that user's seeded rows made for it, so that what
earlier conversations did to the seeded rows (a card blocked, a daily limit used up) cannot
change its outcome. A server's database is shared by every conversation of a run (and by
the runs before), and so is a service's state, so runs against a server, and runs of a domain
that calls services, draw goals this way.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from dialogue.domains.expressions import compile_condition, evaluation_context
from dialogue.domains.references import all_actions
from dialogue.domains.schema import Domain, FrameTask, FsmTask, SubFrame
from dialogue.domains.schema.actions import (
    Delete,
    End,
    Goto,
    Handoff,
    Insert,
    Offer,
    OfferSpec,
    ProposeTask,
    Select,
    StartTask,
    Update,
)
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.structured import StructuredInputError, parse_structured
from dialogue.domains.values import InvalidValue
from dialogue.simulation.behaviour import Behaviour
from dialogue.simulation.values import GoalError, SlotSampler

SLOT_REFERENCE = re.compile(r"^\s*\{\{\s*slots\.(?P<slot>\w+)\s*(?P<filters>(?:\|\s*\w+\s*)*)(?:or\b.*)?\}\}\s*$")
USER_REFERENCE = re.compile(r"^\s*\{\{\s*session\.user_id\s*\}\}\s*$")
TRIES = 80
"""Draws of a slot's value before its task's validation is declared impossible to meet."""

__all__ = ["Goal", "GoalError", "GoalSampler", "Scenario"]


@dataclass
class Goal:
    """One task the user wants done, and how."""

    task: str
    kind: str  # frame | fsm | digression
    values: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # fsm: the state to reach
    invalid: dict[str, Any] = field(default_factory=dict)  # slot -> a value said first, which must be rejected
    cancel: bool = False  # the user gives up part way: nothing may be written
    fixed: list[str] = field(default_factory=list)  # slots that name an existing row: said right, never changed
    then: Goal | None = None  # after the rows the task offers: the task the user goes on to with the row it takes

    def describe(self) -> str:
        if self.kind == "fsm":
            return f"{self.task} -> {self.target}"
        return self.task


@dataclass
class Scenario:
    """Everything one simulated conversation is about."""

    goal: Goal
    user_id: str
    channel: str
    noise: float
    interrupt: Goal | None = None
    fixtures: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # rows there before it starts

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class GoalSampler:
    """Draws scenarios for one domain; `check()` says up front what cannot be simulated."""

    def __init__(self, domain: Domain, behaviour: Behaviour, now: dt.datetime, *, own_rows: bool = False):
        self.domain = domain
        self.behaviour = behaviour
        self.own_rows = own_rows
        """Goals bound to a seeded user get a user of their own, with copies of its rows (see the module)."""
        self.user_columns = user_columns(domain)
        self.now = now
        self.today = now.date()
        self.sampler = SlotSampler(domain)
        self.values = SlotValues(domain.slots)
        self.fsm = {name: FsmMap(domain, name) for name, task in domain.tasks.items() if isinstance(task, FsmTask)}
        self.options: list[tuple[str, str | None]] = []
        for name, task in sorted(domain.tasks.items()):
            if isinstance(task, FsmTask):
                self.options += [(name, target) for target in self.fsm[name].targets()]
            elif task.triggers:
                self.options.append((name, None))
        self.interrupters = [name for name, task in sorted(domain.tasks.items())
                             if isinstance(task, FrameTask) and task.triggers and not self._ends_conversation(name)]

    def _ends_conversation(self, name: str) -> bool:
        """Whether completing a task may hand off or end the conversation (its own actions, or an action
        guard on its completion): such a task cannot interrupt another, as nothing comes back."""
        closing = (Handoff, End)
        if any(isinstance(action, closing) for action in self.domain.tasks[name].on_complete):
            return True
        return any(f"complete_task:{name}" in (guard.when or "") and any(isinstance(a, closing) for a in guard.actions)
                   for guard in self.domain.guards)

    def check(self) -> None:
        """Raise GoalError when the domain cannot be simulated: no tasks, or a slot with no values."""
        if not self.domain.tasks:
            raise GoalError(f"domain '{self.domain.name}' has no tasks, so there is nothing for a user to want; "
                            "declare at least one task")
        if not self.options:
            raise GoalError(f"domain '{self.domain.name}' has no task a user can start: give a frame task "
                            "`triggers`, or an FSM task states to reach")
        rng = random.Random(0)
        for task, target in self.options:
            if target is None:
                try:
                    self._frame_goal(task, rng, "sim-check", [])
                except GoalError as err:
                    raise GoalError(f"task '{task}': {err}") from None

    def sample(self, rng: random.Random, user_id: str, channel: str, noise: float) -> Scenario:
        task, target = rng.choice(self.options)
        fixtures: list[tuple[str, dict[str, Any]]] = []
        bound_user = [user_id]
        goal = self._goal(task, target, rng, bound_user, fixtures)
        interrupt = None
        others = [name for name in self.interrupters if name not in (task, goal.then and goal.then.task)]
        if goal.kind == "frame" and goal.values and others and rng.random() < self.behaviour.interrupt:
            interrupt = self._goal(rng.choice(others), None, rng, bound_user, fixtures)
            interrupt.cancel, interrupt.then = False, None  # an interruption is one task
        if self.own_rows and bound_user[0] != user_id:
            fixtures[:0] = self._copies(bound_user[0], user_id)
            bound_user[0] = user_id
        return Scenario(goal=goal, user_id=bound_user[0], channel=channel, noise=noise, interrupt=interrupt,
                        fixtures=fixtures)

    def _copies(self, seeded: str, user: str) -> list[tuple[str, dict[str, Any]]]:
        """The seeded rows of a user, as rows of another user."""
        copies = []
        for table, columns in self.user_columns.items():
            for row in self.domain.memory.tables[table].seed:
                if any(row.get(column) == seeded for column in columns):
                    copies.append((table, {**row, **{column: user for column in columns if row.get(column) == seeded}}))
        return copies

    def _goal(self, task: str, target: str | None, rng: random.Random, user: list[str],
              fixtures: list[tuple[str, dict[str, Any]]]) -> Goal:
        spec = self.domain.tasks[task]
        if isinstance(spec, FsmTask):
            return Goal(task=task, kind="fsm", target=target)
        if spec.digression:
            return Goal(task=task, kind="digression")
        return self._frame_goal(task, rng, user, fixtures)

    # -- frame tasks -------------------------------------------------------------------------

    def _frame_goal(self, task: str, rng: random.Random, user: list[str] | str,
                    fixtures: list[tuple[str, dict[str, Any]]], *, then: bool = True) -> Goal:
        """A goal for a frame task; with `then`, also the task the rows it offers lead to."""
        users = user if isinstance(user, list) else [user]
        spec = self.domain.tasks[task]
        assert isinstance(spec, FrameTask)
        goal = Goal(task=task, kind="frame")
        bound = self._plan_lookups(spec, rng, users, fixtures)
        goal.fixed = sorted(bound)
        self._fill(spec.slots, goal, bound, rng)
        if (len(goal.values) > 1 or spec.confirm) and rng.random() < self.behaviour.cancel:
            goal.cancel = True
        offer, next_task = self._offers_then(spec)
        if then and offer is not None and next_task is not None and not goal.cancel:
            goal.then = self._frame_goal(next_task, rng, user, fixtures, then=False)
            goal.then.cancel = False
            for slot in offer.fill:  # what the row the user takes gives
                goal.then.values.pop(slot, None)
        return goal

    def _offers_then(self, spec: FrameTask) -> tuple[OfferSpec | None, str | None]:
        """The rows a task offers when it completes, and the frame task taking one leads to (proposed or
        started by the offer's `on_select`)."""
        for action in spec.on_complete:
            if isinstance(action, Offer):
                for step in action.offer.on_select:
                    task = step.propose_task.task if isinstance(step, ProposeTask) else \
                        step.start_task if isinstance(step, StartTask) else None
                    if task is not None and isinstance(self.domain.tasks[task], FrameTask):
                        return action.offer, task
        return None, None

    def _fill(self, entries: list[Any], goal: Goal, bound: dict[str, Any], rng: random.Random) -> None:
        for entry in entries:
            if not self._holds(entry.when, goal.values):
                continue
            if isinstance(entry, SubFrame):
                self._fill(entry.slots, goal, bound, rng)
                continue
            slot = entry.slot
            if not self.domain.asks(entry):
                continue
            if slot in bound:
                goal.values[slot] = bound[slot]
                continue
            goal.values[slot] = self.valid_value(slot, entry.validate_, goal.values, rng)
            checked = entry.validate_ is not None or _ranged(self.domain.slots[slot])
            if checked and rng.random() < self.behaviour.invalid:
                wrong = self._invalid(slot, entry.validate_, goal.values, rng)
                if wrong is not None:
                    goal.invalid[slot] = wrong

    def valid_value(self, slot: str, validate: str | None, values: dict[str, Any], rng: random.Random) -> Any:
        """A value of the slot that its task accepts (the `validate` condition holds on it)."""
        for _ in range(TRIES):
            value = self.sampler.value(slot, rng, self.today)
            try:
                value = self.values.coerce(slot, value)
            except InvalidValue:
                continue
            if self._holds(validate, values, value=value, slot=slot):
                return value
        raise GoalError(f"slot '{slot}': no value drawn from its type met `validate: {validate}` "
                        f"in {TRIES} tries; widen the slot's range or its examples' values")

    def _invalid(self, slot: str, validate: str | None, values: dict[str, Any], rng: random.Random) -> Any:
        outside = self.sampler.invalid_value(slot, rng)
        candidates = self.sampler.candidates(slot, self.today)
        rng.shuffle(candidates)
        rejected = [c for c in candidates if not self._holds(validate, values, value=c, slot=slot)]
        choices = [c for c in [outside, *rejected[:1]] if c is not None]
        return rng.choice(choices) if choices else None

    def _holds(self, condition: str | None, slots: dict[str, Any], **extra: Any) -> bool:
        if condition is None:
            return True
        context = evaluation_context(
            slots={**{name: spec.default for name, spec in self.domain.slots.items()}, **slots},
            user={name: spec.default for name, spec in self.domain.memory.variables.items()},
            today=self.today.isoformat(), now=self.now, session={"id": "", "user_id": ""}, results={},
            entities={}, intent=None, text=None, event=None, task=None, state=None, stack=[], turn=0,
            channel="text", actions=[], capabilities=[], options=[], offer=None, **{"value": None, "slot": None,
                                                                                     **extra})
        try:
            return bool(compile_condition(condition)(context))
        except Exception:  # noqa: BLE001 - a condition that fails on a drawn value rejects it, as the engine does
            return False

    # -- rows the task looks up ----------------------------------------------------------------

    def _plan_lookups(self, task: FrameTask, rng: random.Random, user: list[str],
                      fixtures: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        """Slot values (and the user) that make the task's lookups find a row."""
        bound: dict[str, Any] = {}
        for select in _selects(task):
            spec = select.select
            conditions = {column: _reference(value) for column, value in spec.where.items()}
            if not any(kind in ("slot", "user") for kind, *_ in conditions.values()):
                continue
            seeds = self.domain.memory.tables[spec.table].seed
            matching = [row for row in seeds if _matches(row, conditions, bound, user[0])
                        and all(self._fits(rest[0], row.get(column)) for column, (kind, *rest) in conditions.items()
                                if kind == "slot")]
            if matching:
                row = rng.choice(matching)
                for column, (kind, *rest) in conditions.items():
                    if kind == "user" and column in row:
                        user[0] = str(row[column])
                    elif kind == "slot" and column in row and rest[0] not in bound:
                        bound[rest[0]] = self.values.coerce(rest[0], row[column])
            elif not seeds:
                fixtures.append((spec.table, self._fixture(spec.table, conditions, bound, user[0], rng)))
        return bound

    def _fits(self, slot: str, raw: Any) -> bool:
        try:
            self.values.coerce(slot, raw)
        except InvalidValue:
            return False
        return True

    def _fixture(self, table: str, conditions: dict[str, tuple], bound: dict[str, Any], user: str,
                 rng: random.Random) -> dict[str, Any]:
        """A row the lookup will find: its conditions met, other columns from slots of the same name."""
        row: dict[str, Any] = {}
        for column in self.domain.memory.tables[table].columns:
            kind, *rest = conditions.get(column, ("other",))
            if kind == "literal":
                row[column] = rest[0]
            elif kind == "user":
                row[column] = user
            elif kind == "slot":
                slot, filters = rest
                if slot not in bound:
                    bound[slot] = self.valid_value(slot, None, {}, rng)
                row[column] = _filtered(bound[slot], filters)
            elif column in self.domain.slots:
                row[column] = self.valid_value(column, None, {}, rng)
        return row


class FsmMap:
    """The states of an FSM task as a graph: which intent (or key) leads where, for the default user."""

    def __init__(self, domain: Domain, task: str):
        spec = domain.tasks[task]
        assert isinstance(spec, FsmTask)
        self.task, self.spec = task, spec
        defaults = {name: v.default for name, v in domain.memory.variables.items()}
        slots = {name: v.default for name, v in domain.slots.items()}
        self.edges: dict[str, dict[str, str]] = {}
        for name, state in spec.states.items():
            edges: dict[str, str] = {}
            for transition in state.transitions:
                if transition.intent is None or transition.intent in edges:
                    continue
                if _default_holds(transition.when, defaults, slots):
                    edges[transition.intent] = self.settle(transition.to)
            self.edges[name] = edges
        self.keys = {name: _key_intents(state.dtmf) for name, state in spec.states.items()}

    def settle(self, state: str) -> str:
        """Where entering a state ends up after its entry actions' `goto`s."""
        seen = set()
        while state not in seen:
            seen.add(state)
            goto = next((a.goto for a in self.spec.states[state].on_enter if isinstance(a, Goto)), None)
            if goto is None or goto not in self.spec.states:
                return state
            state = goto
        return state

    def start(self) -> str:
        return self.settle(self.spec.initial)

    def targets(self) -> list[str]:
        """States a user may want to reach: every one reachable from the start but the start."""
        start = self.start()
        return sorted(state for state in self.distances(start) if state != start)

    def distances(self, start: str) -> dict[str, int]:
        found = {start: 0}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            for intent in sorted(self.edges.get(state, {})):
                nxt = self.edges[state][intent]
                if nxt not in found:
                    found[nxt] = found[state] + 1
                    queue.append(nxt)
        return found

    def next_intent(self, state: str, target: str) -> str | None:
        """The intent that moves from `state` one step along a shortest path to `target`."""
        best: tuple[int, str] | None = None
        for intent, nxt in sorted(self.edges.get(state, {}).items()):
            distance = self.distances(nxt).get(target)
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, intent)
        return best[1] if best else None


def _key_intents(dtmf: dict[str, str]) -> dict[str, str]:
    """Intent -> the key that means it (bare `/intent` payloads only)."""
    keys: dict[str, str] = {}
    for digit, payload in sorted(dtmf.items()):
        try:
            intent, entities = parse_structured(payload)
        except StructuredInputError:
            continue
        if not entities:
            keys.setdefault(intent, digit)
    return keys


def _default_holds(condition: str | None, user: dict[str, Any], slots: dict[str, Any]) -> bool:
    if condition is None:
        return True
    try:
        return bool(compile_condition(condition)(evaluation_context(user=user, slots=slots)))
    except Exception:  # noqa: BLE001 - an unreadable condition: the transition is not counted on
        return False


def _ranged(spec: Any) -> bool:
    return getattr(spec, "min", None) is not None or getattr(spec, "max", None) is not None


def user_columns(domain: Domain) -> dict[str, set[str]]:
    """For each table whose rows belong to users, the columns that say whose: those its actions compare with, or
    set to, `{{ session.user_id }}`."""
    found: dict[str, set[str]] = {}
    for action in all_actions(domain):
        if isinstance(action, Select):
            table, clauses = action.select.table, [action.select.where]
        elif isinstance(action, Update):
            table, clauses = action.update.table, [action.update.where, action.update.values]
        elif isinstance(action, Delete):
            table, clauses = action.delete.table, [action.delete.where]
        elif isinstance(action, Insert):
            table, clauses = action.insert.table, [action.insert.values]
        else:
            continue
        columns = {column for clause in clauses for column, value in clause.items() if _reference(value) == ("user",)}
        if columns:
            found.setdefault(table, set()).update(columns)
    return found


def _selects(task: FrameTask) -> list[Select]:
    found: list[Select] = []

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            if isinstance(entry, SubFrame):
                walk(entry.slots)
                found.extend(a for a in entry.on_complete if isinstance(a, Select))

    walk(task.slots)
    found.extend(a for a in task.on_complete if isinstance(a, Select))
    return found


def _reference(value: Any) -> tuple:
    """What a `where` value refers to: ("slot", name, filters), ("user",), ("literal", v) or ("other",)."""
    if not isinstance(value, str):
        return ("literal", value)
    slot = SLOT_REFERENCE.match(value)
    if slot:
        return ("slot", slot["slot"], [f.strip() for f in slot["filters"].split("|") if f.strip()])
    if USER_REFERENCE.match(value):
        return ("user",)
    if "{{" in value or "{%" in value:
        return ("other",)
    return ("literal", value)


def _filtered(value: Any, filters: list[str]) -> Any:
    for name in filters:
        if isinstance(value, str) and name in ("upper", "lower", "title", "trim"):
            value = {"upper": value.upper(), "lower": value.lower(), "title": value.title(),
                     "trim": value.strip()}[name]
    return value


def _matches(row: dict[str, Any], conditions: dict[str, tuple], bound: dict[str, Any], user: str) -> bool:
    for column, (kind, *rest) in conditions.items():
        if kind == "literal" and row.get(column) != rest[0]:
            return False
        if kind == "slot" and rest[0] in bound and row.get(column) != _filtered(bound[rest[0]], rest[1]):
            return False
        if kind == "user" and not user.startswith("sim-") and row.get(column) != user:
            return False
    return True
