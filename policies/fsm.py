"""FSM policy: a task as a state machine, built with the `transitions` library.

One machine is built per FSM task when the domain loads; each turn fires it on a
lightweight model that holds the session's current state, so sessions share machines.
Triggers are `intent:<name>` and `event:no_input` / `event:no_match`. One FsmPolicy runs one
FSM task (the TaskPolicy interface of `dialogue.policies.task`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from transitions import EventData, Machine

from dialogue.dm.events import SlotSet, StateEntered
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker
from dialogue.domains.interpretation import Interpretation
from dialogue.domains.schema import Domain, FsmState, FsmTask, Transition
from dialogue.domains.schema.actions import Goto, StartTask
from dialogue.domains.schema.ivr import Escalation
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.values import InvalidValue
from dialogue.policies.steps import Decision, Finish, Say, Step
from dialogue.policies.task import keyed


class _Position:
    """The model a machine moves: a state, and the transition that fired."""

    def __init__(self, state: str):
        self.state = state
        self.fired: Transition | None = None


class FsmPolicy:
    slots: list[str] = []
    """An FSM task owns no slots: the values its transitions take stay when it ends."""

    def __init__(self, domain: Domain, name: str, task: FsmTask):
        self.domain, self.name, self.task = domain, name, task
        self.values = SlotValues(domain.slots)
        self.machine = self._machine(task)

    def _machine(self, task: FsmTask) -> Machine:
        transitions = []
        for source, state in task.states.items():
            for transition in state.transitions:
                trigger = f"intent:{transition.intent}" if transition.intent else f"event:{transition.event}"
                transitions.append({
                    "trigger": trigger, "source": source, "dest": transition.to,
                    "conditions": [partial(_condition_holds, transition.when)] if transition.when else [],
                    "after": [partial(_record, transition)],
                })
        return Machine(model=None, states=list(task.states), transitions=transitions, initial=task.initial,
                       send_event=True, auto_transitions=False, ignore_invalid_triggers=True)

    def begin(self, tracker: Tracker, frame: TaskFrame, entities: dict[str, Any]) -> list[Step]:
        return self.enter(self.task.initial)

    def react(self, tracker: Tracker, frame: TaskFrame) -> list[Step] | None:
        """The transition on the turn's intent; failing that, on the yes or no it means (`means:`)."""
        intent = tracker.turn.intent
        fired = self._fire(tracker, frame, f"intent:{intent}")
        answer = self.domain.yes_or_no(intent)
        if fired is None and answer is not None and answer != intent:
            return self._fire(tracker, frame, f"intent:{answer}")
        return fired

    def control(self, tracker: Tracker, frame: TaskFrame, intent: str) -> list[Step] | None:
        return self._fire(tracker, frame, f"intent:{intent}")

    def escalate(self, tracker: Tracker, frame: TaskFrame, kind: str) -> list[Step] | None:
        return self._fire(tracker, frame, f"event:{kind}")

    def _fire(self, tracker: Tracker, frame: TaskFrame, trigger: str) -> list[Step] | None:
        """Fire `trigger` from the frame's state; the transition's actions and the new state's entry, or None."""
        event = self.machine.events.get(trigger)
        position = _Position(frame.state or self.task.initial)
        if event is None or position.state not in event.transitions:
            return None
        if not event.trigger(position, tracker=tracker) or position.fired is None:
            return None
        items: list[Step] = []
        for slot, raw in tracker.turn.entities.items():
            try:
                items.append(SlotSet(slot=slot, value=self.values.coerce(slot, raw)))
            except (InvalidValue, KeyError):
                tracker.warnings.append(f"entity '{slot}' ignored: not a valid value")
        actions = list(position.fired.actions)
        starts_task = any(isinstance(action, StartTask) for action in actions)
        return items + actions + self.enter(position.fired.to, quiet=starts_task)

    def enter(self, state_name: str, *, quiet: bool = False) -> list[Step]:
        """Entering a state: its entry actions and prompt; a final state completes the task.

        A state entered while another task starts keeps its prompt for when the task resumes.
        """
        task = self.task
        state = task.states[state_name]
        items: list[Step] = [StateEntered(task=self.name, state=state_name)]
        for action in state.on_enter:
            items.append(action)
            if isinstance(action, Goto):  # a pass-through state: the target speaks instead
                return items
            quiet = quiet or isinstance(action, StartTask)
        if state.prompt and not quiet:
            items.append(Say(state.prompt))
        if state.final:
            items += [*task.on_complete, Finish(self.name, "completed")]
        return items

    def advance(self, tracker: Tracker, frame: TaskFrame) -> Decision:
        """Re-prompt: the current state's prompt, unless it was said this turn; then wait for the user."""
        prompt = self.state_of(frame).prompt
        return Decision([Say(prompt)] if prompt and not tracker.said(prompt) else [], listen=True)

    def correct(self, tracker: Tracker, frame: TaskFrame, values: dict[str, Any]) -> list[Step]:
        return []

    def help(self, frame: TaskFrame) -> str | None:
        return self.state_of(frame).help

    def declined(self, frame: TaskFrame) -> list[Step]:
        return []

    def bare_answer(self, tracker: Tracker, frame: TaskFrame) -> dict[str, Any] | None:
        return None

    def keys(self, frame: TaskFrame, digits: str) -> Interpretation | None:
        payload = self.state_of(frame).dtmf.get(digits)
        return keyed(payload) if payload is not None else None

    def escalation(self, frame: TaskFrame, kind: str) -> Escalation | None:
        return getattr(self.state_of(frame), kind)

    def goto(self, frame: TaskFrame, state: str) -> list[Step]:
        return self.enter(state)

    def state_of(self, frame: TaskFrame) -> FsmState:
        return self.task.states[frame.state or self.task.initial]


def _condition_holds(condition: str, event: EventData) -> bool:
    return event.kwargs["tracker"].holds(condition)


def _record(transition: Transition, event: EventData) -> None:
    event.model.fired = transition
