"""What a policy decides: a batch of events and actions, and whether to wait for the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogue.domains.schema.actions import ClearSlot, SetSlot, SetVariable
from dialogue.domains.schema.actions import Respond as RespondAction


@dataclass
class Respond:
    """Say a response, with extra template names (`slot`, `value`, `offer`) known at decision time."""

    response: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finish:
    """End a task on the goal stack: its slots are cleared and the task below resumes."""

    task: str
    outcome: str  # completed | cancelled | abandoned

    def labels(self) -> list[str]:
        verb = {"completed": "complete_task", "cancelled": "cancel_task", "abandoned": "abandon_task"}
        return [f"{verb[self.outcome]}:{self.task}"]


@dataclass
class Decision:
    items: list[Any] = field(default_factory=list)
    listen: bool = False

    def __bool__(self) -> bool:
        return bool(self.items) or self.listen


def labels(items: list[Any]) -> list[str]:
    """How guards see a batch: `respond:<name>`, `complete_task:<task>`, `insert:<table>`..."""
    found: list[str] = []
    for item in items:
        if isinstance(item, Respond):
            found.append(f"respond:{item.response}")
        elif isinstance(item, RespondAction):
            found.append(f"respond:{item.respond}")
        elif isinstance(item, (SetSlot, SetVariable)):
            found += [f"{item.kind}:{name}" for name in getattr(item, item.kind)]
        elif isinstance(item, ClearSlot):
            found += [f"clear_slot:{name}" for name in item.clear_slot]
        elif hasattr(item, "labels"):
            found += item.labels()
        elif hasattr(item, "kind"):
            target = getattr(item, item.kind)
            name = getattr(target, "table", target)
            found.append(item.kind if name is True or not isinstance(name, str) else f"{item.kind}:{name}")
    return found
