"""Slot values a simulated user can mean, and the words it says them in, from the domain alone.

Values come from the slot's type: category values, numbers in the range the domain's
examples use (within the slot's min and max), dates and times near the simulation's
clock, generated phone numbers and e-mail addresses, strings matching a regex slot's
pattern, and the texts annotated for a text slot in the examples. Surface forms are
what a user would say for a value ("tomorrow", "7:30pm", "szechuan", "four").
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from typing import Any

from dialogue.domains.annotations import parse_example
from dialogue.domains.patterns import PatternError, matching_string
from dialogue.domains.schema import Domain
from dialogue.domains.schema.slots import (
    BooleanSlot,
    CategorySlot,
    DateSlot,
    EmailSlot,
    IntegerSlot,
    NumberSlot,
    PhoneSlot,
    RegexSlot,
    TextSlot,
    TimeSlot,
)
from dialogue.domains.values import SlotValues
from dialogue.nlu.data import NUMBER_WORDS

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
FIRST_NAMES = ["ana", "sam", "li", "jo", "priya", "tom", "maria", "omar", "kim", "lena"]


class GoalError(ValueError):
    """Goals that cannot be drawn from a domain; the message names the task or slot and says why."""


class SlotSampler:
    """Values and surface forms for the slots of one domain."""

    def __init__(self, domain: Domain):
        self.domain = domain
        self.coerce = SlotValues(domain.slots)
        self.annotated: dict[str, list[str]] = defaultdict(list)
        for spec in domain.intents.values():
            for text in spec.examples:
                for span in parse_example(text).spans:
                    if span.slot in domain.slots and span.text not in self.annotated[span.slot]:
                        self.annotated[span.slot].append(span.text)

    # -- values ------------------------------------------------------------------------------

    def value(self, slot: str, rng: random.Random, today: dt.date) -> Any:
        """A value the slot may hold (before the task's own validation)."""
        spec = self.domain.slots[slot]
        if isinstance(spec, CategorySlot):
            return rng.choice(sorted(spec.values))
        if isinstance(spec, BooleanSlot):
            return rng.random() < 0.5
        if isinstance(spec, (IntegerSlot, NumberSlot)):
            low, high = self.number_range(slot)
            if isinstance(spec, IntegerSlot) or rng.random() < 0.7:
                return rng.randint(int(low), int(high))
            return round(rng.uniform(low, high), 2)
        if isinstance(spec, DateSlot):
            return (today + dt.timedelta(days=rng.randint(0, 30))).isoformat()
        if isinstance(spec, TimeSlot):
            return f"{rng.randint(0, 23):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        if isinstance(spec, PhoneSlot):
            return "07700" + "".join(rng.choice("0123456789") for _ in range(6))
        if isinstance(spec, EmailSlot):
            return f"{rng.choice(FIRST_NAMES)}.{rng.choice(FIRST_NAMES)}{rng.randint(1, 99)}@example.com"
        if isinstance(spec, RegexSlot):
            return regex_value(slot, spec.pattern, rng)
        if isinstance(spec, TextSlot):
            texts = self.annotated.get(slot)
            if not texts:
                raise GoalError(f"slot '{slot}' is free text with no annotated examples to draw values from; "
                                  f"annotate a few values of it in the intents' examples, e.g. [some value]({slot})")
            return self.coerce.coerce(slot, rng.choice(texts))
        raise GoalError(f"slot '{slot}' has a type the simulator cannot generate values for")

    def invalid_value(self, slot: str, rng: random.Random, today: dt.date) -> Any:
        """A value outside the slot's range (None when its type has no range); the task's validation
        may reject others, which `goals` finds by trying candidates."""
        spec = self.domain.slots[slot]
        if isinstance(spec, (IntegerSlot, NumberSlot)) and spec.max is not None:
            return int(spec.max) + rng.randint(1, 20)
        if isinstance(spec, (IntegerSlot, NumberSlot)) and spec.min is not None and spec.min > 0:
            return 0
        return None

    def candidates(self, slot: str, rng: random.Random, today: dt.date) -> list[Any]:
        """Values of a wider range, to find ones a task's validation rejects."""
        spec = self.domain.slots[slot]
        if isinstance(spec, DateSlot):
            return [(today + dt.timedelta(days=d)).isoformat() for d in range(-10, 40)]
        if isinstance(spec, TimeSlot):
            return [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]
        if isinstance(spec, (IntegerSlot, NumberSlot)):
            low, high = self.number_range(slot)
            top = int(spec.max) if spec.max is not None else int(high) * 5 + 10
            return list(range(int(low), min(top, int(high) * 5 + 10) + 1))
        return []

    def number_range(self, slot: str) -> tuple[float, float]:
        """The range of a number slot's annotated values (the domain's typical amounts), inside its min and max."""
        spec = self.domain.slots[slot]
        found = []
        for text in self.annotated.get(slot, []):
            number = _number(text)
            if number is not None:
                found.append(number)
        low = min(found) if found else (spec.min if spec.min is not None else 1)
        high = max(found) if found else low + 100
        if spec.min is not None:
            low = max(low, spec.min)
        if spec.max is not None:
            high = min(high, spec.max)
        return low, max(low, high)

    # -- words -------------------------------------------------------------------------------

    def surface(self, slot: str, value: Any, rng: random.Random, today: dt.date, hint: str = "") -> str:
        """How a user says `value` for `slot`; `hint` is the example's own text for the span (its style)."""
        spec = self.domain.slots[slot]
        if isinstance(spec, CategorySlot):
            forms = [value, *spec.values.get(value, [])]
            return rng.choice(forms)
        if isinstance(spec, IntegerSlot):
            return NUMBER_WORDS[value] if 0 <= value < len(NUMBER_WORDS) and rng.random() < 0.3 else str(value)
        if isinstance(spec, NumberSlot):
            text = f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
            return ("£" + text) if hint.startswith(("£", "$", "€")) else text
        if isinstance(spec, DateSlot):
            return date_words(dt.date.fromisoformat(value), today, rng)
        if isinstance(spec, TimeSlot):
            return time_words(value, rng)
        if isinstance(spec, PhoneSlot):
            return f"{value[:5]} {value[5:]}" if len(value) == 11 and rng.random() < 0.7 else value
        if isinstance(spec, BooleanSlot):
            return "yes" if value else "no"
        return str(value)


def date_words(day: dt.date, today: dt.date, rng: random.Random) -> str:
    """A way of saying `day` that means it unambiguously on `today`."""
    ahead = (day - today).days
    forms = [f"the {ordinal(day.day)} of {MONTHS[day.month - 1]}", f"{MONTHS[day.month - 1]} {ordinal(day.day)}",
             f"{day.day} {MONTHS[day.month - 1]}"]
    if ahead == 0:
        forms += ["today"] * 3
    elif ahead == 1:
        forms += ["tomorrow"] * 3
    elif 1 < ahead < 7:
        forms += [WEEKDAYS[day.weekday()]] * 2
    return rng.choice(forms)


def time_words(value: str, rng: random.Random) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    twelve = hour % 12 or 12
    meridiem = "pm" if hour >= 12 else "am"
    forms = [f"{hour:02d}:{minute:02d}", f"{twelve}:{minute:02d}{meridiem}", f"{twelve}:{minute:02d} {meridiem}"]
    if minute == 0:
        forms += [f"{twelve}{meridiem}", f"{twelve} {meridiem}"]
    return rng.choice(forms)


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _number(text: str) -> float | None:
    plain = re.sub(r"[£$€,]|pounds?", "", text.lower()).strip()
    if plain in NUMBER_WORDS:
        return NUMBER_WORDS.index(plain)
    try:
        return float(plain)
    except ValueError:
        return None


def regex_value(slot: str, pattern: str, rng: random.Random) -> str:
    try:
        return matching_string(pattern, rng)
    except PatternError as err:
        raise GoalError(f"slot '{slot}': cannot generate a value for the pattern {pattern!r}: {err}") from None
