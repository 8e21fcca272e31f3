"""Slot values a simulated user can mean, and the words it says them in, from the domain alone.

What a type's values are and how users say them is the slot type's (dialogue.domains.slot_types):
category values, numbers in the range the domain's examples use (within the slot's min and max),
dates and times near the simulation's clock, generated phone numbers and e-mail addresses, strings
matching a regex slot's pattern, and the texts annotated for a text slot in the examples. Surface
forms are what a user would say for a value ("tomorrow", "7:30pm", "szechuan", "four").
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from dialogue.domains.annotations import parse_example
from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import slot_type
from dialogue.domains.values import InvalidValue


class GoalError(ValueError):
    """Goals that cannot be drawn from a domain; the message names the task or slot and says why."""


class SlotSampler:
    """Values and surface forms for the slots of one domain."""

    def __init__(self, domain: Domain):
        self.domain = domain
        self.annotated: dict[str, list[str]] = defaultdict(list)
        for spec in domain.intents.values():
            for text in spec.examples:
                for span in parse_example(text).spans:
                    if span.slot in domain.slots and span.text not in self.annotated[span.slot]:
                        self.annotated[span.slot].append(span.text)

    def value(self, slot: str, rng: random.Random, today: dt.date) -> Any:
        """A value the slot may hold (before the task's own validation)."""
        spec = self.domain.slots[slot]
        try:
            return slot_type(spec).sample(slot, spec, rng, today, self.annotated.get(slot, []))
        except InvalidValue as err:
            raise GoalError(str(err)) from None

    def invalid_value(self, slot: str, rng: random.Random) -> Any:
        """A value outside the slot's range (None when its type has no range); the task's validation
        may reject others, which `goals` finds by trying candidates."""
        spec = self.domain.slots[slot]
        return slot_type(spec).invalid(spec, rng)

    def candidates(self, slot: str, today: dt.date) -> list[Any]:
        """Values of a wider range, to find ones a task's validation rejects."""
        spec = self.domain.slots[slot]
        return slot_type(spec).candidates(spec, today, self.annotated.get(slot, []))

    def surface(self, slot: str, value: Any, rng: random.Random, today: dt.date, hint: str = "") -> str:
        """How a user says `value` for `slot`; `hint` is the example's own text for the span (its style)."""
        spec = self.domain.slots[slot]
        return slot_type(spec).say(spec, value, rng, today, hint)
