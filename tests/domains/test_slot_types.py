"""One registry entry per slot type: every type the schema declares has one, and the entries keep their word."""

from __future__ import annotations

import datetime as dt
import random
import typing

import pytest

from dialogue.domains import load_domain
from dialogue.domains.schema.slots import SlotSpec
from dialogue.domains.slot_types import SLOT_TYPES, SlotValues, slot_type

TODAY = dt.date(2026, 11, 25)


def test_every_slot_type_of_the_schema_has_an_entry() -> None:
    declared = {typing.get_args(spec.model_fields["type"].annotation)[0]
                for spec in typing.get_args(typing.get_args(SlotSpec)[0])}
    assert declared == set(SLOT_TYPES)
    assert all(kind.name == name for name, kind in SLOT_TYPES.items())


@pytest.mark.parametrize("name", ["restaurant", "banking", "telco_ivr"])
def test_sampled_values_are_canonical_and_their_candidates_coerce(name: str) -> None:
    domain = load_domain(name)
    values = SlotValues(domain.slots)
    rng = random.Random(1)
    for slot, spec in domain.slots.items():
        kind = slot_type(spec)
        try:
            value = kind.sample(slot, spec, rng, TODAY, ["Ana Lopez"])
        except ValueError:
            continue  # a pattern the generator cannot draw from is reported, not guessed
        assert values.coerce(slot, value) == value, slot
        for candidate in kind.candidates(spec, TODAY, []):
            values.coerce(slot, candidate)
        assert isinstance(kind.say(spec, value, rng, TODAY, ""), str)


def test_flags_say_how_the_nlu_finds_values() -> None:
    assert [name for name, kind in SLOT_TYPES.items() if kind.strict] == ["phone", "email", "regex"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.closed] == ["category"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.numeric] == ["integer", "number"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.lookup] == ["text"]


def test_reading_text_is_relative_to_the_turn() -> None:
    now = dt.datetime(2026, 11, 25, 10)
    assert SLOT_TYPES["date"].read(None, "tomorrow", now, "en") == "2026-11-26"
    assert SLOT_TYPES["time"].read(None, "half past seven in the evening", now, "en") == "19:30"
    assert SLOT_TYPES["integer"].read(None, "a dozen", now, "en") == 12
    assert SLOT_TYPES["text"].read(None, "as written", now, "en") == "as written"
