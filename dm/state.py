"""Dialogue state: everything the engine knows about one conversation, as plain data.

The state changes only through events (dm.events), so it can be rebuilt from its
event log and stored as a snapshot.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dialogue.domains.interpretation import Expectation


class TaskFrame(BaseModel):
    """One goal on the goal stack and how far it has got."""

    task: str
    state: str | None = Field(None, description="Current state of an FSM task.")
    requested: str | None = Field(None, description="The slot a frame task asked for last.")
    offered: Any = Field(None, description="A value offered for the requested slot (yes accepts it).")
    confirming: bool = False
    confirmed: bool = False
    changing: bool = Field(False, description="Confirmation was denied; waiting to hear what to change.")
    attempts: dict[str, int] = Field(default_factory=dict, description="Failed answers per slot.")
    done: list[str] = Field(default_factory=list, description="Sub-frames whose actions have run.")
    defaulted: list[str] = Field(default_factory=list, description="Optional slots that took their default "
                                                                   "(or found none): a value given later is no "
                                                                   "correction.")
    interrupted: bool = False
    saved: dict[str, Any] = Field(default_factory=dict, description="Slots this task shares with the tasks below "
                                                                    "it, as they were when it started; they go back "
                                                                    "to these values when it ends.")


class Offering(BaseModel):
    """Rows offered to the user (an `offer:` action): which result, and where the rows offered now start."""

    result: str
    start: int = 0
    size: int = 1

    def rows(self, state: DialogueState) -> list[dict[str, Any]]:
        """The rows offered now."""
        return state.results.get(self.result, [])[self.start:self.start + self.size]

    def window(self, state: DialogueState) -> dict[str, Any]:
        """What templates read as `offered`."""
        return offered_window(state.results.get(self.result, []), self.start, self.size)


def offered_window(rows: list[dict[str, Any]], start: int, size: int) -> dict[str, Any]:
    """The rows offered now from a result's `rows`, where they are among them, and whether more follow."""
    return {"rows": rows[start:start + size], "number": start + 1, "count": len(rows), "more": start + size < len(rows)}


class DialogueState(BaseModel):
    session_id: str
    user_id: str
    domain: str
    slots: dict[str, Any] = Field(default_factory=dict)
    variables: dict[str, Any] = Field(default_factory=dict, description="User variables (outlive the session).")
    stack: list[TaskFrame] = Field(default_factory=list, description="The goal stack; the last frame is active.")
    results: dict[str, list[dict[str, Any]]] = Field(default_factory=dict, description="Rows kept by select.")
    turn: int = 0
    started: bool = False
    no_input: int = Field(0, description="Consecutive turns with no input.")
    no_match: int = Field(0, description="Consecutive turns that were not understood.")
    last_understood: dict[str, Any] | None = None
    completed: str | None = Field(None, description="The task that completed with no other going, until another "
                                                    "starts: a `cancel` then may undo it.")
    proposed: str | None = Field(None, description="The task a finished one proposed; the next turn answers it.")
    proposal_ask: str | None = Field(None, description="The response that asked it, asked again after a question "
                                                       "answered on the side.")
    offering: Offering | None = Field(None, description="Rows offered; the next turn may take one.")
    picked: Offering | None = Field(None, description="The offer a row was just taken from, while the task taking it "
                                                      "leads to is proposed: asking for others offers its next rows.")
    turned_down: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="Rows of each result the user turned down by searching again for others "
                                          "(their `fill` and `match` values); offered last until one is taken.")
    noted: dict[str, Any] = Field(default_factory=dict, description="Values the user gave that no task on the "
                                                                    "stack takes, for the next task that does.")
    ended: bool = False
    handoff: bool = False

    def clone(self) -> DialogueState:
        """A copy to change in a new turn: its containers are copied, their values shared.

        Values are never changed in place (slots hold scalars, kept rows are replaced whole),
        so this is as safe as a deep copy and much cheaper.
        """
        stack = [frame.model_copy(update={"attempts": dict(frame.attempts), "done": list(frame.done)})
                 for frame in self.stack]
        return self.model_copy(update={"slots": dict(self.slots), "variables": dict(self.variables),
                                       "results": dict(self.results), "turned_down": dict(self.turned_down),
                                       "noted": dict(self.noted), "stack": stack})

    @property
    def active(self) -> TaskFrame | None:
        return self.stack[-1] if self.stack else None

    @property
    def expectation(self) -> Expectation | None:
        """What the assistant asked last, which the next message answers (None: nothing in particular)."""
        if self.ended or self.handoff:
            return None
        if self.offering is not None:
            return Expectation(kind="choice")
        frame = self.active
        if self.proposed is not None or (frame is not None and (frame.confirming or frame.offered is not None)):
            return Expectation(kind="yes_no")
        if frame is not None and frame.requested is not None and not frame.changing:
            return Expectation(kind="slot", slot=frame.requested)
        return None

    def frame(self, task: str) -> TaskFrame | None:
        """The frame of `task` on the stack (a task is on the stack at most once)."""
        for frame in reversed(self.stack):
            if frame.task == task:
                return frame
        return None
