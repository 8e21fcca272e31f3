"""Values: the error a value that does not fit raises, how words are compared, and what table columns store.

Slot values are coerced by their slot type (dialogue.domains.slot_types). Stored values are JSON-friendly:
dates are ISO text (`2026-05-03`), times `HH:MM`, categories their canonical value, phones digits with an
optional leading `+`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any


class InvalidValue(ValueError):
    """A value that does not fit its slot; the message is safe to show a domain author."""


def show(raw: Any) -> str:
    """A value as messages quote it: cut to 40 characters."""
    text = str(raw)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def match_key(text: str) -> str:
    """Case-, width- and accent-insensitive form of a word, for synonym matching."""
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
