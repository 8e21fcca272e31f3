"""Frame policy: fill a task's slots in order, validate them, confirm, then complete.

Slots may be grouped in nested sub-frames (slots + tree); a sub-frame's actions run
once all its slots are filled, and run again if one of them is asked for anew.
One FramePolicy runs one frame task (the TaskPolicy interface of `dialogue.policies.task`).
"""

from __future__ import annotations

import re
from typing import Any

from dialogue.dm.events import (
    AttemptFailed,
    ConfirmationAnswered,
    ConfirmationRequested,
    ConfirmationWithdrawn,
    SlotDefaulted,
    SlotRequested,
    SlotSet,
    SubFrameCompleted,
    SubFramesReopened,
)
from dialogue.dm.state import TaskFrame
from dialogue.dm.tracker import Tracker, Turn
from dialogue.domains.builtin import ENTITY_ONLY_INTENT
from dialogue.domains.interpretation import Interpretation
from dialogue.domains.schema import Domain, FrameSlot, FrameTask, SubFrame
from dialogue.domains.schema.actions import Handoff, Respond
from dialogue.domains.schema.ivr import Escalation
from dialogue.domains.schema.slots import BooleanSlot
from dialogue.domains.slot_types import SlotValues, slot_type
from dialogue.domains.values import AmbiguousValue, InvalidValue
from dialogue.policies.steps import CheckAnswer, Decision, Finish, Say, Step
from dialogue.policies.task import keyed

DEFAULT_EXHAUSTED = [Respond(respond="exhausted"), Handoff(handoff=True)]
WORDLESS_INTENTS = frozenset({"cancel", "help", "human_agent", "goodbye", "greet", "out_of_scope"})
"""Intents whose text is never taken as a slot value by `fill_from_text`."""
_FILLER = re.compile(r"\b(?:at|about|around|for|on|in|maybe|say|just|only|um|uh|erm|please|thanks|make it|actually|"
                     r"instead|then|how about|what about|can we do|could we do|let's do|let's say|no|nope|neither|"
                     r"none of those)\b|\W", re.IGNORECASE)
"""Words a bare answer may have around its value ("at 8 please", "actually, can we do 7 instead?", "neither, what
about 9?")."""
_WORD = re.compile(r"\w+")
_BEFORE_ONE = frozenset({"a", "an", "this", "that", "the", "which", "another", "any", "each", "every", "other",
                         "same"})
"""Words up to two before "one" that make it pick a thing rather than count ("this one", "a regular one"; English)."""


def _starts_before(text: str, start: int, words: int) -> list[int]:
    """`start`, then the starts of the up to `words` words just before it in `text`, nearest first."""
    before = [match.start() for match in _WORD.finditer(text[:start])][-words:]
    return [start, *reversed(before)]


class FramePolicy:
    def __init__(self, domain: Domain, name: str, task: FrameTask):
        self.domain, self.name, self.task = domain, name, task
        self.values = SlotValues(domain.slots)
        self.language = domain.settings.language.split("-")[0]
        self.entries: dict[str, FrameSlot] = {}
        self.enclosing: dict[str, list[str]] = {}
        """Slot -> the sub-frames around it, innermost last."""
        self.subframes: list[SubFrame] = []
        self._index(task.slots, [])
        self.slots = list(self.entries)

    def _index(self, entries: list[Any], outer: list[str]) -> None:
        for entry in entries:
            if isinstance(entry, SubFrame):
                self._index(entry.slots, outer + [entry.frame])
                self.subframes.append(entry)  # inner sub-frames come before the ones around them
            else:
                self.entries[entry.slot] = entry
                self.enclosing[entry.slot] = outer

    # -- reacting to the user -----------------------------------------------------------

    def begin(self, tracker: Tracker, frame: TaskFrame, entities: dict[str, Any]) -> list[Step]:
        return self.correct(tracker, frame, entities)

    def react(self, tracker: Tracker, frame: TaskFrame) -> list[Step] | None:
        """Use the turn in this frame: answers, confirmations, volunteered slots. None if nothing fits."""
        turn = tracker.turn
        name, answer = frame.task, self.domain.yes_or_no(turn.intent)
        if answer is None and frame.confirming and turn.intent in self.task.triggers and not turn.entities:
            answer = "affirm"  # "Shall I buy them?" - "Perfect, please buy them": asking again for the task is a yes
        entries = self.entries
        entities = {slot: value for slot, value in turn.entities.items()
                    if slot in entries and tracker.holds(entries[slot].when)}
        items: list[Step] = []
        restating = frame.confirming and answer == "affirm" and bool(entities) and self._restates(tracker, entities)
        if answer == "affirm" and entities and frame.offered is None and not restating and not (
                frame.requested and isinstance(self.domain.slots[frame.requested], BooleanSlot)):
            # "on the 6th instead?" at a confirmation, "yes, in Vancouver" when the city was asked: the values
            # answer, the yes is a manner of speaking
            tracker.understand_as(intent=ENTITY_ONLY_INTENT)
        failed = frame.confirmed  # confirmed and still here: its completion failed, and a yes tries it again
        if frame.confirming or frame.changing or (failed and (entities or answer is not None)):
            if not entities or restating:
                answered = (frame.confirming or failed) and answer is not None  # "yes, for two" confirming two
                return [ConfirmationAnswered(task=name, confirmed=answer == "affirm")] if answered else None
            items.append(ConfirmationWithdrawn(task=name))
        elif frame.requested and frame.requested not in entities:
            short = self.bare_answer(tracker, frame)
            if short is None and (count := self._untagged_count(tracker, entries[frame.requested])):
                entities = {**entities, **count}
            implied = short if short is not None else self._implied_answer(frame, entries[frame.requested], turn)
            if isinstance(implied, list):
                return implied
            entities = implied if short is not None else {**entities, **implied}
        for slot, raw in entities.items():
            items += self._fill(tracker, frame, entries[slot], raw)
        return items or None

    def _restates(self, tracker: Tracker, entities: dict[str, Any]) -> bool:
        """Whether every value is the one its slot holds already."""
        for slot, raw in entities.items():
            try:
                if self.values.coerce(slot, raw) != tracker.state.slots.get(slot):
                    return False
            except InvalidValue:
                return False
        return True

    def control(self, tracker: Tracker, frame: TaskFrame, intent: str) -> list[Step] | None:
        return None

    def bare_answer(self, tracker: Tracker, frame: TaskFrame) -> dict[str, Any] | None:
        if frame.requested is None or frame.requested in tracker.turn.entities:
            return None
        entry = self.entries[frame.requested]
        return self._short_answer(tracker, entry) or self._untagged_answer(tracker, entry)

    def _short_answer(self, tracker: Tracker, entry: FrameSlot) -> dict[str, Any] | None:
        """A bare value the model gave another slot, read as the answer to the slot asked when it reads as a valid
        value of it: "8" tagged as the party size when the time was asked is 20:00 at a restaurant open 12 to 22,
        a date tagged as the check-out when the check-in was asked is the check-in. The turn is understood so. A
        value its own slot knows, or one its own slot's type read ("Nine pm", a time), is not taken as any words a
        text slot would read ("regular" is no city, nor is "nine pm"). The value may take in up to two words just
        before the span that the model left out ("half" of "how about half seven?", "seven" tagged as a count)."""
        interpretation = tracker.turn.interpretation
        if interpretation is None or len(interpretation.spans) != 1 or not interpretation.text:
            return None
        span, text = interpretation.spans[0], interpretation.text
        if span.slot == entry.slot:
            return None
        slot, spec = entry.slot, self.domain.slots[entry.slot]
        typed = span.normalised and slot_type(self.domain.slots[span.slot]).name != "text"
        if slot_type(spec).name == "text" and (typed or self._known(span.slot, span.value)):
            return None  # "Just regular please" when the city was asked: a show type, not a city named "regular"
        value = None
        for start in _starts_before(text, span.start, 2):
            # a bare value only: other words around it may say which slot it is ("two people")
            if not _FILLER.sub("", text[:start] + text[span.end:]).strip():
                value = self._first_valid_reading(tracker, entry, text[start:span.end])
            if value is not None:
                break
        if value is None:
            return None
        entities = {**{k: v for k, v in interpretation.entities.items() if k != span.slot}, slot: value}
        tracker.understand_as(entities=entities)
        return {slot: value}

    def _first_valid_reading(self, tracker: Tracker, entry: FrameSlot, words: str, refused: Any = None) -> Any:
        """The first way the words read as a value of the slot that `validate` takes, but `refused` (None: none)."""
        spec = self.domain.slots[entry.slot]
        try:
            readings = slot_type(spec).readings(spec, words, tracker.turn.now, self.language)
        except ValueError:
            return None
        for raw in readings:
            try:
                value = self.values.coerce(entry.slot, raw)
            except InvalidValue:
                continue
            if value != refused and tracker.holds(entry.validate_, value=value, slot=entry.slot):
                return value
        return None

    def _known(self, slot: str, value: Any) -> bool:
        """Whether the value is one the slot's type or its list knows (a category's, a listed text value)."""
        spec = self.domain.slots[slot]
        return slot_type(spec).closed or value in (getattr(spec, "values", None) or {})

    def _untagged_answer(self, tracker: Tracker, entry: FrameSlot) -> dict[str, Any] | None:
        """A message the model tagged nothing in that is, but for the words a bare answer may have around it, a
        valid value of the slot asked (not a text or yes/no slot): "neither, what about 9?" after other times were
        offered, which the model could not place. The turn is understood so."""
        interpretation, spec = tracker.turn.interpretation, self.domain.slots[entry.slot]
        if interpretation is None or interpretation.spans or not interpretation.text \
                or slot_type(spec).name in ("text", "boolean") or tracker.turn.intent in WORDLESS_INTENTS:
            return None
        said = " ".join(_FILLER.sub(" ", interpretation.text).split())
        value = self._first_valid_reading(tracker, entry, said) if said else None
        if value is None:
            return None
        tracker.understand_as(entities={**interpretation.entities, entry.slot: value})
        return {entry.slot: value}

    def _untagged_count(self, tracker: Tracker, entry: FrameSlot) -> dict[str, Any] | None:
        """The one number of a message outside every span, read as the count asked for when the model tagged none:
        "There will be two of us", "Book it for one person at ten" after "How many tickets?". Not "a regular one"."""
        interpretation, slot = tracker.turn.interpretation, entry.slot
        spec = self.domain.slots[slot]
        if interpretation is None or not interpretation.text or slot_type(spec).name != "integer" \
                or tracker.turn.intent in WORDLESS_INTENTS:
            return None
        text, spans = interpretation.text, interpretation.spans
        words = list(_WORD.finditer(text))
        counts = set()
        for number, word in enumerate(words):
            before = {w.group().lower() for w in words[max(0, number - 2):number]}
            if any(s.start < word.end() and word.start() < s.end for s in spans) or \
                    (word.group().lower() == "one" and before & _BEFORE_ONE):
                continue  # in a value already, or "this one", "a regular one": a pick, not a count
            try:
                counts.update(self.values.coerce(slot, raw) for raw in
                              slot_type(spec).readings(spec, word.group(), tracker.turn.now, self.language))
            except (InvalidValue, ValueError):
                continue
        if len(counts) != 1 or not tracker.holds(entry.validate_, value=(value := counts.pop()), slot=slot):
            return None
        tracker.understand_as(entities={**interpretation.entities, slot: value})
        return {slot: value}

    def _implied_answer(self, frame: TaskFrame, entry: FrameSlot, turn: Turn) -> dict[str, Any] | list[Step]:
        """An answer to the requested slot that is not an entity: yes to an offer, yes/no, or the text."""
        answer, slot = self.domain.yes_or_no(turn.intent), entry.slot
        if frame.offered is not None and answer == "affirm":
            return {slot: frame.offered}
        if frame.offered is not None and answer == "deny":
            return [SlotRequested(task=frame.task, slot=slot, subframes=self.enclosing[slot])]
        if isinstance(self.domain.slots[slot], BooleanSlot) and answer is not None:
            return {slot: answer == "affirm"}
        if entry.fill_from_text and turn.text and not turn.entities and turn.intent not in WORDLESS_INTENTS \
                and answer is None:  # a bare yes or no is no name, nor a message with values ("how about 8?")
            return {slot: turn.text}
        return {}

    def correct(self, tracker: Tracker, frame: TaskFrame, values: dict[str, Any]) -> list[Step]:
        """Take values for this frame's slots that came in a turn aimed elsewhere (a correction)."""
        entries = self.entries
        items: list[Step] = []
        for slot, raw in values.items():
            if slot in entries and tracker.holds(entries[slot].when):
                items += self._fill(tracker, frame, entries[slot], raw)
        return items

    def _fill(self, tracker: Tracker, frame: TaskFrame, entry: FrameSlot, raw: Any) -> list[Step]:
        slot = entry.slot
        try:
            value = self.values.coerce(slot, raw)
        except AmbiguousValue as err:  # "chinese", with a Sichuan and a Cantonese restaurant: which one
            return self._reject(frame, entry, raw, "ambiguous_value", choices=err.choices)
        except InvalidValue:
            return self._reject(frame, entry, raw, "invalid_value")
        if not tracker.holds(entry.validate_, value=value, slot=slot):
            value = self._valid_reading(tracker, entry, value)
            if value is None:
                return self._reject(frame, entry, raw, entry.invalid or "invalid_value")
        previous = tracker.state.slots.get(slot)
        items: list[Step] = [SlotSet(slot=slot, value=value)]
        if previous is not None and previous != value:
            finished = [name for name in self.enclosing[slot] if name in frame.done]
            if finished:
                items.append(SubFramesReopened(task=frame.task, frames=finished))
            defaulted = slot in frame.defaulted or previous == self.domain.slots[slot].default
            if slot != frame.requested and not defaulted:
                items.append(Say("corrected", {"slot": slot, "value": value}))
        if entry.check:
            return [CheckAnswer(frame.task, slot, value, previous, entry.check, items[1:])]
        return items

    def _valid_reading(self, tracker: Tracker, entry: FrameSlot, refused: Any) -> Any | None:
        """Another reading of the words that gave the slot a value `validate` refused, the first it takes: "8" or
        "half seven" is the morning's, then the evening's, at a restaurant open from noon. The turn is understood
        so. None when the value came with no words, or no other reading is valid."""
        interpretation, slot = tracker.turn.interpretation, entry.slot
        span = next((s for s in interpretation.spans if s.slot == slot and s.value == refused), None) \
            if interpretation is not None else None
        value = self._first_valid_reading(tracker, entry, span.text, refused) if span is not None else None
        if value is not None:
            entities = {**interpretation.entities, slot: value}
            tracker.understand_as(entities=entities)
        return value

    def checked(self, tracker: Tracker, step: CheckAnswer) -> list[Step]:
        """The answer the `check` actions asked about: taken if `accept` holds, else taken back and refused. The
        slot is then the one asked for, as `on_refused` may ask for it in its own words ("I can do 19:30 or 20:30")."""
        frame, entry = tracker.state.frame(step.task), self.entries[step.slot]
        value = tracker.state.slots.get(step.slot)
        if frame is None or tracker.holds(entry.accept, value=value, slot=step.slot):
            return step.then
        items: list[Step] = [SlotSet(slot=step.slot, value=step.previous), AttemptFailed(task=frame.task,
                                                                                         slot=step.slot)]
        if frame.requested != step.slot:
            items.append(SlotRequested(task=frame.task, slot=step.slot, subframes=self.enclosing[step.slot]))
        items += entry.on_refused or [Say(entry.invalid or "invalid_value", {"slot": step.slot, "value": value})]
        return items + self._exhausted(frame, entry)

    def _reject(self, frame: TaskFrame, entry: FrameSlot, raw: Any, response: str, **extra: Any) -> list[Step]:
        """A failed answer: say why, count it, and escalate when the slot's attempts run out."""
        return [AttemptFailed(task=frame.task, slot=entry.slot),
                Say(response, {"slot": entry.slot, "value": raw, **extra}), *self._exhausted(frame, entry)]

    def _exhausted(self, frame: TaskFrame, entry: FrameSlot) -> list[Step]:
        """The slot's way out when this failed answer was its last attempt."""
        limit = entry.max_attempts or self.domain.settings.max_attempts
        if frame.attempts.get(entry.slot, 0) + 1 >= limit:
            return list(entry.on_exhausted or self.task.on_exhausted or DEFAULT_EXHAUSTED)
        return []

    # -- moving the task on ---------------------------------------------------------------

    def advance(self, tracker: Tracker, frame: TaskFrame) -> Decision:
        """Run finished sub-frames, then ask for the next slot, then confirm, then complete."""
        name, task = frame.task, self.task
        for sub in self.subframes:
            if sub.frame not in frame.done and self._filled(tracker, frame, sub.slots) \
                    and self._applies(tracker, sub):
                return Decision([SubFrameCompleted(task=name, frame=sub.frame), *sub.on_complete])
        entry = self._next_missing(tracker, frame, task.slots)
        if entry is not None and entry.optional:
            return Decision([self._default(tracker, frame, entry)])
        if entry is not None:
            return Decision(self._ask(tracker, frame, entry), listen=True)
        if task.confirm and not frame.confirmed:
            if frame.changing:
                return Decision(self._say(tracker, "confirm_denied"), listen=True)
            items = [] if frame.confirming else [ConfirmationRequested(task=name)]
            return Decision(items + self._say(tracker, task.confirm), listen=True)
        return Decision([*task.on_complete, Finish(name, "completed")])

    def _ask(self, tracker: Tracker, frame: TaskFrame, entry: FrameSlot) -> list[Step]:
        subframes = self.enclosing[entry.slot]
        items: list[Step] = []
        offered = frame.offered
        if frame.requested != entry.slot or set(subframes) & set(frame.done):
            offered = tracker.evaluate(entry.offer) if entry.offer else None
            if offered is not None:
                try:
                    offered = self.values.coerce(entry.slot, offered)
                except InvalidValue:
                    offered = None
            items.append(SlotRequested(task=frame.task, slot=entry.slot, offered=offered, subframes=subframes))
        if tracker.said("ambiguous_value"):  # "Which do you mean: sichuan or cantonese?" is the question
            return items
        return items + self._say(tracker, entry.prompt or f"ask_{entry.slot}", slot=entry.slot, offer=offered)

    def _default(self, tracker: Tracker, frame: TaskFrame, entry: FrameSlot) -> SlotDefaulted:
        value = tracker.evaluate(entry.default)
        try:
            value = None if value is None else self.values.coerce(entry.slot, value)
        except InvalidValue:
            tracker.warnings.append(f"the default of slot '{entry.slot}' is not one of its values: {value!r}")
            value = None
        return SlotDefaulted(task=frame.task, slot=entry.slot, value=value)

    @staticmethod
    def _say(tracker: Tracker, response: str, **extra: Any) -> list[Step]:
        return [] if tracker.said(response) else [Say(response, extra)]

    def _applies(self, tracker: Tracker, entry: Any) -> bool:
        return tracker.holds(entry.when)

    def _next_missing(self, tracker: Tracker, frame: TaskFrame, entries: list[Any]) -> FrameSlot | None:
        """The first slot that applies and is still to be asked, or (optional) to take its default."""
        for entry in entries:
            if not self._applies(tracker, entry):
                continue
            if isinstance(entry, SubFrame):
                found = self._next_missing(tracker, frame, entry.slots)
                if found is not None:
                    return found
            elif tracker.state.slots.get(entry.slot) is None and not (
                    entry.optional and (entry.default is None or entry.slot in frame.defaulted)):
                return entry
        return None

    def _filled(self, tracker: Tracker, frame: TaskFrame, entries: list[Any]) -> bool:
        return self._next_missing(tracker, frame, entries) is None

    # -- the rest of the task-policy interface ------------------------------------------------

    def help(self, frame: TaskFrame) -> str | None:
        return self.entries[frame.requested].help if frame.requested else None

    def declined(self, frame: TaskFrame) -> list[Step]:
        if frame.requested is None:
            return []
        entry = self.entries[frame.requested]
        return [AttemptFailed(task=frame.task, slot=entry.slot), *self._exhausted(frame, entry)]

    def keys(self, frame: TaskFrame, digits: str) -> Interpretation | None:
        """The asked slot's keys (a map, or `digits`: the keys themselves, but those the domain maps, and
        without a closing `#`), then the task's."""
        keyed_value = self.entries[frame.requested].dtmf if frame.requested else None
        if keyed_value == "digits" and digits not in self.domain.ivr.dtmf and digits.rstrip("#").isdigit():
            value: Any = digits.rstrip("#")
        else:
            value = keyed_value.get(digits) if isinstance(keyed_value, dict) else None
        if value is not None:
            return Interpretation(intent=ENTITY_ONLY_INTENT, entities={frame.requested: value}, source="dtmf")
        payload = self.task.dtmf.get(digits)
        return keyed(payload) if payload is not None else None

    def escalate(self, tracker: Tracker, frame: TaskFrame, kind: str) -> list[Step] | None:
        return None

    def escalation(self, frame: TaskFrame, kind: str) -> Escalation | None:
        return None

    def goto(self, frame: TaskFrame, state: str) -> list[Step]:
        return []
