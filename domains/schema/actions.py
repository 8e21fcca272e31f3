"""Actions: what a task, a state, a transition or a guard does.

Each action is a mapping with exactly one key, the action's kind:
``- respond: ask_party_size`` or ``- insert: {table: bookings, values: {...}}``.
Values may be literals or Jinja2 templates; a value that is exactly one
``{{ expression }}`` keeps the expression's type (a number stays a number).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Discriminator, Field, Tag

from dialogue.domains.schema.base import Model, Name, one_or_many

Values = Annotated[dict[Name, Any], Field(description="Column or slot -> literal or `{{ expression }}`.")]


class Respond(Model):
    kind: ClassVar[str] = "respond"
    respond: Name = Field(description="Say a response (by name).")


class SetSlot(Model):
    kind: ClassVar[str] = "set_slot"
    set_slot: Values


class ClearSlot(Model):
    kind: ClassVar[str] = "clear_slot"
    clear_slot: one_or_many(Name)  # type: ignore[valid-type]


class SetVariable(Model):
    kind: ClassVar[str] = "set_variable"
    set_variable: Values = Field(description="Set user variables, which outlive the session.")


class StartTask(Model):
    kind: ClassVar[str] = "start_task"
    start_task: Name = Field(description="Push a task on the goal stack.")


class CancelTask(Model):
    kind: ClassVar[str] = "cancel_task"
    cancel_task: Literal[True] = Field(description="Cancel the active task (runs its on_cancel).")


class Goto(Model):
    kind: ClassVar[str] = "goto"
    goto: Name = Field(description="Move the active FSM task to a state.")


class HandoffSpec(Model):
    queue: str = ""
    reason: str = ""


class Handoff(Model):
    kind: ClassVar[str] = "handoff"
    handoff: Literal[True] | HandoffSpec = Field(description="Hand the conversation to a human agent.")


class End(Model):
    kind: ClassVar[str] = "end"
    end: Literal[True] = Field(description="End the conversation.")


class SetIntent(Model):
    kind: ClassVar[str] = "set_intent"
    set_intent: Name = Field(description="Input guards only: replace the intent the policy sees.")


class InsertSpec(Model):
    table: Name
    values: Values


class Insert(Model):
    kind: ClassVar[str] = "insert"
    insert: InsertSpec


class SelectSpec(Model):
    table: Name
    where: Values = {}
    into: dict[Name, Name] = Field({}, description="Slot -> column, filled from the first row.")
    result: Name | None = Field(None, description="Keep the rows as `results.<name>` for responses.")
    order_by: Name | None = None
    descending: bool = False
    limit: int = Field(20, ge=1, le=1000)
    on_empty: list[Action] = Field([], description="Actions to run when no row matches.")


class Select(Model):
    kind: ClassVar[str] = "select"
    select: SelectSpec


class UpdateSpec(Model):
    table: Name
    where: Values
    values: Values


class Update(Model):
    kind: ClassVar[str] = "update"
    update: UpdateSpec


class DeleteSpec(Model):
    table: Name
    where: Values


class Delete(Model):
    kind: ClassVar[str] = "delete"
    delete: DeleteSpec


ACTION_KINDS: dict[str, type[Model]] = {
    cls.kind: cls  # type: ignore[attr-defined]
    for cls in (Respond, SetSlot, ClearSlot, SetVariable, StartTask, CancelTask, Goto, Handoff, End,
                SetIntent, Insert, Select, Update, Delete)
}


def action_kind(value: Any) -> str | None:
    """The kind of an action: its single key."""
    if isinstance(value, dict):
        return next(iter(value)) if len(value) == 1 else None
    return getattr(value, "kind", None) if isinstance(value, Model) else None

Action = Annotated[
    Union[tuple(Annotated[cls, Tag(kind)] for kind, cls in ACTION_KINDS.items())],  # type: ignore[valid-type] # noqa: UP007
    Discriminator(action_kind),
]
SelectSpec.model_rebuild()
