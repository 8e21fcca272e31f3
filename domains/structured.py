"""Structured input: `/intent` or `/intent{"slot": value}`, as buttons, DTMF maps and tests send it."""

from __future__ import annotations

import json
from typing import Any


class StructuredInputError(ValueError):
    """Text that starts like structured input but is not; the message says what is wrong."""


def is_structured(text: str) -> bool:
    return text.startswith("/")


def parse_structured(text: str) -> tuple[str, dict[str, Any]]:
    """The intent name and entities of `/intent{json}` (the leading slash is optional)."""
    name, brace, body = text.strip().removeprefix("/").partition("{")
    name = name.strip()
    if not name:
        raise StructuredInputError('structured input needs an intent name: /intent or /intent{"slot": value}')
    entities: Any = {}
    if brace:
        try:
            entities = json.loads("{" + body)
        except (ValueError, RecursionError):
            raise StructuredInputError(f"the entities after /{name[:40]} are not a JSON object") from None
        if not isinstance(entities, dict):
            raise StructuredInputError(f"the entities after /{name[:40]} are not a JSON object")
    return name, entities
