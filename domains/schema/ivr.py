"""Voice (IVR) settings: keypad digits and no-input / no-match escalation."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from dialogue.domains.schema.actions import Action
from dialogue.domains.schema.base import Model


def _as_level(value: Any) -> Any:
    """A level given as a bare response name means `respond: <name>`."""
    if isinstance(value, str):
        return [{"respond": value}]
    return value if isinstance(value, list) else [value]


class _LevelSchema:
    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict:
        schema = handler(core_schema)
        return {"anyOf": [{"type": "string", "description": "a response name"}, schema["items"], schema]}


Level = Annotated[list[Action], BeforeValidator(_as_level), _LevelSchema()]
Escalation = Annotated[
    list[Level],
    Field(description="Escalation levels, one per consecutive failure; the last level repeats. "
                      "A level is a response name, an action or a list of actions."),
]


def _digit_keys(mapping: Any) -> Any:
    return {str(k): v for k, v in mapping.items()} if isinstance(mapping, dict) else mapping


Digits = Annotated[str, Field(pattern=r"^[0-9*#]{1,32}$")]
IntentDigits = Annotated[dict[Digits, str], BeforeValidator(_digit_keys)]
ValueDigits = Annotated[dict[Digits, Any], BeforeValidator(_digit_keys)]


class Ivr(Model):
    """Domain-wide voice behaviour; FSM states and frame slots may override it."""

    dtmf: IntentDigits = Field({}, description="Digit -> intent or `/intent{...}`, in every state.")
    no_input: Escalation = Field([], description="Default no-input escalation (silence on the line).")
    no_match: Escalation = Field([], description="Default no-match escalation (input not understood).")
