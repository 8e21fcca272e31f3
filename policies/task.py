"""The task-policy interface: how one task on the goal stack behaves, whatever runs it (frame or FSM).

The goal stack holds one `TaskPolicy` per task of the domain and asks it only what this protocol says;
it never asks which kind of task it holds. A new kind of task policy implements this and registers its
task schema in `dialogue.policies.goal_stack.POLICIES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker
from dialogue.domains.builtin import NLU_FALLBACK
from dialogue.domains.interpretation import Interpretation
from dialogue.domains.schema import Domain
from dialogue.domains.schema.ivr import Escalation
from dialogue.domains.structured import StructuredInputError, parse_structured
from dialogue.policies.steps import Decision, Step


class TaskPolicy(Protocol):
    slots: list[str]
    """The slots the task owns: it asks for them, takes corrections of them, and clears them when it ends (an
    FSM task owns none)."""

    def begin(self, tracker: Tracker, frame: TaskFrame, entities: dict[str, Any]) -> list[Step]:
        """The first steps of the task, just pushed, with the values the turn that started it gave."""

    def react(self, tracker: Tracker, frame: TaskFrame) -> list[Step] | None:
        """Use the turn's input in this task: an answer, a confirmation, a transition. None if nothing fits."""

    def control(self, tracker: Tracker, frame: TaskFrame, intent: str) -> list[Step] | None:
        """What `cancel` or `help` mean here, when the task gives them a meaning of its own (an FSM state's
        transition); None leaves them to the goal stack."""

    def correct(self, tracker: Tracker, frame: TaskFrame, values: dict[str, Any]) -> list[Step]:
        """Take values for the task's slots from a turn aimed at a task above it."""

    def advance(self, tracker: Tracker, frame: TaskFrame) -> Decision:
        """What the task does once the input is used: ask, confirm, complete, or re-prompt and wait."""

    def help(self, frame: TaskFrame) -> str | None:
        """The response that helps with what is asked here (None: the domain's `help`)."""

    def keys(self, frame: TaskFrame, digits: str) -> Interpretation | None:
        """What keyed digits mean here (None: what the domain maps them to)."""

    def escalate(self, tracker: Tracker, frame: TaskFrame, kind: str) -> list[Step] | None:
        """The task's own way out of no input or no match (an FSM transition on the event), or None."""

    def escalation(self, frame: TaskFrame, kind: str) -> Escalation | None:
        """The task's own escalation levels for no input or no match here (None: the domain's)."""

    def goto(self, frame: TaskFrame, state: str) -> list[Step]:
        """Move the task to a state (an FSM's; `dialogue validate` refuses goto in other tasks)."""

    def declined(self, frame: TaskFrame) -> list[Step]:
        """A bare no to the value asked ("no phone"): one of the slot's attempts, escalating when they run out (a
        frame's; an FSM asks no values)."""

    def bare_answer(self, tracker: Tracker, frame: TaskFrame) -> dict[str, Any] | None:
        """The value asked for that the turn gives without the NLU finding it for that slot (a bare value found as
        another slot's, or untagged words), the turn understood so; None: no such value (an FSM asks no values)."""


def aside(domain: Domain, intent: str | None) -> bool:
    """Whether the intent starts digressions only: a question answered on the side ("is it unisex?"), which
    leaves an offer or a proposed task open."""
    triggered = [task for task in domain.tasks.values() if intent in task.triggers]
    return bool(triggered) and all(task.digression for task in triggered)


def keyed(payload: str) -> Interpretation | None:
    """What a key's payload (`/intent{...}` or an intent name) means; None if it is not structured input."""
    try:
        intent, entities = parse_structured(payload)
    except StructuredInputError:
        return None
    return Interpretation(intent=intent, entities=entities, source="dtmf")


def read_as_yes(tracker: Tracker, domain: Domain, tasks: Iterable[str]) -> bool:
    """Read a turn the NLU found too unsure to place as a yes when its likeliest reading is one (a yes, or asking
    for one of `tasks`: what the row offered leads to, the task proposed or being confirmed) and all such readings
    together pass the NLU's threshold: "this house works for me", `book_house` 0.38 and `affirm` 0.33, which the
    model tells apart poorly and which mean the same there. Input turned away for being unlike every example
    (`nlu.novelty`) stays turned away. Whether it was read so."""
    interpretation = tracker.turn.interpretation
    threshold = domain.settings.nlu.threshold
    if interpretation is None or interpretation.intent != NLU_FALLBACK or not interpretation.ranking \
            or interpretation.ranking[0].confidence >= threshold:
        return False
    asking = {trigger for task in tasks for trigger in domain.tasks[task].triggers}

    def yes(intent: str) -> bool:
        return domain.yes_or_no(intent) == "affirm" or intent in asking

    likely = sum(score.confidence for score in interpretation.ranking if yes(score.name))
    if not yes(interpretation.ranking[0].name) or likely < threshold:
        return False
    tracker.understand_as(intent="affirm", confidence=likely)
    return True
