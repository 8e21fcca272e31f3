"""What a policy decides: steps, in one typed vocabulary, and whether to wait for the user.

A step is an event (`dialogue.dm.events`: a change of state), a domain action (`dialogue.domains.schema.actions`:
what the domain's YAML says to do) or a directive (below: what only a policy decides). The executor
(`dialogue.policies.executor`) runs each step through its kind's handler; every step knows its `labels`, which
is how action guards see a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dialogue.dm.events import BaseEvent, SlotSet
from dialogue.domains.schema.actions import DomainAction

Outcome = Literal["completed", "cancelled", "abandoned"]


@dataclass
class Say:
    """Say a response, with extra template names (`slot`, `value`, `offer`, `options`) known at decision time."""

    response: str
    extra: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> list[str]:
        return [f"respond:{self.response}"]


@dataclass
class Finish:
    """End a task on the goal stack: its slots are cleared and the task below resumes."""

    task: str
    outcome: Outcome

    def labels(self) -> list[str]:
        verb = {"completed": "complete_task", "cancelled": "cancel_task", "abandoned": "abandon_task"}
        return [f"{verb[self.outcome]}:{self.task}"]


@dataclass
class CheckAnswer:
    """Put an answer in its frame slot and run the slot's `check` actions; then take it if its `accept` holds,
    else take it back. A check that cannot run (a call that failed) takes it back too, and only it: the rest of
    the message (its other values, the task it started) is kept."""

    task: str
    slot: str
    value: Any
    previous: Any
    actions: list[Any]
    """The slot's `check` actions."""
    then: list[Any] = field(default_factory=list)
    """What follows a taken answer (a `corrected`, sub-frames reopened)."""

    def labels(self) -> list[str]:
        return [*SlotSet(slot=self.slot, value=self.value).labels(), *labels(self.actions), f"check:{self.slot}"]


Directive = Say | Finish | CheckAnswer
Step = BaseEvent | DomainAction | Directive
DIRECTIVES: tuple[type[Directive], ...] = (Say, Finish, CheckAnswer)


@dataclass
class Decision:
    steps: list[Step] = field(default_factory=list)
    listen: bool = False

    def __bool__(self) -> bool:
        return bool(self.steps) or self.listen


def labels(steps: list[Step]) -> list[str]:
    """How guards see a batch: `respond:<name>`, `complete_task:<task>`, `insert:<table>`..."""
    return [label for step in steps for label in step.labels()]
