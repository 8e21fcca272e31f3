"""Slot types of numbers and yes/no."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any, ClassVar

from dialogue.domains.schema.slots import BooleanSlot, IntegerSlot, NumberSlot
from dialogue.domains.slot_types.base import SlotType, english
from dialogue.domains.values import InvalidValue, match_key, show

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NEGATION = re.compile(r"\b(?:no|not|non|without|never|don't|doesn't|isn't|aren't|dont|doesnt|isnt|arent)\b")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"[$€£¥]|\b(?:pounds?|quid|dollars?|euros?|bucks|gbp|usd|eur)\b", re.I)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_WORD_NUMBERS = {"a dozen": 12, "dozen": 12, "half a dozen": 6, "a couple": 2, "a couple of": 2, "couple": 2,
                 "a pair": 2, "a pair of": 2, "a hundred": 100, "a thousand": 1000, "a single": 1, "single": 1,
                 "just me": 1, "only me": 1, "myself": 1, "no one else": 1}
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                "twenty"]
AMOUNT_FORMS = ["20", "£50", "75.50", "1,000", "$300", "twenty", "three hundred", "45 pounds", "1200", "9.99"]


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise InvalidValue(f"{show(raw)} is not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().lstrip("$€£¥").strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            raise InvalidValue(f"{show(raw)} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidValue(f"{show(raw)} is not a finite number")
    return value


def _in_range(spec: Any, value: float, raw: Any) -> None:
    if spec.min is not None and value < spec.min:
        raise InvalidValue(f"{show(raw)} is below the minimum of {spec.min}")
    if spec.max is not None and value > spec.max:
        raise InvalidValue(f"{show(raw)} is above the maximum of {spec.max}")


def read_number(text: str, language: str) -> float | int:
    """A number as users write or say it: 4, 1,156, £50, four, a dozen, twenty five people."""
    from text_to_num import text2num

    plain = " ".join(_CURRENCY.sub(" ", text.lower()).replace("-", " ").split()).rstrip(" ,.;:!?")  # "$85,"
    if _NUMBER.match(plain):
        return float(plain.replace(",", ""))
    if plain in _WORD_NUMBERS:
        return _WORD_NUMBERS[plain]
    words = plain.removeprefix("a ").removesuffix(" people").removesuffix(" of us").strip()
    try:
        return text2num(words, language)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None


class _Amount(SlotType):
    """Numbers in a range: read from words too, drawn from the range the domain's examples use."""

    numeric: ClassVar[bool] = True

    def read(self, spec: Any, text: str, now: dt.datetime, language: str) -> Any:
        return read_number(text, language)

    def invalid(self, spec: Any, rng: random.Random) -> Any:
        if spec.max is not None:
            return int(spec.max) + rng.randint(1, 20)
        if spec.min is not None and spec.min > 0:
            return 0
        return None

    def candidates(self, spec: Any, today: dt.date, annotated: list[str]) -> list[Any]:
        low, high = typical_range(spec, annotated)
        top = int(spec.max) if spec.max is not None else int(high) * 5 + 10
        return list(range(int(low), min(top, int(high) * 5 + 10) + 1))


class Integer(_Amount):
    name: ClassVar[str] = "integer"

    def coerce(self, spec: IntegerSlot, raw: Any) -> int:
        value = _number(raw)
        if value != int(value):
            raise InvalidValue(f"{show(raw)} is not a whole number")
        _in_range(spec, value, raw)
        return int(value)

    def forms(self, spec: IntegerSlot, language: str, rng: random.Random) -> list[str]:
        if not english(language):
            return []
        low = max(spec.min if spec.min is not None else 0, 0)
        high = min(spec.max if spec.max is not None else 100, low + 200)
        numbers = [rng.randint(low, high) for _ in range(12)]
        return [str(n) for n in numbers] + [NUMBER_WORDS[n] for n in range(low, min(high, 20) + 1)]

    def sample(self, slot: str, spec: IntegerSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> int:
        low, high = typical_range(spec, annotated)
        return rng.randint(int(low), int(high))

    def say(self, spec: IntegerSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return NUMBER_WORDS[value] if 0 <= value < len(NUMBER_WORDS) and rng.random() < 0.3 else str(value)


class Number(_Amount):
    name: ClassVar[str] = "number"

    def coerce(self, spec: NumberSlot, raw: Any) -> int | float:
        value = _number(raw)
        _in_range(spec, value, raw)
        return int(value) if value.is_integer() and abs(value) < 2**53 else value

    def forms(self, spec: NumberSlot, language: str, rng: random.Random) -> list[str]:
        return AMOUNT_FORMS if english(language) else []

    def sample(self, slot: str, spec: NumberSlot, rng: random.Random, today: dt.date,
               annotated: list[str]) -> int | float:
        low, high = typical_range(spec, annotated)
        if rng.random() < 0.7:
            return rng.randint(int(low), int(high))
        return round(rng.uniform(low, high), 2)

    def say(self, spec: NumberSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        text = f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
        return ("£" + text) if hint.startswith(("£", "$", "€")) else text


class Boolean(SlotType):
    name: ClassVar[str] = "boolean"

    def read(self, spec: BooleanSlot, text: str, now: dt.datetime, language: str) -> Any:
        """Yes or no; else the span names the feature the slot asks about ("with laundry service", "pet
        friendly"): true, or false when it holds a negation ("no pets", "not furnished", "without laundry")."""
        key = " ".join(re.findall(r"[\w']+", match_key(text)))
        if key in _TRUE or key in _FALSE:
            return key
        return _NEGATION.search(key) is None

    def coerce(self, spec: BooleanSlot, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        key = str(raw).strip().casefold()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise InvalidValue(f"{show(raw)} is not yes or no")

    def sample(self, slot: str, spec: BooleanSlot, rng: random.Random, today: dt.date, annotated: list[str]) -> bool:
        return rng.random() < 0.5

    def say(self, spec: BooleanSlot, value: Any, rng: random.Random, today: dt.date, hint: str) -> str:
        return "yes" if value else "no"


def typical_range(spec: Any, annotated: list[str]) -> tuple[float, float]:
    """The range of a number slot's annotated values (the domain's typical amounts), inside its min and max."""
    found = [number for number in map(_annotated_number, annotated) if number is not None]
    low = min(found) if found else (spec.min if spec.min is not None else 1)
    high = max(found) if found else low + 100
    if spec.min is not None:
        low = max(low, spec.min)
    if spec.max is not None:
        high = min(high, spec.max)
    return low, max(low, high)


def _annotated_number(text: str) -> float | None:
    plain = re.sub(r"[£$€,]|pounds?", "", text.lower()).strip()
    if plain in NUMBER_WORDS:
        return NUMBER_WORDS.index(plain)
    try:
        return float(plain)
    except ValueError:
        return None
