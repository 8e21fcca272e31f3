"""Slot types: what values a slot (or a user variable) may hold."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from dialogue.domains.schema.base import Model

_STRINGS = {"type": "array", "items": {"type": "string"}}
_CATEGORY_VALUES_SCHEMA = {
    "anyOf": [
        _STRINGS,
        {"type": "object", "additionalProperties": {"anyOf": [{"type": "null"}, {"type": "string"}, _STRINGS]}},
    ]
}


class _Slot(Model):
    description: str = ""
    default: Any = Field(None, description="Initial value; a slot with a default is never asked for.")
    pii: bool = Field(False, description="Personal data: replaced by a placeholder before any LLM call, and "
                                         "redacted in logs and the event log.")


def _listed_values(value: Any) -> Any:
    """Values given as a plain list have no synonyms; one synonym may be given alone."""
    if isinstance(value, list):
        return {str(item): [] for item in value}
    if isinstance(value, dict):
        return {k: ([] if v is None else [v] if isinstance(v, str) else v) for k, v in value.items()}
    return value


class TextSlot(_Slot):
    type: Literal["text"]
    max_length: int = Field(500, ge=1, le=100_000)
    values: Annotated[dict[str, list[str]], WithJsonSchema(_CATEGORY_VALUES_SCHEMA)] = Field(
        {}, description="Known values -> their aliases (`New York: [NYC, new york city]`); the set stays open: "
                        "other text is kept as said. Text that is an alias, that holds a known value with words "
                        "around it (`Paris, France`), or that is a near spelling of one reads as the value, and "
                        "the NLU finds known values the model did not tag.")

    lookup: list[Annotated[str, Field(pattern=r"^(results\.)?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")]] = \
        Field([], description=(
            "Where this slot's known values are listed too, read at each turn: table columns (`table.column`) and "
            "fields of a stored result's rows (`results.name.field`, what a service call or a select returned). "
            "Names the NLU never saw in training are found when said, near spellings and shortened names "
            "included (docs/nlu.md)."))

    _listed = field_validator("values", mode="before")(_listed_values)


class CategorySlot(_Slot):
    """A closed set of canonical values, each with synonyms in any language."""

    type: Literal["category"]
    values: Annotated[dict[str, list[str]], WithJsonSchema(_CATEGORY_VALUES_SCHEMA)] = Field(
        description="Canonical value -> synonyms. A plain list of values means no synonyms."
    )
    ambiguous: dict[str, list[str]] = Field(
        {}, description="Words that could mean several of the values -> those values (`chinese: [sichuan, "
                        "cantonese]`): given as the slot's value, the assistant asks which one (`ambiguous_value`, "
                        "with `choices`).")

    _listed = field_validator("values", mode="before")(_listed_values)

    @field_validator("values")
    @classmethod
    def _not_empty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not value:
            raise ValueError("a category slot needs at least one value")
        return value


class _RangedSlot(_Slot):
    @model_validator(mode="after")
    def _ordered(self) -> Any:
        low, high = self.min, self.max
        if low is not None and high is not None and low > high:
            raise ValueError(f"min ({low}) is greater than max ({high})")
        return self


class IntegerSlot(_RangedSlot):
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None


class NumberSlot(_RangedSlot):
    type: Literal["number"]
    min: float | None = None
    max: float | None = None


class BooleanSlot(_Slot):
    type: Literal["boolean"]


class DateSlot(_Slot):
    """A calendar date, stored as ISO text (2026-05-03)."""

    type: Literal["date"]


class TimeSlot(_Slot):
    """A time of day, stored as HH:MM."""

    type: Literal["time"]


class PhoneSlot(_Slot):
    """A phone number, stored as digits with an optional leading +."""

    type: Literal["phone"]


class EmailSlot(_Slot):
    type: Literal["email"]


class RegexSlot(_Slot):
    """Free text that must match a regular expression in full."""

    type: Literal["regex"]
    pattern: str
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"pattern does not compile: {err}") from None
        return value


SlotSpec = Annotated[
    TextSlot | CategorySlot | IntegerSlot | NumberSlot | BooleanSlot | DateSlot | TimeSlot | PhoneSlot | EmailSlot
    | RegexSlot,
    Field(discriminator="type"),
]
