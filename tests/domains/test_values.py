from __future__ import annotations

import datetime as dt

import pytest

from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import SlotValues
from dialogue.domains.values import InvalidValue, known_value, match_key

SLOTS = {
    "text": {"type": "text", "max_length": 10},
    "size": {"type": "category", "values": {"large": ["grande", "GROß"], "small": [], "四川": ["szechuan"]}},
    "count": {"type": "integer", "min": 1, "max": 12},
    "amount": {"type": "number", "min": 0.01},
    "flag": {"type": "boolean"},
    "day": {"type": "date"},
    "at": {"type": "time"},
    "phone": {"type": "phone"},
    "mail": {"type": "email"},
    "ref": {"type": "regex", "pattern": "[A-Z]{3}[0-9]{3}", "ignore_case": True},
}


@pytest.fixture(scope="module")
def values() -> SlotValues:
    return SlotValues(Domain.model_validate({"version": 1, "name": "v", "slots": SLOTS}).slots)


@pytest.mark.parametrize(("slot", "raw", "expected"), [
    ("text", "  two   words ", "two words"),
    ("size", "Grande", "large"),
    ("size", "gross", "large"),
    ("size", "SMALL", "small"),
    ("size", "Szechuan", "四川"),
    ("count", "4", 4),
    ("count", 4.0, 4),
    ("amount", "$1,200.50", 1200.5),
    ("amount", 200, 200),
    ("flag", "yes", True),
    ("flag", False, False),
    ("day", "2026-05-03", "2026-05-03"),
    ("day", dt.date(2026, 5, 3), "2026-05-03"),
    ("at", "7:05", None),
    ("at", "19:30:00", "19:30"),
    ("phone", "+44 (20) 7946-0000", "+442079460000"),
    ("mail", "Ana@Example.COM", "Ana@example.com"),
    ("ref", "abc123", "abc123"),
])
def test_coerce(values: SlotValues, slot: str, raw, expected) -> None:
    if expected is None:
        with pytest.raises(InvalidValue):
            values.coerce(slot, raw)
    else:
        assert values.coerce(slot, raw) == expected


@pytest.mark.parametrize(("slot", "raw", "reason"), [
    ("text", "x" * 11, "longer than 10"),
    ("text", "   ", "empty"),
    ("size", "medium", "not one of"),
    ("count", 13, "above the maximum"),
    ("count", 0, "below the minimum"),
    ("count", "2.5", "whole number"),
    ("count", True, "not a number"),
    ("amount", "nan", "finite"),
    ("amount", "lots", "not a number"),
    ("flag", "maybe", "yes or no"),
    ("day", "tomorrow", "not a date"),
    ("phone", "12", "7 to 15 digits"),
    ("mail", "not-an-address", "e-mail"),
    ("ref", "ABC12", "does not match"),
    ("ref", "ABC123" * 300, "does not match"),
])
def test_invalid(values: SlotValues, slot: str, raw, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        values.coerce(slot, raw)


def test_messages_do_not_echo_huge_input(values: SlotValues) -> None:
    with pytest.raises(InvalidValue) as caught:
        values.coerce("count", "9" * 100_000 + "x")
    assert len(str(caught.value)) < 120


def test_match_key_ignores_case_width_and_accents() -> None:
    assert match_key("Café  Crème") == match_key("cafe creme")
    assert match_key("ＡＢＣ") == "abc"


KNOWN = {"New York": ["NYC", "new york city"], "Los Angeles": ["LA", "L.A."], "Long Beach": [], "Sacramento": []}


@pytest.mark.parametrize(("said", "value"), [
    ("NYC", "New York"), ("new york city", "New York"), ("l.a.", "Los Angeles"),  # an alias, folded
    ("Long Beach, CA", "Long Beach"),  # a known value with words around it
    ("Sacremento", "Sacramento"),  # a near spelling
    ("Lagos", "Lagos"), ("new", "new"), ("beach", "beach"),  # not a known value: kept as said (an open set)
])
def test_a_text_slots_known_values(said: str, value: str) -> None:
    assert known_value(KNOWN, said) == value
