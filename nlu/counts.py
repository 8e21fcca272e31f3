"""A count the model did not tag, said just before the name of its slot: "one ticket", "4 guests", "two beds".

A number is a count of an integer slot when the word right after it is the last word of the slot's name, singular
or plural (`tickets`, `number_of_beds`), no span of the model holds it, and the model tagged nothing for that slot.
The domain's slot names are the authority: a number before any other word stays untagged.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import slot_type
from dialogue.nlu.text import Word

Span = tuple[str, int, int]
"""(slot, start, end): characters of the text."""


def counted(spans: list[Span], words: list[Word], domain: Domain, now: dt.datetime) -> list[Span]:
    """`spans` with a span added for each untagged number that counts an integer slot with no span."""
    language = domain.settings.language.split("-")[0]
    nouns = {_singular(name.lower().split("_")[-1]): name for name, spec in domain.slots.items()
             if slot_type(spec).name == "integer" and not any(slot == name for slot, _, _ in spans)}
    added = []
    for word, after in pairwise(words):
        noun = _singular(after.text.lower())
        slot = nouns.get(noun)
        if slot is None or any(start < word.end and word.start < end for _, start, end in spans):
            continue
        try:
            slot_type(domain.slots[slot]).readings(domain.slots[slot], word.text, now, language)
        except ValueError:
            continue
        added.append((slot, word.start, word.end))
        del nouns[noun]
    return sorted(spans + added, key=lambda span: span[1])


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word
