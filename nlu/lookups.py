"""Names from the domain's tables in what the user said: a text slot with a `lookup` column knows that column's
values, so a name the model never saw in training ("Ad Astra", "Golden Dragon Palace") is found when it is said,
whole, misspelt a little, or shortened to its first words ("Golden Dragon").

A name found this way is the slot's value, unless the model's own value for the slot is a name of the column too;
said as the name or one of its forms, it also drops other values the model found in its words ("two" of "IT two").
Names of three characters or fewer count only when said exactly, in the same case ("IT", not "it"). Where the
text names none of the column's values, a value the model found that is one word in lower case is dropped ("would
lke 3 tickets": "lke" is no film); one said with a capital or in several words stays, a name the list may lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from dialogue.domains.interpretation import EntitySpan, Interpretation
from dialogue.nlu.imports import without_torch
from dialogue.nlu.text import Word, split_words

SCORE = 85.0
"""How close (0-100, rapidfuzz's ratio) some run of the user's words must be to a name."""
EXACT = 95.0
"""A name found this close wins over the values the model found in its words."""
WORD_SCORE = 75.0
"""How close the first and the last word of such a run must be to a word of the name."""
_LEADING = {"the", "a", "an"}
_DETERMINERS = _LEADING | {"this", "that", "these", "those", "their", "its", "my", "your", "our", "some", "any"}
_SEQUEL = {"chapter", "part", "episode", "volume", "vol"}
_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
            "nine": "9", "ten": "10", "ii": "2", "iii": "3", "iv": "4"}


@dataclass(frozen=True)
class Named:
    value: str
    start: int
    end: int
    score: float


def find_name(text: str, names: Iterable[str]) -> Named | None:
    """The one name the text says best (None if none is said, or two equally well)."""
    words = split_words(text)
    heard = {word.text.lower() for word in words}
    found = [named for name in names if (len(name) <= 3 or heard & _content(name))
             and (named := _said(text, words, name)) is not None]
    if not found:
        return None
    best = max(found, key=_rank)
    return None if any(_rank(named) == _rank(best) and named.value != best.value for named in found) else best


def _rank(named: Named) -> tuple[float, int]:
    """The closest name first, then the one said with more characters."""
    return named.score, named.end - named.start


def looked_up(understood: Interpretation, names: dict[str, list[str]]) -> Interpretation:
    """The interpretation with the names its text says (`names`: slot -> its column's values), for each thing
    the message asked for."""
    entities, spans = dict(understood.entities), list(understood.spans)
    for slot, known in names.items():
        if entities.get(slot) in known or not understood.text:
            continue
        named = find_name(understood.text, known)
        if named is None:
            if known and _stray(entities.get(slot)):  # "would lke 3 tickets": "lke" is no film
                entities.pop(slot)
                spans = [span for span in spans if span.slot != slot]
            continue
        crossed = [span for span in spans if span.slot != slot and span.start < named.end and named.start < span.end]
        if crossed and named.score < EXACT:
            continue  # a name said only nearly, across another value: the other value stands
        for span in crossed:  # "two" of "IT two" is no head count; another value of its slot stands
            left = [other for other in spans if other.slot == span.slot and other not in crossed]
            if left:
                entities[span.slot] = left[0].value
            else:
                entities.pop(span.slot, None)
        entities[slot] = named.value
        spans = [span for span in spans if span.slot != slot and span not in crossed] + [EntitySpan(
            slot=slot, text=understood.text[named.start:named.end], value=named.value, start=named.start,
            end=named.end, normalised=True, source="gazetteer")]
    return understood.model_copy(update={"entities": entities, "spans": spans,
                                         "also": [looked_up(thing, names) for thing in understood.also]})


def _stray(value: object) -> bool:
    """Whether a value the model found is one word in lower case ("far", "lke"), or words in lower case after an
    article or a determiner, which describe rather than name ("the hair shop", "this place"): where the slot's
    list names none of the text, not taken as a name the list lacks."""
    if not isinstance(value, str) or not value.islower():
        return False
    words = value.split()
    return len(words) == 1 or words[0] in _DETERMINERS


def _said(text: str, words: list[Word], name: str) -> Named | None:
    """Where the text says the name best, if well enough."""
    wanted = list(_words_of(name))
    if not wanted:
        return None
    if len(name) <= 3:
        at = _exact(text, name)
        return None if at is None else Named(name, at, at + len(name), 100.0)
    said = [word for word in words if word.text.isalnum()]
    bare = wanted[1:] if wanted[0] in _LEADING and len(wanted) > 1 else wanted
    forms = _forms(name)
    targets = {" ".join(form) for form in forms}
    prefix = bare if len(bare) > 1 else wanted
    best: Named | None = None
    best_key = (0.0, 0)
    sizes = {max(1, len(wanted) - 1), len(wanted), len(wanted) + 1, *range(2, min(len(prefix), 7)), *map(len, forms)}
    for size in sorted(sizes):
        for i in range(len(said) - size + 1):
            run = said[i:i + size]
            spoken = [word.text.lower() for word in run]
            score = max(fuzz.ratio(" ".join(spoken), target) for target in targets) \
                if _ends_belong(spoken, [word for form in forms for word in form]) and _cased(run, name) else 0.0
            if 2 <= size < len(prefix) and spoken == prefix[:size] and spoken[0] not in _LEADING:
                score = max(score, SCORE)  # the name's first words: a short form
            if score >= SCORE and (score, size) > best_key:  # the closest, then the longest
                best, best_key = Named(name, run[0].start, run[-1].end, score), (score, size)
    return best


@lru_cache(maxsize=8192)
def _forms(name: str) -> tuple[tuple[str, ...], ...]:
    """The ways people say a name, as lowercased words: whole; without a leading article ("Farewell"); its title
    without the subtitle after a colon or a dash ("Fiddler" for "Fiddler: A Miracle of Miracles"); and a sequel's
    number without "chapter" or "part", as a word, a digit or a digit joined on ("IT two", "IT 2", "IT2" for "IT
    Chapter Two")."""
    wanted = _words_of(name)
    main = _words_of(re.split(r"\s*:\s*|\s+[-–—]\s+", name, maxsplit=1)[0])
    forms = {wanted, main}
    for words in (wanted, main):
        for at in range(1, len(words) - 1):
            number = _NUMBERS.get(words[at + 1], words[at + 1])
            if words[at] in _SEQUEL and number.isdigit() and at + 2 == len(words):
                title = words[:at]
                forms |= {(*title, words[at + 1]), (*title, number), (*title[:-1], title[-1] + number)}
    forms |= {form[1:] for form in forms if len(form) > 1 and form[0] in _LEADING}
    return tuple(form for form in forms if form and len(" ".join(form)) >= 3)


def _cased(run: list[Word], name: str) -> bool:
    """A name whose first word is short ("IT") is said only in the name's case, and a name said as one stop word,
    or as one word of its several, only with a capital ("After", not "I'm after a film"; "Load" for "The Load",
    not "a real load off"; "shazam" is "Shazam!")."""
    head, first = name.split()[0], run[0].text
    if len(run) == 1 and first.islower() and (first in _stop_words() or len(_words_of(name)) > 1):
        return False
    return len(head) > 3 or not head.isupper() or first.startswith(head)


def _ends_belong(spoken: list[str], wanted: list[str]) -> bool:
    """Whether the run's first and last words are words of the name, near enough: "Golden Dragon please" does
    not say "Golden Dragon Palace", though the two runs are close as a whole."""
    return all(max(fuzz.ratio(word, other) for other in wanted) >= WORD_SCORE for word in (spoken[0], spoken[-1]))


@lru_cache(maxsize=8192)
def _content(name: str) -> frozenset[str]:
    """The words of the name's forms but the leading articles: a text that says none of them does not say the name
    (a quick test before the fuzzy one)."""
    return frozenset(word for form in _forms(name) for word in form) - _LEADING


@lru_cache(maxsize=8192)
def _words_of(name: str) -> tuple[str, ...]:
    """The name's words, lowercased, without punctuation (kept: the same names come back every turn)."""
    return tuple(word.text.lower() for word in split_words(name) if word.text.isalnum())


def _exact(text: str, name: str) -> int | None:
    """Where the text says a short name as a word of its own, in the same case."""
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(name)] if at + len(name) < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return at
        at = text.find(name, at + 1)
    return None


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """spaCy's English stop words, imported at the first use (spaCy takes most of a second to import, and only
    text needs it)."""
    with without_torch():  # as in entities.py: spaCy's thinc would import torch
        from spacy.lang.en.stop_words import STOP_WORDS
    return frozenset(STOP_WORDS)
