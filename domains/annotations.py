"""Inline entity annotations in intent examples: `[4](party_size)`, `[szechuan](cuisine:sichuan)`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?P<slot>[^():]*)(?::(?P<value>[^()]*))?\)")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class AnnotationError(ValueError):
    """An annotation that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Span:
    """A slot value inside an example's plain text, by character offsets."""

    start: int
    end: int
    slot: str
    text: str
    value: str | None = None  # the canonical value named after ':', if any


@dataclass(frozen=True)
class Example:
    text: str
    spans: tuple[Span, ...]


def parse_example(annotated: str) -> Example:
    """Strip the markup from an example and return its plain text and spans."""
    parts: list[str] = []
    spans: list[Span] = []
    position = 0
    length = 0
    for match in _ANNOTATION.finditer(annotated):
        before = annotated[position:match.start()]
        parts.append(before)
        length += len(before)
        slot = match["slot"].strip()
        if not _NAME.match(slot):
            raise AnnotationError(f"'{match[0]}' names no valid slot; write [text](slot) or [text](slot:value)")
        value = match["value"].strip() if match["value"] is not None else None
        if value == "":
            raise AnnotationError(f"'{match[0]}' has an empty value after ':'")
        text = match["text"]
        spans.append(Span(length, length + len(text), slot, text, value))
        parts.append(text)
        length += len(text)
        position = match.end()
    parts.append(annotated[position:])
    plain = "".join(parts)
    leftover = re.search(r"\[[^\[\]]*\]\(|\]\([a-z_:]*\)", plain)
    if leftover:
        raise AnnotationError(f"unfinished annotation near '{leftover[0]}'; write [text](slot)")
    return Example(plain, tuple(spans))
