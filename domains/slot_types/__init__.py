"""Slot types: one registry entry per type of slot (and user variable), with everything the engine knows about
its values in one place: how a raw value is coerced to the canonical one, how the user's text reads as one,
the surface forms training data is augmented with, and what a simulated user means and says.

A new slot type is its schema class (`dialogue.domains.schema.slots`) and its entry here.
"""

from __future__ import annotations

from typing import Any

from dialogue.domains.slot_types.base import SlotType
from dialogue.domains.slot_types.calendar import Date, Time
from dialogue.domains.slot_types.numbers import Boolean, Integer, Number
from dialogue.domains.slot_types.text import Category, Email, Phone, Regex, Text
from dialogue.domains.values import InvalidValue

SLOT_TYPES: dict[str, SlotType] = {kind.name: kind() for kind in (Text, Category, Integer, Number, Boolean, Date,
                                                                   Time, Phone, Email, Regex)}


def slot_type(spec: Any) -> SlotType:
    """The registry entry of a slot's schema (by its `type`)."""
    return SLOT_TYPES[spec.type]


class SlotValues:
    """Coerces values for the slots (or user variables) of one domain."""

    def __init__(self, specs: dict[str, Any]):
        self.specs = specs
        self._coercers = {name: slot_type(spec).coercer(spec) for name, spec in specs.items()}

    def coerce(self, name: str, raw: Any) -> Any:
        """The canonical value of `raw` for slot `name`, or InvalidValue saying why not."""
        if raw is None:
            raise InvalidValue("no value")
        return self._coercers[name](raw)


__all__ = ["SLOT_TYPES", "SlotType", "SlotValues", "slot_type"]
