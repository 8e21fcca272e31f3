"""Values: the error a value that does not fit raises, how words are compared, and what table columns store.

Slot values are coerced by their slot type (dialogue.domains.slot_types). Stored values are JSON-friendly:
dates are ISO text (`2026-05-03`), times `HH:MM`, categories their canonical value, phones digits with an
optional leading `+`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Any

SURROGATE = re.compile("[\ud800-\udfff]")
"""Lone surrogates: text decoded with errors='surrogateescape' from bytes that were not UTF-8; not Unicode."""
VALUE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""What a kept value's text may not hold: control characters (C0 but tab, newline and carriage return; DEL; C1),
which a person cannot have meant and a terminal or a speech engine may act on, and lone surrogates."""
MAX_DEPTH = 10
"""Levels of lists and objects a kept value may nest (a list slot's value is one level)."""
MAX_INTEGER = 2**53
"""Integers a kept value may hold are within +-2**53: every such number is exact as a double, so it survives JSON
and protobuf's Struct unchanged."""


def character_problem(text: str, refused: re.Pattern[str]) -> str | None:
    """Which character of the text `refused` matches first, and what it is; None if none."""
    found = refused.search(text)
    if found is None:
        return None
    kind = "a lone surrogate, not Unicode (bytes that were not UTF-8?)" if SURROGATE.match(found[0]) \
        else "a control character"
    return f"character {found.start() + 1} is U+{ord(found[0]):04X}, {kind}"


def value_problem(value: Any, where: str, depth: int = 0) -> tuple[str, str] | None:
    """Why a JSON value cannot be kept and sent back, and where in it (`where.key[0]`), or None: nested over
    MAX_DEPTH levels, an integer past +-MAX_INTEGER, a number that is not finite, or text (keys included) with a
    character of VALUE_REFUSED."""
    if isinstance(value, str):
        problem = character_problem(value, VALUE_REFUSED)
        return (where, problem) if problem else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and abs(value) > MAX_INTEGER:
        return where, f"a number of {len(str(abs(value)))} digits; integers are taken up to 2**53 ({MAX_INTEGER:,})"
    if isinstance(value, float) and not math.isfinite(value):
        return where, f"{value} is not a finite number"
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return where, f"nested deeper than {MAX_DEPTH} levels of lists and objects"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = character_problem(str(key), VALUE_REFUSED)
            found = (where, problem) if problem else value_problem(item, f"{where}.{key}", depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = value_problem(item, f"{where}[{index}]", depth + 1)
            if found:
                return found
    return None


class InvalidValue(ValueError):
    """A value that does not fit its slot; the message is safe to show a domain author."""


class AmbiguousValue(InvalidValue):
    """Words that could mean several values of a category (its `ambiguous` words): which one is to be asked."""

    def __init__(self, message: str, choices: list[str]):
        super().__init__(message)
        self.choices = choices


def show(raw: Any) -> str:
    """A value as messages quote it: cut to 40 characters."""
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:37] + "...")


@functools.lru_cache(maxsize=8192)
def match_key(text: str) -> str:
    """Case-, width- and accent-insensitive form of a word, for synonym matching (kept for the words seen lately:
    a domain's check asks it of every category word for every example that marks one)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


NEAR_SPELLING = 90
"""The least rapidfuzz ratio (0-100) at which text is a misspelling of a known value."""


def known_value(values: dict[str, list[str]], text: str) -> str:
    """The known value (canonical -> aliases) that `text` names: one whose name or alias it is (folded), else the
    one whose longest name or alias stands in it as whole words ("Paris, France"), else one it is a near spelling
    of; else `text` as it is (the set is open)."""
    from rapidfuzz import fuzz, process

    forms, inside = _known_forms(tuple((canonical, tuple(aliases)) for canonical, aliases in values.items()))
    said = _folded(text)
    if said in forms:
        return forms[said]
    found = [match.group() for match in inside.finditer(said)] if inside else []
    if found:
        return forms[max(found, key=len)]
    near = process.extractOne(said, list(forms), scorer=fuzz.ratio, score_cutoff=NEAR_SPELLING)
    return forms[near[0]] if near is not None else text


@functools.lru_cache(maxsize=256)
def _known_forms(values: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Each folded name and alias -> its value, and a pattern finding any of them as whole words."""
    forms: dict[str, str] = {}
    for canonical, aliases in values:
        for form in (canonical, *aliases):
            if _folded(form):
                forms.setdefault(_folded(form), canonical)
    longest_first = sorted(forms, key=len, reverse=True)
    return forms, re.compile(rf"\b(?:{'|'.join(map(re.escape, longest_first))})\b") if forms else None


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", match_key(text)))


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
            raise InvalidValue(f"{show(raw)} is not true or false")
        return raw.lower() == "true"
    if column_type in ("date", "time", "datetime") and isinstance(raw, (dt.date, dt.time)):
        return raw
    parse, what = _COLUMN_PARSERS[column_type]
    try:
        return parse(raw)
    except (TypeError, ValueError, OverflowError):
        raise InvalidValue(f"{show(raw)} is not {what}") from None
