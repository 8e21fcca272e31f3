"""Two dates (or times) the model gave one slot, where the domain has another slot of that type that got none.

"Check in on the 12th and check out on March 13th": the model tags both dates as the check-out, and since a slot
holds one value, one of them would be lost. A span the words just before it name another slot of its type (all
the words of that slot's name: "check in", "checking in" for `check_in`) goes to that slot, when no span took it.
Without such words, two spans of one slot joined by "and", "to", "until" (and the like: "arriving on the 1st and
leaving on the 6th", "from the 3rd to the 5th") take that slot and the one other slot of its type that got none in
the order the domain declares them: the first said goes to the slot declared first (users say the start of a
range before its end). A lone date the words before it name the other of the domain's two slots of its type goes
to that one ("a party of 4, checking in on the 5th", tagged as the check-out); one after "until" ("I need it until
the 9th") is the later of the two, and after "from" the earlier, when the model gave that slot nothing. Only dates
and times: two text or yes/no slots of a domain are seldom two roles of one kind of value.
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
JOINING = frozenset({"and", "to", "till", "til", "until", "untill", "through", "thru", "then"})
"""Words between two values that make them the two ends of a range (not a value and its correction)."""
ENDING = frozenset({"till", "til", "until", "untill", "through", "thru"})  # and the way users often spell them
"""Words just before a value that make it the end of a range ("I need it until the 9th")."""
STARTING = frozenset({"from", "starting"})
"""Words just before a value that make it the start of a range."""


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
        elif held[slot] == 1 and slot_type(domain.slots[slot]).phrased:
            slot = _lone_slot(spans, place, text, domain, held)
        spread_out.append((slot, start, end))
    return _in_order(spread_out, text, domain)


def _in_order(spans: list[Span], text: str, domain: Domain) -> list[Span]:
    """A date or time slot still held by two joined spans: the spans take it and the one empty slot of its type,
    in the domain's order of slots."""
    spans, held, order = [*spans], Counter(slot for slot, _, _ in spans), list(domain.slots)
    for slot in [slot for slot, count in held.items() if count == 2 and slot_type(domain.slots[slot]).phrased]:
        empty = [other for other, spec in domain.slots.items()
                 if other != slot and not held[other] and spec.type == domain.slots[slot].type]
        first, second = (place for place, span in enumerate(spans) if span[0] == slot)
        between = {word.text.lower() for word in split_words(text[spans[first][2]:spans[second][1]])}
        if len(empty) == 1 and between & JOINING:
            ends = sorted([slot, empty[0]], key=order.index)
            spans[first], spans[second] = (ends[0], *spans[first][1:]), (ends[1], *spans[second][1:])
            held.update({slot: -1, empty[0]: 1})
    return spans


def _lone_slot(spans: list[Span], place: int, text: str, domain: Domain, held: Counter[str]) -> str:
    """The slot of a lone date or time of a domain with two slots of its type, as the words just before it say: the
    other slot when they name it and not its own ("checking in on the 5th", tagged as the check-out); else, as
    they say which end of a range it is, "until the 9th" the later of the two ("until" is never the check-in),
    "from" the earlier."""
    slot, start, _ = spans[place]
    pair = [other for other, spec in domain.slots.items() if spec.type == domain.slots[slot].type]
    since = spans[place - 1][2] if place else 0
    before = [word.text.lower() for word in split_words(text[since:start])[-CUE_WORDS:]]
    if len(pair) != 2:
        return slot
    other = pair[1] if pair[0] == slot else pair[0]
    wanted = other if _names(before, other) and not _names(before, slot) \
        else pair[1] if ENDING.intersection(before) else pair[0] if STARTING.intersection(before) else slot
    if wanted != slot and not held[wanted]:
        held.update({slot: -1, wanted: 1})
        return wanted
    return slot


def _names(words: list[str], slot: str) -> bool:
    """Whether every word of the slot's name is among `words` (a longer word as the beginning of one: "check" in
    "checking")."""
    return all(any(word == part or (len(part) > 3 and word.startswith(part)) for word in words)
               for part in slot.lower().split("_") if part)
