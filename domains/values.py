"""Turn raw slot values (from buttons, DTMF, tests or the NLU) into typed, canonical values.

Stored values are JSON-friendly: dates are ISO text (`2026-05-03`), times `HH:MM`,
categories their canonical value, phones digits with an optional leading `+`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

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

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class InvalidValue(ValueError):
    """A value that does not fit its slot; the message is safe to show a domain author."""


def _show(raw: Any) -> str:
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def match_key(text: str) -> str:
    """Case-, width- and accent-insensitive form of a word, for synonym matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


class SlotValues:
    """Coerces values for the slots (or user variables) of one domain."""

    def __init__(self, specs: dict[str, Any]):
        self.specs = specs
        self._categories = {
            name: _synonym_index(spec) for name, spec in specs.items() if isinstance(spec, CategorySlot)
        }

    def coerce(self, name: str, raw: Any) -> Any:
        """The canonical value of `raw` for slot `name`, or InvalidValue saying why not."""
        spec = self.specs[name]
        if raw is None:
            raise InvalidValue("no value")
        if isinstance(spec, CategorySlot):
            found = self._categories[name].get(match_key(str(raw)))
            if found is None:
                raise InvalidValue(f"{_show(raw)} is not one of {', '.join(spec.values)}")
            return found
        return _COERCERS[type(spec)](spec, raw)


def _synonym_index(spec: CategorySlot) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, synonyms in spec.values.items():
        for word in (canonical, *synonyms):
            index.setdefault(match_key(word), canonical)
    return index


def _text(spec: TextSlot, raw: Any) -> str:
    text = " ".join(str(raw).split())
    if not text:
        raise InvalidValue("empty text")
    if len(text) > spec.max_length:
        raise InvalidValue(f"longer than {spec.max_length} characters")
    return text


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise InvalidValue(f"{_show(raw)} is not a number")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().lstrip("$€£¥").strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            raise InvalidValue(f"{_show(raw)} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidValue(f"{_show(raw)} is not a finite number")
    return value


def _in_range(spec: Any, value: float, raw: Any) -> None:
    if spec.min is not None and value < spec.min:
        raise InvalidValue(f"{_show(raw)} is below the minimum of {spec.min}")
    if spec.max is not None and value > spec.max:
        raise InvalidValue(f"{_show(raw)} is above the maximum of {spec.max}")


def _integer(spec: IntegerSlot, raw: Any) -> int:
    value = _number(raw)
    if value != int(value):
        raise InvalidValue(f"{_show(raw)} is not a whole number")
    _in_range(spec, value, raw)
    return int(value)


def _float(spec: NumberSlot, raw: Any) -> int | float:
    value = _number(raw)
    _in_range(spec, value, raw)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _boolean(spec: BooleanSlot, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = str(raw).strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InvalidValue(f"{_show(raw)} is not yes or no")


def _date(spec: DateSlot, raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    try:
        return dt.date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise InvalidValue(f"{_show(raw)} is not a date (YYYY-MM-DD)") from None


def _time(spec: TimeSlot, raw: Any) -> str:
    if isinstance(raw, (dt.time, dt.datetime)):
        return raw.strftime("%H:%M")
    try:
        return dt.time.fromisoformat(str(raw).strip()).strftime("%H:%M")
    except ValueError:
        raise InvalidValue(f"{_show(raw)} is not a time (HH:MM)") from None


def _phone(spec: PhoneSlot, raw: Any) -> str:
    text = _PHONE_NOISE.sub("", str(raw))
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise InvalidValue(f"{_show(raw)} is not a phone number (7 to 15 digits)")
    return text


def _email(spec: EmailSlot, raw: Any) -> str:
    text = str(raw).strip()
    if not _EMAIL.match(text) or len(text) > 254:
        raise InvalidValue(f"{_show(raw)} is not an e-mail address")
    local, _, host = text.rpartition("@")
    return f"{local}@{host.lower()}"


def _regex(spec: RegexSlot, raw: Any) -> str:
    text = str(raw).strip()
    flags = re.IGNORECASE if spec.ignore_case else 0
    if len(text) > 1000 or not re.fullmatch(spec.pattern, text, flags):
        raise InvalidValue(f"{_show(raw)} does not match the pattern {spec.pattern}")
    return text


_COERCERS = {
    TextSlot: _text, IntegerSlot: _integer, NumberSlot: _float, BooleanSlot: _boolean, DateSlot: _date,
    TimeSlot: _time, PhoneSlot: _phone, EmailSlot: _email, RegexSlot: _regex,
}


_COLUMN_PARSERS = {
    "text": (str, "text"), "integer": (int, "a whole number"), "number": (float, "a number"),
    "date": (dt.date.fromisoformat, "a date (YYYY-MM-DD)"), "time": (dt.time.fromisoformat, "a time (HH:MM)"),
    "datetime": (dt.datetime.fromisoformat, "a date and time (YYYY-MM-DDTHH:MM)"),
}


def column_value(column_type: str, raw: Any) -> Any:
    """`raw` as a table column of `column_type` stores it (None stays None), or InvalidValue saying why not.
    The one rule for table values: seed rows are checked with it when the domain loads, statements when they run
    (dialogue.dm.sql.tables)."""
    if raw is None:
        return None
    if column_type == "boolean":
        if not isinstance(raw, str):
            return bool(raw)
        if raw.lower() not in ("true", "false"):
            raise InvalidValue(f"{_show(raw)} is not true or false")
        return raw.lower() == "true"
    if column_type in ("date", "time", "datetime") and isinstance(raw, (dt.date, dt.time)):
        return raw
    parse, what = _COLUMN_PARSERS[column_type]
    try:
        return parse(raw)
    except (TypeError, ValueError, OverflowError):
        raise InvalidValue(f"{_show(raw)} is not {what}") from None
