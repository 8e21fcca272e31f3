"""Slot types whose values are text: free text, categories, regex patterns, phone numbers, e-mail addresses."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from typing import Any, ClassVar

from dialogue.domains.patterns import PatternError, matching_string
from dialogue.domains.schema.slots import CategorySlot, EmailSlot, PhoneSlot, RegexSlot, TextSlot
from dialogue.domains.slot_types.base import SlotType, english
from dialogue.domains.values import AmbiguousValue, InvalidValue, known_value, match_key, show

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
PATTERN_FORMS = 24
"""Strings drawn from a regex slot's pattern for augmentation."""
PHONE_FORMS = ["07700 900123", "+44 20 7946 0000", "555-0199", "0123 456 789", "(212) 555-0147", "+1 415 555 2671"]
EMAIL_FORMS = ["ana@example.com", "j.smith@mail.co.uk", "kim.lee@example.org", "sam+news@example.net"]
FIRST_NAMES = ["ana", "sam", "li", "jo", "priya", "tom", "maria", "omar", "kim", "lena"]


class Text(SlotType):
    name: ClassVar[str] = "text"
    lookup: ClassVar[bool] = True

    def coerce(self, spec: TextSlot, raw: Any) -> str:
        text = " ".join(str(raw).split())
        if not text:
            raise InvalidValue("empty text")
        if len(text) > spec.max_length:
            raise InvalidValue(f"longer than {spec.max_length} characters")
        return text

    def read(self, spec: TextSlot, text: str, now: dt.datetime, language: str) -> str:
        return known_value(spec.values, text) if spec.values else text

    def sample(self, slot: str, spec: TextSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        if not annotated:
            raise InvalidValue(f"slot '{slot}' is free text with no annotated examples to draw values from; annotate "
                               f"a few values of it in the intents' examples, e.g. [some value]({slot})")
        return self.coerce(spec, rng.choice(annotated))


class Category(SlotType):
    """A closed set of canonical values, each with synonyms (matched ignoring case, width and accents), and words
    that could mean several of them (`ambiguous`), which coerce to no value but say which they could mean."""

    name: ClassVar[str] = "category"
    closed: ClassVar[bool] = True

    def coercer(self, spec: CategorySlot) -> Callable[[Any], str]:
        index: dict[str, str] = {}
        for canonical, synonyms in spec.values.items():
            for word in (canonical, *synonyms):
                index.setdefault(match_key(word), canonical)
        ambiguous = {match_key(word): choices for word, choices in spec.ambiguous.items()}

        def coerce(raw: Any) -> str:
            key = match_key(str(raw))
            found = index.get(key)
            if found is not None:
                return found
            if key in ambiguous:
                raise AmbiguousValue(f"{show(raw)} could be {' or '.join(ambiguous[key])}", ambiguous[key])
            raise InvalidValue(f"{show(raw)} is not one of {', '.join(spec.values)}")
        return coerce

    def coerce(self, spec: CategorySlot, raw: Any) -> str:
        return self.coercer(spec)(raw)

    def forms(self, spec: CategorySlot, language: str, rng: random.Random) -> list[str]:
        return [form for canonical, synonyms in spec.values.items() for form in (canonical, *synonyms)] \
            + list(spec.ambiguous)

    def sample(self, slot: str, spec: CategorySlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        return rng.choice(sorted(spec.values))

    def say(self, spec: CategorySlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return rng.choice([value, *spec.values.get(value, [])])


class Regex(SlotType):
    """Free text that must match a regular expression in full."""

    name: ClassVar[str] = "regex"
    strict: ClassVar[bool] = True

    def coerce(self, spec: RegexSlot, raw: Any) -> str:
        text = str(raw).strip()
        flags = re.IGNORECASE if spec.ignore_case else 0
        if len(text) > 1000 or not re.fullmatch(spec.pattern, text, flags):
            raise InvalidValue(f"{show(raw)} does not match the pattern {spec.pattern}")
        return text

    def forms(self, spec: RegexSlot, language: str, rng: random.Random) -> list[str]:
        try:
            return sorted({matching_string(spec.pattern, rng) for _ in range(PATTERN_FORMS)})
        except PatternError:
            return []

    def sample(self, slot: str, spec: RegexSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        try:
            return matching_string(spec.pattern, rng)
        except PatternError as err:
            raise InvalidValue(f"slot '{slot}': cannot generate a value for the pattern {spec.pattern!r}: "
                               f"{err}") from None


class Phone(SlotType):
    """Digits with an optional leading +."""

    name: ClassVar[str] = "phone"
    strict: ClassVar[bool] = True

    def coerce(self, spec: PhoneSlot, raw: Any) -> str:
        text = _PHONE_NOISE.sub("", str(raw))
        digits = text[1:] if text.startswith("+") else text
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise InvalidValue(f"{show(raw)} is not a phone number (7 to 15 digits)")
        return text

    def forms(self, spec: PhoneSlot, language: str, rng: random.Random) -> list[str]:
        return PHONE_FORMS if english(language) else []

    def sample(self, slot: str, spec: PhoneSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        return "07700" + "".join(rng.choice("0123456789") for _ in range(6))

    def say(self, spec: PhoneSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return f"{value[:5]} {value[5:]}" if len(value) == 11 and rng.random() < 0.7 else value


class Email(SlotType):
    name: ClassVar[str] = "email"
    strict: ClassVar[bool] = True

    def coerce(self, spec: EmailSlot, raw: Any) -> str:
        text = str(raw).strip()
        if not _EMAIL.match(text) or len(text) > 254:
            raise InvalidValue(f"{show(raw)} is not an e-mail address")
        local, _, host = text.rpartition("@")
        return f"{local}@{host.lower()}"

    def forms(self, spec: EmailSlot, language: str, rng: random.Random) -> list[str]:
        return EMAIL_FORMS if english(language) else []

    def sample(self, slot: str, spec: EmailSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> str:
        return f"{rng.choice(FIRST_NAMES)}.{rng.choice(FIRST_NAMES)}{rng.randint(1, 99)}@example.com"
