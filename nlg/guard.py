"""The output guard: an LLM's text goes out only if it keeps the facts, stays short and says nothing banned."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dialogue.domains.schema.nlg import NlgSettings

_CODE = re.compile(r"\b[\w:/.-]*\d[\w:/.-]*\b")
"""A token holding a digit: numbers, times, dates, references."""


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def facts(template_text: str, values: Iterable[Any]) -> list[str]:
    """What a rephrasing must keep: each value (slot or table value the template used) that appears in
    the template's text, and every token holding a digit (numbers, times, references)."""
    text = _normal(template_text)
    kept = {str(v).strip() for v in _scalars(values) if str(v).strip() and _normal(str(v)) in text}
    kept |= {token.strip(".:/-") for token in _CODE.findall(template_text)}
    return sorted(v for v in kept if v)


def _scalars(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, dict):
            yield from _scalars(value.values())
        elif isinstance(value, (list, tuple)):
            yield from _scalars(value)
        elif value is not None and not isinstance(value, bool):
            yield value


class OutputGuard:
    def __init__(self, settings: NlgSettings):
        self.max_chars = settings.max_chars
        self.max_growth = settings.max_growth
        self.banned = [re.compile(pattern, re.IGNORECASE) for pattern in settings.banned]

    def problem(self, text: str, *, required: Iterable[str] = (), template: str | None = None) -> str | None:
        """Why `text` may not go out (None when it may): empty, too long, a banned pattern, a fact missing."""
        if not text.strip():
            return "the answer is empty"
        limit = self.max_chars if template is None else min(self.max_chars, int(len(template) * self.max_growth) + 20)
        if len(text) > limit:
            return f"the answer has {len(text)} characters, more than the {limit} allowed"
        for pattern in self.banned:
            if pattern.search(text):
                return f"the answer matches the banned pattern '{pattern.pattern}'"
        answer = _normal(text)
        for fact in required:
            if _normal(fact) not in answer:
                return f"the answer lost '{fact}'"
        return None
