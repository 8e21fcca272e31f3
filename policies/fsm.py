"""FSM policy: a task as a state machine, built with the `transitions` library.

One machine is built per FSM task when the domain loads; each turn fires it on a
lightweight model that holds the session's current state, so sessions share machines.
Triggers are `intent:<name>` and `event:no_input` / `event:no_match`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from transitions import EventData, Machine

from dialogue.dm.events import SlotSet, StateEntered
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker
from dialogue.domains.schema import Domain, FsmTask, Transition
from dialogue.domains.schema.actions import Goto, StartTask
from dialogue.domains.values import InvalidValue, SlotValues
from dialogue.policies.decision import Finish, Respond


class _Position:
    """The model a machine moves: a state, and the transition that fired."""

    def __init__(self, state: str):
        self.state = state
        self.fired: Transition | None = None


class FsmPolicy:
    def __init__(self, domain: Domain):
        self.domain = domain
        self.values = SlotValues(domain.slots)
        self.tasks = {name: task for name, task in domain.tasks.items() if isinstance(task, FsmTask)}
        self.machines = {name: self._machine(task) for name, task in self.tasks.items()}

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

    def react(self, tracker: Tracker, frame: TaskFrame, trigger: str) -> list[Any] | None:
        """Fire `trigger` from the frame's state; the transition's actions and the new state's entry, or None."""
        event = self.machines[frame.task].events.get(trigger)
        position = _Position(frame.state or self.tasks[frame.task].initial)
        if event is None or position.state not in event.transitions:
            return None
        if not event.trigger(position, tracker=tracker) or position.fired is None:
            return None
        items: list[Any] = []
        for slot, raw in tracker.turn.entities.items():
            try:
                items.append(SlotSet(slot=slot, value=self.values.coerce(slot, raw)))
            except (InvalidValue, KeyError):
                tracker.warnings.append(f"entity '{slot}' ignored: not a valid value")
        actions = list(position.fired.actions)
        starts_task = any(isinstance(action, StartTask) for action in actions)
        return items + actions + self.enter(frame.task, position.fired.to, quiet=starts_task)

    def enter(self, task_name: str, state_name: str, *, quiet: bool = False) -> list[Any]:
        """Entering a state: its entry actions and prompt; a final state completes the task.

        A state entered while another task starts keeps its prompt for when the task resumes.
        """
        task = self.tasks[task_name]
        state = task.states[state_name]
        items: list[Any] = [StateEntered(task=task_name, state=state_name)]
        for action in state.on_enter:
            items.append(action)
            if isinstance(action, Goto):  # a pass-through state: the target speaks instead
                return items
            quiet = quiet or isinstance(action, StartTask)
        if state.prompt and not quiet:
            items.append(Respond(state.prompt))
        if state.final:
            items += [*task.on_complete, Finish(task_name, "completed")]
        return items

    def reprompt(self, tracker: Tracker, frame: TaskFrame) -> list[Any]:
        """The current state's prompt, unless it was already said this turn."""
        prompt = self.tasks[frame.task].states[frame.state or self.tasks[frame.task].initial].prompt
        return [Respond(prompt)] if prompt and not tracker.said(prompt) else []

    def state_of(self, frame: TaskFrame) -> Any:
        task = self.tasks[frame.task]
        return task.states[frame.state or task.initial]


def _condition_holds(condition: str, event: EventData) -> bool:
    return event.kwargs["tracker"].holds(condition)


def _record(transition: Transition, event: EventData) -> None:
    event.model.fired = transition
