"""Frame policy: fill a task's slots in order, validate them, confirm, then complete.

Slots may be grouped in nested sub-frames (slots + tree); a sub-frame's actions run
once all its slots are filled, and run again if one of them is asked for anew.
"""

from __future__ import annotations

from typing import Any

from dialogue.dm.events import (
    AttemptFailed,
    ConfirmationAnswered,
    ConfirmationRequested,
    ConfirmationWithdrawn,
    SlotRequested,
    SlotSet,
    SubFrameCompleted,
    SubFramesReopened,
)
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker, Turn
from dialogue.domains.schema import Domain, FrameSlot, FrameTask, SubFrame
from dialogue.domains.schema.actions import Handoff
from dialogue.domains.schema.actions import Respond as RespondAction
from dialogue.domains.schema.slots import BooleanSlot
from dialogue.domains.values import InvalidValue, SlotValues
from dialogue.policies.decision import Decision, Finish, Respond

DEFAULT_EXHAUSTED = [RespondAction(respond="exhausted"), Handoff(handoff=True)]
WORDLESS_INTENTS = frozenset({"cancel", "help", "human_agent", "goodbye", "greet", "out_of_scope"})
"""Intents whose text is never taken as a slot value by `fill_from_text`."""


class FramePolicy:
    def __init__(self, domain: Domain):
        self.domain = domain
        self.values = SlotValues(domain.slots)
        self.tasks = {name: task for name, task in domain.tasks.items() if isinstance(task, FrameTask)}
        self.entries: dict[str, dict[str, FrameSlot]] = {}
        self.enclosing: dict[str, dict[str, list[str]]] = {}
        self.subframes: dict[str, list[SubFrame]] = {}
        for name, task in self.tasks.items():
            self.entries[name], self.enclosing[name], self.subframes[name] = {}, {}, []
            self._index(name, task.slots, [])

    def _index(self, task: str, entries: list[Any], outer: list[str]) -> None:
        for entry in entries:
            if isinstance(entry, SubFrame):
                self._index(task, entry.slots, outer + [entry.frame])
                self.subframes[task].append(entry)  # inner sub-frames come before the ones around them
            else:
                self.entries[task][entry.slot] = entry
                self.enclosing[task][entry.slot] = outer

    def slots(self, task: str) -> list[str]:
        return list(self.entries[task])

    # -- reacting to the user -----------------------------------------------------------

    def react(self, tracker: Tracker, frame: TaskFrame, turn: Turn) -> list[Any] | None:
        """Use the turn in this frame: answers, confirmations, volunteered slots. None if nothing fits."""
        name, intent = frame.task, turn.intent
        entries = self.entries[name]
        entities = {slot: value for slot, value in turn.entities.items()
                    if slot in entries and tracker.holds(entries[slot].when)}
        items: list[Any] = []
        if frame.confirming or frame.changing:
            if not entities:
                answered = frame.confirming and intent in ("affirm", "deny")
                return [ConfirmationAnswered(task=name, confirmed=intent == "affirm")] if answered else None
            items.append(ConfirmationWithdrawn(task=name))
        elif frame.requested and frame.requested not in entities:
            implied = self._implied_answer(frame, entries[frame.requested], turn)
            if isinstance(implied, list):
                return implied
            entities.update(implied)
        for slot, raw in entities.items():
            items += self._fill(tracker, frame, entries[slot], raw)
        return items or None

    def _implied_answer(self, frame: TaskFrame, entry: FrameSlot, turn: Turn) -> dict[str, Any] | list[Any]:
        """An answer to the requested slot that is not an entity: yes to an offer, yes/no, or the text."""
        intent, slot = turn.intent, entry.slot
        if frame.offered is not None and intent == "affirm":
            return {slot: frame.offered}
        if frame.offered is not None and intent == "deny":
            return [SlotRequested(task=frame.task, slot=slot, subframes=self.enclosing[frame.task][slot])]
        if isinstance(self.domain.slots[slot], BooleanSlot) and intent in ("affirm", "deny"):
            return {slot: intent == "affirm"}
        if entry.fill_from_text and turn.text and intent not in WORDLESS_INTENTS:
            return {slot: turn.text}
        return {}

    def correct(self, tracker: Tracker, frame: TaskFrame, entities: dict[str, Any]) -> list[Any]:
        """Take values for this frame's slots that came in a turn aimed elsewhere (a correction)."""
        entries = self.entries[frame.task]
        items: list[Any] = []
        for slot, raw in entities.items():
            if slot in entries and tracker.holds(entries[slot].when):
                items += self._fill(tracker, frame, entries[slot], raw)
        return items

    def _fill(self, tracker: Tracker, frame: TaskFrame, entry: FrameSlot, raw: Any) -> list[Any]:
        slot = entry.slot
        try:
            value = self.values.coerce(slot, raw)
        except InvalidValue:
            return self._reject(frame, entry, raw, "invalid_value")
        if not tracker.holds(entry.validate_, value=value, slot=slot):
            return self._reject(frame, entry, raw, entry.invalid or "invalid_value")
        previous = tracker.state.slots.get(slot)
        items: list[Any] = [SlotSet(slot=slot, value=value)]
        if previous is not None and previous != value:
            finished = [name for name in self.enclosing[frame.task][slot] if name in frame.done]
            if finished:
                items.append(SubFramesReopened(task=frame.task, frames=finished))
            if slot != frame.requested:
                items.append(Respond("corrected", {"slot": slot, "value": value}))
        return items

    def _reject(self, frame: TaskFrame, entry: FrameSlot, raw: Any, response: str) -> list[Any]:
        """A failed answer: say why, count it, and escalate when the slot's attempts run out."""
        task = self.tasks[frame.task]
        items: list[Any] = [AttemptFailed(task=frame.task, slot=entry.slot),
                            Respond(response, {"slot": entry.slot, "value": raw})]
        limit = entry.max_attempts or self.domain.settings.max_attempts
        if frame.attempts.get(entry.slot, 0) + 1 >= limit:
            items += entry.on_exhausted or task.on_exhausted or DEFAULT_EXHAUSTED
        return items

    # -- moving the task on ---------------------------------------------------------------

    def advance(self, tracker: Tracker, frame: TaskFrame) -> Decision:
        """Run finished sub-frames, then ask for the next slot, then confirm, then complete."""
        name = frame.task
        task = self.tasks[name]
        for sub in self.subframes[name]:
            if sub.frame not in frame.done and self._filled(tracker, sub.slots) and self._applies(tracker, sub):
                return Decision([SubFrameCompleted(task=name, frame=sub.frame), *sub.on_complete])
        entry = self._next_missing(tracker, task.slots)
        if entry is not None:
            return Decision(self._ask(tracker, frame, entry), listen=True)
        if task.confirm and not frame.confirmed:
            if frame.changing:
                return Decision(self._say(tracker, "confirm_denied"), listen=True)
            items = [] if frame.confirming else [ConfirmationRequested(task=name)]
            return Decision(items + self._say(tracker, task.confirm), listen=True)
        return Decision([*task.on_complete, Finish(name, "completed")])

    def reprompt(self, tracker: Tracker, frame: TaskFrame) -> list[Any]:
        """Ask the current question again (after help, a digression or a resume)."""
        if frame.requested:
            entry = self.entries[frame.task][frame.requested]
            return self._say(tracker, entry.prompt or f"ask_{entry.slot}", slot=entry.slot, offer=frame.offered)
        task = self.tasks[frame.task]
        if frame.changing:
            return self._say(tracker, "confirm_denied")
        return self._say(tracker, task.confirm) if frame.confirming and task.confirm else []

    def _ask(self, tracker: Tracker, frame: TaskFrame, entry: FrameSlot) -> list[Any]:
        subframes = self.enclosing[frame.task][entry.slot]
        items: list[Any] = []
        offered = frame.offered
        if frame.requested != entry.slot or set(subframes) & set(frame.done):
            offered = tracker.evaluate(entry.offer) if entry.offer else None
            if offered is not None:
                try:
                    offered = self.values.coerce(entry.slot, offered)
                except InvalidValue:
                    offered = None
            items.append(SlotRequested(task=frame.task, slot=entry.slot, offered=offered, subframes=subframes))
        return items + self._say(tracker, entry.prompt or f"ask_{entry.slot}", slot=entry.slot, offer=offered)

    @staticmethod
    def _say(tracker: Tracker, response: str, **extra: Any) -> list[Any]:
        return [] if tracker.said(response) else [Respond(response, extra)]

    def _applies(self, tracker: Tracker, entry: Any) -> bool:
        return tracker.holds(entry.when)

    def _next_missing(self, tracker: Tracker, entries: list[Any]) -> FrameSlot | None:
        for entry in entries:
            if not self._applies(tracker, entry):
                continue
            if isinstance(entry, SubFrame):
                found = self._next_missing(tracker, entry.slots)
                if found is not None:
                    return found
            elif tracker.state.slots.get(entry.slot) is None:
                return entry
        return None

    def _filled(self, tracker: Tracker, entries: list[Any]) -> bool:
        return self._next_missing(tracker, entries) is None
