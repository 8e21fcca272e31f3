"""Guards: business rules that run before and after the policy, in declared order."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dialogue.domains.schema.actions import Action
from dialogue.domains.schema.base import Condition, Model, Name


class Guard(Model):
    """`when` the condition holds, run `actions`; with `veto`, they replace what would have run.

    Stage `input` runs after understanding and before the policy (a veto skips the policy
    for this turn). Stage `action` runs on each batch of actions the policy proposes, and
    sees their labels in `actions` (e.g. `'complete_task:transfer_money' in actions`).
    """

    name: Name
    description: str = ""
    stage: Literal["input", "action"]
    when: Condition
    actions: list[Action] = []
    veto: bool = Field(False, description="Drop what would have run (the policy's turn or batch).")
