"""User turns in real text: the domain's own examples with the goal's values in the annotated spans.

Every utterance carries the simulator's own labels (the intent meant and where each slot
value is), so the NLU can be scored turn by turn against them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dialogue.domains.annotations import Example, parse_example
from dialogue.domains.schema import Domain
from dialogue.nlu.data import OUTSIDE, substitute
from dialogue.nlu.entities import EntityNormaliser
from dialogue.nlu.text import clean, split_words
from dialogue.simulation.values import SlotSampler

ANSWER_INTENT = "inform"
"""The intent of a bare answer, when the domain has it."""


@dataclass
class Utterance:
    """What the user says, with the simulator's labels: the intent meant and the slot spans."""

    text: str
    intent: str
    values: dict[str, Any] = field(default_factory=dict)  # slot -> the canonical value meant
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, slot) in text

    def tagged(self) -> tuple[list[str], list[str]]:
        """The words (as the NLU splits them) and their gold BIO tags."""
        return tag_words(self.text, self.spans)


def _unannotated_values(example: Example, gazetteer: Any) -> bool:
    """Whether a category value or synonym appears in the example outside its annotated spans."""
    return any(all(found.end <= span.start or span.end <= found.start for span in example.spans)
               for found in gazetteer(split_words(example.text)))


def tag_words(text: str, spans: list[tuple[int, int, str]]) -> tuple[list[str], list[str]]:
    words = split_words(text)
    tags, previous = [], None
    for word in words:
        span = next((s for s in spans if s[0] <= word.start and word.end <= s[1]), None)
        tags.append(OUTSIDE if span is None else f"{'I' if span is previous else 'B'}-{span[2]}")
        previous = span
    return [w.text for w in words], tags


class Realiser:
    """Turns (intent, slot values) into text, from the domain's examples.

    Examples whose words name a category value outside their annotations ("change the time of my
    booking", "do you like pizza") are not used: the text would mean more than its labels say.
    """

    def __init__(self, domain: Domain, sampler: SlotSampler, today: dt.date):
        self.domain, self.sampler, self.today = domain, sampler, today
        gazetteer = EntityNormaliser(domain).gazetteer
        self.examples: dict[str, dict[frozenset[str], list[Example]]] = {}
        for intent, spec in domain.intents.items():
            grouped: dict[frozenset[str], list[Example]] = defaultdict(list)
            for text in spec.examples:
                example = parse_example(clean(text))
                slots = [span.slot for span in example.spans]
                if len(set(slots)) == len(slots) and all(slot in domain.slots for slot in slots) \
                        and not _unannotated_values(example, gazetteer):
                    grouped[frozenset(slots)].append(example)
            self.examples[intent] = dict(grouped)

    def slot_sets(self, intent: str) -> list[frozenset[str]]:
        """The sets of slots the intent's examples carry, in a stable order."""
        return sorted(self.examples.get(intent, {}), key=lambda s: (len(s), sorted(s)))

    def can_say(self, intent: str, slots: set[str]) -> bool:
        return frozenset(slots) in self.examples.get(intent, {})

    def say(self, intent: str, values: dict[str, Any], rng: random.Random) -> Utterance:
        """An utterance of `intent` that gives exactly `values` (a bare value when no example fits)."""
        wanted = frozenset(values)
        found = self.examples.get(intent, {}).get(wanted)
        if not found:
            if len(values) == 1:
                return self.bare(values, rng)
            raise KeyError(f"no example of '{intent}' carries {sorted(wanted)}")
        example = rng.choice(found)
        replacements = {i: self.sampler.surface(span.slot, values[span.slot], rng, self.today, span.text)
                        for i, span in enumerate(example.spans)}
        said = substitute(example, replacements)
        return Utterance(said.text, intent, dict(values), [(s.start, s.end, s.slot) for s in said.spans])

    def bare(self, values: dict[str, Any], rng: random.Random) -> Utterance:
        """Just the value, as a user answers a question."""
        ((slot, value),) = values.items()
        text = self.sampler.surface(slot, value, rng, self.today)
        intent = ANSWER_INTENT if ANSWER_INTENT in self.domain.intents else next(iter(self.domain.intents))
        return Utterance(text, intent, {slot: value}, [(0, len(text), slot)])
