"""Two dates (or times) the model gave one slot, where the domain has another slot of that type that got none.

"Check in on the 12th and check out on March 13th": the model tags both dates as the check-out, and since a slot
holds one value, one of them would be lost. A span the words just before it name another slot of its type (all
the words of that slot's name: "check in", "checking in" for `check_in`) goes to that slot, when no span took it.
Only dates and times: two text or yes/no slots of a domain are seldom two roles of one kind of value.
"""

from __future__ import annotations

from collections import Counter

from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import slot_type
from dialogue.nlu.text import split_words

Span = tuple[str, int, int]
"""(slot, start, end): characters of the text."""
CUE_WORDS = 4
"""How many words before a span may name its slot."""


def spread(spans: list[Span], text: str, domain: Domain) -> list[Span]:
    """`spans` with each date or time that its slot holds twice moved to the empty slot of its type that the
    words before it name."""
    held = Counter(slot for slot, _, _ in spans)
    spread_out = []
    for place, (slot, start, end) in enumerate(spans):
        if held[slot] > 1 and slot_type(domain.slots[slot]).phrased:
            since = spans[place - 1][2] if place else 0
            before = [word.text.lower() for word in split_words(text[since:start]) if word.text.isalnum()][-CUE_WORDS:]
            named = [other for other, spec in domain.slots.items()
                     if other != slot and not held[other] and spec.type == domain.slots[slot].type
                     and _names(before, other)]
            if len(named) == 1:
                held[slot] -= 1
                held[named[0]] += 1
                slot = named[0]
        spread_out.append((slot, start, end))
    return spread_out


def _names(words: list[str], slot: str) -> bool:
    """Whether every word of the slot's name is among `words` (a longer word as the beginning of one: "check" in
    "checking")."""
    return all(any(word == part or (len(part) > 3 and word.startswith(part)) for word in words)
               for part in slot.lower().split("_") if part)
