"""Training utterances placed in the dialogue states where a user can say them.

The model reads a message with what the assistant asked last (`Expectation.words()`, after a separator), so it
must be trained in those states. Each utterance gets one state, drawn with the seed: an answer (a yes or a no;
values given alone) mostly after a question it answers; anything else, and the other answers, sometimes after any
question (users change the subject), else after nothing in particular.

Values said alone are added for each slot a task asks, after its question: its own values; other slots' bare
numbers that read as valid values of it, tagged as it (the same "8" is a head count after one question and a time
after another); and other slots' values that do not, tagged as their own slot (a date given when the time was
asked is still a date).

Each yes and no is added once more with thanks before or after it ("yes, thank you", "thanks, sounds good"),
after a question it answers: users thank as they answer, and a domain's goodbye examples are mostly thanks, so
without these a thanks at a confirmation read as a goodbye.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from dialogue.domains.builtin import ENTITY_ONLY_INTENT
from dialogue.domains.interpretation import Expectation
from dialogue.domains.schema import Domain
from dialogue.domains.schema.tasks import FrameTask, frame_slots
from dialogue.domains.slot_types import slot_type
from dialogue.domains.slot_types.numbers import read_number
from dialogue.nlu.data import OUTSIDE, TaggedUtterance, runs
from dialogue.nlu.entities import EntityNormaliser
from dialogue.nlu.text import split_words

ANSWERING = 0.7
"""Share of answers placed after a question they answer."""
CHOICE_SHARE = 0.3
"""Of the yes and no answers placed after a question they answer, the share placed after an offer of rows."""
ASIDE = 0.3
"""Share of the utterances not placed after a question they answer that are placed after some other question."""
BARE_VALUES = 12
"""Values said alone, added for each slot a task asks: this many of its own, as many of other slots' numbers
that read as its values, and half as many of other slots' values that do not."""
ANY_WORDS = frozenset({"text", "boolean"})
"""Slot types any words would read as: they take no other slot's numbers, and their values say no slot."""
NOW = dt.datetime(2026, 1, 1, 12, 0)
"""The clock other slots' values are read on (whether a value reads as a date does not depend on the day)."""

YES_NO = Expectation(kind="yes_no")
CHOICE = Expectation(kind="choice")
THANKS = ("thanks", "thank you", "thanks a lot", "thank you so much", "cheers", "many thanks")


def asked_slots(domain: Domain) -> list[str]:
    """The slots a frame task asks for, each once, in the domain's order."""
    found = [entry.slot for task in domain.tasks.values() if isinstance(task, FrameTask)
             for entry in frame_slots(task.slots)]
    return list(dict.fromkeys(found))


def placed(utterances: list[TaggedUtterance], domain: Domain, seed: int, *,
           added: bool = True) -> list[TaggedUtterance]:
    """Each utterance in a state drawn for it, and (with `added`) values said alone after a slot's question and
    each yes and no with thanks after a question it answers."""
    rng = random.Random(seed)
    asked = asked_slots(domain)
    questions = [Expectation(kind="slot", slot=slot) for slot in asked] + [YES_NO, CHOICE]
    out = []
    for utterance in utterances:
        state = _state(utterance, domain, asked, questions, rng)
        out.append(dataclasses.replace(utterance, context=state.words() if state else ()))
    if added and ENTITY_ONLY_INTENT in domain.intents:
        out += _bare_values(utterances, domain, asked, rng)
    if added:
        out += _thanked(utterances, domain, rng)
    return out


def _thanked(utterances: list[TaggedUtterance], domain: Domain, rng: random.Random) -> list[TaggedUtterance]:
    """Each yes and no with thanks before or after it, after a question it answers."""
    out = []
    for utterance in utterances:
        if domain.yes_or_no(utterance.intent) is None or not utterance.words:
            continue
        thanks = tuple(word.text for word in split_words(rng.choice(THANKS)))
        if rng.random() < 0.5:
            ends = len(utterance.words) - (not utterance.words[-1][0].isalnum())  # "yes, please." -> "yes, please"
            words = (*utterance.words[:ends], ",", *thanks)
            tags = (*utterance.tags[:ends], *[OUTSIDE] * (len(thanks) + 1))
        else:
            words, tags = (*thanks, ",", *utterance.words), (*[OUTSIDE] * (len(thanks) + 1), *utterance.tags)
        state = CHOICE if rng.random() < CHOICE_SHARE else YES_NO
        out.append(TaggedUtterance(words, tags, utterance.intent, state.words()))
    return out


def _state(utterance: TaggedUtterance, domain: Domain, asked: list[str], questions: list[Expectation],
           rng: random.Random) -> Expectation | None:
    if rng.random() < ANSWERING:
        if domain.yes_or_no(utterance.intent) is not None:
            return CHOICE if rng.random() < CHOICE_SHARE else YES_NO
        given = [slot for slot in dict.fromkeys(tag[2:] for tag in utterance.tags if tag != OUTSIDE)
                 if slot in asked]
        if utterance.intent == ENTITY_ONLY_INTENT and given:
            return Expectation(kind="slot", slot=rng.choice(given))
    return rng.choice(questions) if questions and rng.random() < ASIDE else None


def _bare_values(utterances: list[TaggedUtterance], domain: Domain, asked: list[str],
                 rng: random.Random) -> list[TaggedUtterance]:
    """Values said alone after each asked slot's question (see the module's docstring)."""
    values: dict[str, set[tuple[str, ...]]] = {slot: set() for slot in domain.slots}
    for utterance in utterances:
        for slot, words in runs(utterance):
            if slot in values:
                values[slot].add(words)
    kinds = {slot: slot_type(spec).name for slot, spec in domain.slots.items()}
    normaliser = EntityNormaliser(domain)

    def reads(slot: str, words: tuple[str, ...]) -> bool:
        return kinds[slot] in ANY_WORDS or normaliser.normalise(slot, " ".join(words), NOW)[1]

    out = []
    for slot in asked:
        context = Expectation(kind="slot", slot=slot).words()
        others = sorted((other, words) for other, found in values.items() if other != slot
                        for words in found - values[slot] if kinds[other] not in ANY_WORDS)
        numbers = sorted({words for _, words in others if kinds[slot] not in ANY_WORDS and len(words) == 1
                          and _number(words[0], domain.settings.language) and reads(slot, words)})
        elsewhere = [(other, words) for other, words in _some(others, 10 * BARE_VALUES, rng)
                     if not reads(slot, words)]
        chosen = [(slot, words) for words in _some(sorted(values[slot]), BARE_VALUES, rng)]
        chosen += [(slot, words) for words in _some(numbers, BARE_VALUES, rng)]
        chosen += elsewhere[:BARE_VALUES // 2]
        for tagged, words in chosen:
            tags = (f"B-{tagged}", *[f"I-{tagged}"] * (len(words) - 1))
            out.append(TaggedUtterance(words, tags, ENTITY_ONLY_INTENT, context))
    return out


def _some(items: list, count: int, rng: random.Random) -> list:
    return rng.sample(items, min(count, len(items)))


def _number(word: str, language: str) -> bool:
    try:
        read_number(word, language)
    except ValueError:
        return False
    return True
