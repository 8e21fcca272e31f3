"""Tasks: the goals on the goal stack, each run by a frame or an FSM policy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from dialogue.domains.schema.actions import Action
from dialogue.domains.schema.base import Condition, Model, Name
from dialogue.domains.schema.ivr import Escalation, IntentDigits, ValueDigits


class FrameSlot(Model):
    """One slot to fill: how to ask, how to check, what to do when asking fails."""

    slot: Name
    prompt: Name | None = Field(None, description="Response that asks for the slot; default `ask_<slot>`.")
    when: Condition | None = Field(None, description="Ask only when this holds.")
    validate_: Condition | None = Field(None, alias="validate",
                                        description="Condition on `value` that an answer must meet.")
    invalid: Name | None = Field(None, description="Response when the answer fails validation.")
    max_attempts: int | None = Field(None, ge=1, le=20,
                                     description="Failed answers before on_exhausted (default: settings).")
    on_exhausted: list[Action] | None = None
    offer: str | None = Field(None, description="`{{ expression }}` whose value is offered; yes accepts it.")
    fill_from_text: bool = Field(False, description="Take the whole user text as the value (text slots).")
    dtmf: ValueDigits | Literal["digits"] | None = Field(
        None, description="Digit -> slot value, or `digits` to take the keyed digits as the value.")
    help: Name | None = None
    check: list[Action] = Field([], description="Actions that check an answer with the business before it is "
                                "taken (a `call:`, `tool:` or `python:` asking: is 19:30 free?); they run with the "
                                "answer in the slot, after `validate`.")
    accept: Condition | None = Field(None, description="After `check`: whether the answer is taken, e.g. "
                                     "`results.availability[0].free` (needed with `check`).")
    on_refused: list[Action] = Field([], description="When `accept` does not hold: the answer is taken back and "
                                     "these run (the service's reason in a response, an `offer:` of the "
                                     "alternatives it returned); default: the `invalid` response.")
    optional: bool = Field(False, description="Never asked for; taken when the user gives it.")
    default: Any = Field(None, description="For an optional slot: a value or `{{ template }}` (e.g. "
                         "`{{ today }}`) it takes when the task reaches it unfilled; a value the user gives "
                         "later replaces it without `corrected`.")

    @model_validator(mode="after")
    def _only_an_optional_slot_has_a_default(self) -> FrameSlot:
        if self.default is not None and not self.optional:
            raise ValueError("a default here is for an optional slot (a required one is asked): add "
                             "`optional: true`, or give the slot itself a `default:`")
        if bool(self.check) != (self.accept is not None):
            raise ValueError("`check` and `accept` go together: the actions that ask the business, and the "
                             "condition on their results that takes the answer")
        if self.on_refused and not self.check:
            raise ValueError("on_refused runs when `check` refuses an answer: add check and accept")
        return self


class SubFrame(Model):
    """A group of slots filled together, nested inside a frame (slots + tree)."""

    frame: Name
    when: Condition | None = None
    slots: list[FrameEntry]
    on_complete: list[Action] = Field([], description="Actions when every slot of the sub-frame is filled.")


def _entry_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return "frame" if "frame" in value else "slot"
    return "frame" if isinstance(value, SubFrame) else "slot"


FrameEntry = Annotated[
    Annotated[FrameSlot, Tag("slot")] | Annotated[SubFrame, Tag("frame")],
    Discriminator(_entry_kind),
]
SubFrame.model_rebuild()


class _Task(Model):
    description: str = ""
    triggers: list[Name] = Field([], description="Intents that start this task.")
    digression: bool = Field(False, description="Answer without pushing on the goal stack (no slots).")
    resume: Name | None = Field(None, description="Response said when the task resumes after an interruption.")
    on_complete: list[Action] = []
    on_cancel: list[Action] | None = Field(None, description="Default: respond `cancelled`.")
    persisted_slots: list[Name] = Field([], description="Slots whose values outlive the task: they stay for the "
                                        "rest of the session, so the next task using them has them (the city of a "
                                        "search, the restaurant chosen); the task's other slots are cleared when "
                                        "it ends.")
    undoes: list[Name] = Field([], description="Tasks this one undoes: a `cancel` (\"cancel it\") said while no task "
                               "goes, after one of them completed, starts this task instead of saying "
                               "`nothing_to_cancel`.")


class FrameTask(_Task):
    """Slot filling: ask for each slot in order, validate, confirm, then complete."""

    policy: Literal["frame"]
    slots: list[FrameEntry] = []
    confirm: Name | None = Field(None, description="Response that asks the user to confirm before completing.")
    on_exhausted: list[Action] | None = Field(None, description="Default for slots without their own.")
    dtmf: IntentDigits = Field({}, description="Digit -> intent or `/intent{...}` while this task is active "
                                               "(e.g. 1 for yes and 2 for no at the confirmation).")

    @model_validator(mode="after")
    def _digression_has_no_slots(self) -> FrameTask:
        if self.digression and self.slots:
            raise ValueError("a digression answers at once, so it cannot have slots")
        return self


class Transition(Model):
    """Leave a state on an intent or an event, when a condition holds."""

    intent: Name | None = None
    event: Literal["no_input", "no_match"] | None = None
    to: Name
    when: Condition | None = None
    actions: list[Action] = []

    @model_validator(mode="after")
    def _one_trigger(self) -> Transition:
        if (self.intent is None) == (self.event is None):
            raise ValueError("a transition needs exactly one of `intent` or `event`")
        return self


class FsmState(Model):
    prompt: Name | None = Field(None, description="Response said on entry and on every re-prompt.")
    on_enter: list[Action] = []
    transitions: list[Transition] = []
    final: bool = Field(False, description="Entering this state completes the task.")
    dtmf: IntentDigits = Field({}, description="Digit -> intent or structured input (`/intent{...}`).")
    no_input: Escalation | None = None
    no_match: Escalation | None = None
    help: Name | None = None


class FsmTask(_Task):
    """A state machine: states with entry actions and conditional transitions."""

    policy: Literal["fsm"]
    initial: Name
    states: dict[Name, FsmState]

    @model_validator(mode="after")
    def _initial_exists(self) -> FsmTask:
        if self.initial not in self.states:
            raise ValueError(f"initial state '{self.initial}' is not among the states")
        return self


Task = Annotated[FrameTask | FsmTask, Field(discriminator="policy")]


def frame_slots(entries: list[Any]) -> list[FrameSlot]:
    """Every slot entry of a frame, depth first through sub-frames."""
    found: list[FrameSlot] = []
    for entry in entries:
        found.extend(frame_slots(entry.slots) if isinstance(entry, SubFrame) else [entry])
    return found
