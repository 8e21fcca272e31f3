"""Typed events: the only way dialogue state changes.

Each event knows how to apply itself to a state, so `replay(events)` rebuilds the state
a snapshot holds, and what a guard sees of it (`labels`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, TypeAdapter

from dialogue.dm.state import DialogueState, Offering, TaskFrame
from dialogue.domains.interpretation import Found


class BaseEvent(BaseModel):
    """What every event has: how it changes a state, and how action guards see it."""

    def apply(self, state: DialogueState) -> None:
        """Change the state; events that only record something change nothing."""

    def labels(self) -> list[str]:
        """How guards see this event among proposed actions."""
        return []


class SessionCreated(BaseEvent):
    """The first event of every session: who, which domain, and the memory it starts with."""

    type: Literal["session_created"] = "session_created"
    session_id: str
    user_id: str
    domain: str
    slots: dict[str, Any]
    variables: dict[str, Any]

    def apply(self, state: DialogueState) -> None:
        state.session_id, state.user_id, state.domain = self.session_id, self.user_id, self.domain
        state.slots, state.variables = dict(self.slots), dict(self.variables)


class TurnStarted(BaseEvent):
    type: Literal["turn_started"] = "turn_started"
    turn: int
    channel: str
    input: dict[str, Any]

    def apply(self, state: DialogueState) -> None:
        state.turn = self.turn


class SessionStarted(BaseEvent):
    type: Literal["session_started"] = "session_started"

    def apply(self, state: DialogueState) -> None:
        state.started = True


class UserUnderstood(BaseEvent):
    type: Literal["user_understood"] = "user_understood"
    interpretation: dict[str, Any]

    def apply(self, state: DialogueState) -> None:
        state.last_understood = self.interpretation


class SlotSet(BaseEvent):
    """A slot takes a value; failed attempts at answering it start again from zero, and a value noted for it
    earlier is superseded."""

    type: Literal["slot_set"] = "slot_set"
    slot: str
    value: Any

    def apply(self, state: DialogueState) -> None:
        state.slots[self.slot] = self.value
        state.noted.pop(self.slot, None)
        for frame in state.stack:
            frame.attempts.pop(self.slot, None)
            if self.slot in frame.defaulted:
                frame.defaulted.remove(self.slot)

    def labels(self) -> list[str]:
        return [f"set_slot:{self.slot}"]


class SlotDefaulted(BaseEvent):
    """An optional slot that a frame reached unfilled takes its default (None: its default gave no value)."""

    type: Literal["slot_defaulted"] = "slot_defaulted"
    task: str
    slot: str
    value: Any = None

    def apply(self, state: DialogueState) -> None:
        if self.value is not None:
            state.slots[self.slot] = self.value
        frame = state.frame(self.task)
        if frame is not None and self.slot not in frame.defaulted:
            frame.defaulted.append(self.slot)

    def labels(self) -> list[str]:
        return [f"set_slot:{self.slot}"] if self.value is not None else []


class SlotsCleared(BaseEvent):
    type: Literal["slots_cleared"] = "slots_cleared"
    values: dict[str, Any] = Field(description="Slot -> the value it goes back to (its default).")

    def apply(self, state: DialogueState) -> None:
        state.slots.update(self.values)

    def labels(self) -> list[str]:
        return [f"clear_slot:{slot}" for slot in self.values]


class ValuesNoted(BaseEvent):
    """Values the user gave that no task on the stack takes, kept for the next task that does (`values`), and
    values such a task took (`taken`)."""

    type: Literal["values_noted"] = "values_noted"
    values: dict[str, Any] = Field(default_factory=dict)
    taken: list[str] = Field(default_factory=list)

    def apply(self, state: DialogueState) -> None:
        for slot in self.taken:
            state.noted.pop(slot, None)
        state.noted.update(self.values)

    def labels(self) -> list[str]:
        return [f"note_slot:{slot}" for slot in self.values]


class VariableSet(BaseEvent):
    type: Literal["variable_set"] = "variable_set"
    name: str
    value: Any

    def apply(self, state: DialogueState) -> None:
        state.variables[self.name] = self.value

    def labels(self) -> list[str]:
        return [f"set_variable:{self.name}"]


class TaskStarted(BaseEvent):
    """A task is pushed on the goal stack; the task below it is interrupted."""

    type: Literal["task_started"] = "task_started"
    task: str
    state: str | None = None
    saved: dict[str, Any] = Field(default_factory=dict, description="Values of the slots it shares with the tasks "
                                                                    "below it, given back when it ends.")

    def apply(self, state: DialogueState) -> None:
        if state.stack:
            state.stack[-1].interrupted = True
        state.stack.append(TaskFrame(task=self.task, state=self.state, saved=dict(self.saved)))
        state.picked = state.completed = None

    def labels(self) -> list[str]:
        return [f"start_task:{self.task}"]


class TaskRaised(BaseEvent):
    """A task already on the stack becomes the active one (routing mode `host`)."""

    type: Literal["task_raised"] = "task_raised"
    task: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None and frame is not state.stack[-1]:
            state.stack[-1].interrupted = True
            state.stack.remove(frame)
            state.stack.append(frame)
            frame.interrupted = False

    def labels(self) -> list[str]:
        return [f"raise_task:{self.task}"]


class TaskEnded(BaseEvent):
    type: Literal["task_ended"] = "task_ended"
    task: str
    outcome: Literal["completed", "cancelled", "abandoned"]

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            state.stack.remove(frame)
        if not state.stack:
            state.completed = self.task if self.outcome == "completed" else None

    def labels(self) -> list[str]:
        verb = {"completed": "complete_task", "cancelled": "cancel_task", "abandoned": "abandon_task"}
        return [f"{verb[self.outcome]}:{self.task}"]


class TaskProposed(BaseEvent):
    """A finished task offered the next one ("Shall I book a table there?"): the user's yes starts it."""

    type: Literal["task_proposed"] = "task_proposed"
    task: str
    ask: str | None = None
    """The response that asked it."""

    def apply(self, state: DialogueState) -> None:
        state.proposed, state.proposal_ask = self.task, self.ask

    def labels(self) -> list[str]:
        return [f"propose_task:{self.task}"]


class ProposalAnswered(BaseEvent):
    """The turn after a proposal: accepted (yes), declined (no), or passed over (anything else)."""

    type: Literal["proposal_answered"] = "proposal_answered"
    task: str
    accepted: bool | None

    def apply(self, state: DialogueState) -> None:
        state.proposed = state.proposal_ask = None
        state.picked = None


class OfferMade(BaseEvent):
    """Rows of a result were offered (from `start`): the user's next turn may take one."""

    type: Literal["offer_made"] = "offer_made"
    result: str
    start: int
    size: int = 1

    def apply(self, state: DialogueState) -> None:
        state.offering = Offering(result=self.result, start=self.start, size=self.size)
        state.picked = None

    def labels(self) -> list[str]:
        return [f"offer:{self.result}"]


class OfferAnswered(BaseEvent):
    """The turn after an offer: a row taken (its place in the result), or none (turned down, passed over); with
    `turned_down`, the rows the user asked others than while searching again."""

    type: Literal["offer_answered"] = "offer_answered"
    result: str
    chosen: int | None
    turned_down: list[dict[str, Any]] = Field(default_factory=list)

    def apply(self, state: DialogueState) -> None:
        state.picked = state.offering if self.chosen is not None else None
        state.offering = None
        if self.chosen is not None:
            state.turned_down.pop(self.result, None)
        elif self.turned_down:
            state.turned_down[self.result] = [*state.turned_down.get(self.result, []), *self.turned_down]


class TaskResumed(BaseEvent):
    type: Literal["task_resumed"] = "task_resumed"
    task: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.interrupted = False

    def labels(self) -> list[str]:
        return [f"resume_task:{self.task}"]


class SlotRequested(BaseEvent):
    """A frame asks for a slot; a confirmation in progress, and the sub-frames around the slot, start over."""

    type: Literal["slot_requested"] = "slot_requested"
    task: str
    slot: str
    offered: Any = None
    subframes: list[str] = Field(default_factory=list, description="Sub-frames that enclose the slot.")

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.requested, frame.offered = self.slot, self.offered
            frame.confirming = frame.confirmed = frame.changing = False
            frame.done = [name for name in frame.done if name not in self.subframes]

    def labels(self) -> list[str]:
        return [f"request_slot:{self.slot}"]


class ConfirmationRequested(BaseEvent):
    type: Literal["confirmation_requested"] = "confirmation_requested"
    task: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.requested, frame.offered = None, None
            frame.confirming, frame.confirmed, frame.changing = True, False, False

    def labels(self) -> list[str]:
        return [f"confirm:{self.task}"]


class ConfirmationAnswered(BaseEvent):
    """Yes confirms; no (`confirmed` false) means the user wants to change something."""

    type: Literal["confirmation_answered"] = "confirmation_answered"
    task: str
    confirmed: bool

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.confirming = False
            frame.confirmed, frame.changing = self.confirmed, not self.confirmed


class ConfirmationWithdrawn(BaseEvent):
    """A value changed while confirming, so the task must confirm again."""

    type: Literal["confirmation_withdrawn"] = "confirmation_withdrawn"
    task: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.confirming = frame.confirmed = frame.changing = False


class AttemptFailed(BaseEvent):
    type: Literal["attempt_failed"] = "attempt_failed"
    task: str
    slot: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.attempts[self.slot] = frame.attempts.get(self.slot, 0) + 1


class SubFrameCompleted(BaseEvent):
    type: Literal["subframe_completed"] = "subframe_completed"
    task: str
    frame: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None and self.frame not in frame.done:
            frame.done.append(self.frame)

    def labels(self) -> list[str]:
        return [f"complete_frame:{self.frame}"]


class SubFramesReopened(BaseEvent):
    """A slot inside finished sub-frames changed, so their actions must run again."""

    type: Literal["subframes_reopened"] = "subframes_reopened"
    task: str
    frames: list[str]

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.done = [name for name in frame.done if name not in self.frames]


class StateEntered(BaseEvent):
    type: Literal["state_entered"] = "state_entered"
    task: str
    state: str

    def apply(self, state: DialogueState) -> None:
        frame = state.frame(self.task)
        if frame is not None:
            frame.state = self.state

    def labels(self) -> list[str]:
        return [f"enter_state:{self.state}"]


class EscalationStepped(BaseEvent):
    type: Literal["escalation_stepped"] = "escalation_stepped"
    kind: Literal["no_input", "no_match"]

    def apply(self, state: DialogueState) -> None:
        setattr(state, self.kind, getattr(state, self.kind) + 1)

    def labels(self) -> list[str]:
        return [f"escalate:{self.kind}"]


class EscalationReset(BaseEvent):
    type: Literal["escalation_reset"] = "escalation_reset"

    def apply(self, state: DialogueState) -> None:
        state.no_input = state.no_match = 0


class ResultsStored(BaseEvent):
    type: Literal["results_stored"] = "results_stored"
    name: str
    rows: list[dict[str, Any]]

    def apply(self, state: DialogueState) -> None:
        state.results[self.name] = self.rows


class ActionRan(BaseEvent):
    """A side effect outside the state happened (a table write); kept for the log."""

    type: Literal["action_ran"] = "action_ran"
    label: str
    detail: dict[str, Any] = Field(default_factory=dict)

    def labels(self) -> list[str]:
        return [self.label]


class ServiceCalled(BaseEvent):
    """A call to one of the domain's services, for the log: where, the outcome, how long (no query, body or
    headers: they may hold what the user said or a secret)."""

    type: Literal["service_called"] = "service_called"
    service: str
    method: str
    path: str
    status: str
    """The HTTP status, or why there was none (`timeout`, `unreachable`, `circuit_open`...)."""
    ms: float
    attempts: int
    error: str = ""

    def labels(self) -> list[str]:
        return [f"call:{self.service}"]


class KnowledgeAnswered(BaseEvent):
    """A question answered from the domain's knowledge: the FAQ entry or passages the answer came from."""

    type: Literal["knowledge_answered"] = "knowledge_answered"
    sources: list[Found]

    def labels(self) -> list[str]:
        return [f"knowledge:{found.kind}:{found.id}" for found in self.sources]


class GuardFired(BaseEvent):
    type: Literal["guard_fired"] = "guard_fired"
    guard: str
    stage: Literal["input", "action"]
    vetoed: bool

    def labels(self) -> list[str]:
        return [f"{'veto' if self.vetoed else 'guard'}:{self.guard}"]


class BotUttered(BaseEvent):
    type: Literal["bot_uttered"] = "bot_uttered"
    response: str
    text: str
    source: str = "template"


class HandedOff(BaseEvent):
    type: Literal["handed_off"] = "handed_off"
    queue: str = ""
    reason: str = ""

    def apply(self, state: DialogueState) -> None:
        state.handoff = True

    def labels(self) -> list[str]:
        return ["handoff"]


class ConversationEnded(BaseEvent):
    type: Literal["conversation_ended"] = "conversation_ended"

    def apply(self, state: DialogueState) -> None:
        state.ended = True

    def labels(self) -> list[str]:
        return ["end"]


class ConversationRestarted(BaseEvent):
    """After an end or a handoff, the next turn starts afresh; user variables stay."""

    type: Literal["conversation_restarted"] = "conversation_restarted"
    slots: dict[str, Any]

    def apply(self, state: DialogueState) -> None:
        state.slots = dict(self.slots)
        state.stack, state.results, state.turned_down, state.noted = [], {}, {}, {}
        state.proposed, state.offering = None, None
        state.started = state.ended = state.handoff = False
        state.no_input = state.no_match = 0


Event = Annotated[
    SessionCreated | TurnStarted | SessionStarted | UserUnderstood | SlotSet | SlotDefaulted | SlotsCleared
    | ValuesNoted | VariableSet | TaskStarted | TaskRaised | TaskEnded | TaskProposed | ProposalAnswered | OfferMade
    | OfferAnswered | TaskResumed
    | SlotRequested | ConfirmationRequested | ConfirmationAnswered | ConfirmationWithdrawn | AttemptFailed
    | SubFrameCompleted | SubFramesReopened | StateEntered | EscalationStepped | EscalationReset | ResultsStored
    | ActionRan | ServiceCalled | KnowledgeAnswered | GuardFired | BotUttered | HandedOff | ConversationEnded
    | ConversationRestarted,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(list[Event])
EVENT_TYPES: tuple[type[BaseEvent], ...] = get_args(get_args(Event)[0])


def replay(events: list[Any]) -> DialogueState:
    """Rebuild a session's state from its whole event log (which starts with SessionCreated)."""
    state = DialogueState(session_id="", user_id="", domain="")
    for event in events:
        event.apply(state)
    return state
