"""The executor: runs a batch of steps in order, each through the one table from its kind to its handler.

Events apply to the state; domain actions and directives run their handlers, which may return steps to run
next, in place (a start_task's first steps, a select's on_empty). Adding a step kind means adding its class
(`dialogue.domains.schema.actions` for a domain action: schema, labels, static check) and one line here;
tests/policies/test_executor.py fails for a kind without a handler.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from dialogue.dm.actions import ActionFailed, ActionRunner
from dialogue.dm.events import EVENT_TYPES, SlotSet
from dialogue.dm.services.runner import CallRunner
from dialogue.dm.tracker import Tracker
from dialogue.domains.schema.actions import (
    Call,
    CancelTask,
    ClearSlot,
    Delete,
    End,
    Goto,
    Handoff,
    Insert,
    Offer,
    ProposeTask,
    Python,
    Respond,
    Select,
    SetIntent,
    SetSlot,
    SetVariable,
    StartTask,
    Tool,
    Update,
)
from dialogue.policies.goal_stack import GoalStack
from dialogue.policies.steps import CheckAnswer, Finish, Say, Step

Handler = Callable[[Tracker, Any], list[Step]]


class Executor:
    def __init__(self, stack: GoalStack, runner: ActionRunner, calls: CallRunner):
        self.stack, self.tables = stack, runner.tables
        self.handlers: dict[type, Handler] = {
            **dict.fromkeys(EVENT_TYPES, _apply),
            Say: _say,
            Finish: stack.finish,
            CheckAnswer: self.check_answer,
            StartTask: stack.start_task,
            ProposeTask: stack.propose_task,
            CancelTask: stack.cancel_task,
            Goto: stack.goto,
            SetIntent: _only_for_input_guards,
            Respond: runner.respond,
            SetSlot: runner.set_slot,
            ClearSlot: runner.clear_slot,
            SetVariable: runner.set_variable,
            Handoff: runner.handoff,
            End: runner.end,
            Insert: runner.insert,
            Select: runner.select,
            Update: runner.update,
            Delete: runner.delete,
            Offer: stack.offers.offer,
            Call: calls.call,
            Tool: calls.tool,
            Python: calls.python,
        }

    def run(self, tracker: Tracker, steps: list[Step]) -> None:
        """Run the steps in order; the steps a handler returns run next, before the rest. ActionFailed (from
        dialogue.dm.actions) stops the batch where a table action failed."""
        queue = deque(steps)
        while queue:
            step = queue.popleft()
            queue.extendleft(reversed(self.handlers[type(step)](tracker, step)))

    def attempt(self, tracker: Tracker, steps: list[Step]) -> ActionFailed | None:
        """Run the steps all or nothing: if a table action or a call among them failed, what they did is undone
        (state and tables), the failure is recorded, and it is returned for its failure path to run."""
        mark = tracker.mark()
        try:
            with self.tables.all_or_nothing():
                self.run(tracker, steps)
        except ActionFailed as failed:
            tracker.undo(mark)
            tracker.apply(failed.ran)
            return failed
        return None

    def check_answer(self, tracker: Tracker, check: CheckAnswer) -> list[Step]:
        """Put the answer in its slot and run the slot's `check` actions, then let the task take or refuse it. A
        check that cannot run is undone (the answer not taken, the check's table writes rolled back) and its
        failure path runs (`on_error`, else `action_failed`); the rest of the batch goes on."""
        failed = self.attempt(tracker, [SlotSet(slot=check.slot, value=check.value), *check.actions])
        if failed is not None:
            return failed.then or [Say("action_failed")]
        return self.stack.check_answer(tracker, check)


def _apply(tracker: Tracker, event: Any) -> list[Step]:
    tracker.apply(event)
    return []


def _say(tracker: Tracker, say: Say) -> list[Step]:
    tracker.respond(say.response, **say.extra)
    return []


def _only_for_input_guards(tracker: Tracker, action: SetIntent) -> list[Step]:
    """An input guard applies set_intent itself, before the policy reacts (dialogue.policies.guards)."""
    return []
