"""Names from the domain's tables in what the user said: a text slot with a `lookup` column knows that column's
values, so a name the model never saw in training ("Ad Astra", "Golden Dragon Palace") is found when it is said,
whole, misspelt a little, or shortened to its first words ("Golden Dragon").

A name found this way is the slot's value, unless the model's own value for the slot is a name of the column too.
Names of three characters or fewer count only when said exactly, in the same case ("IT", not "it").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from dialogue.domains.interpretation import EntitySpan, Interpretation
from dialogue.nlu.text import Word, split_words

SCORE = 85.0
"""How close (0-100, rapidfuzz's ratio) some run of the user's words must be to a name."""
WORD_SCORE = 75.0
"""How close the first and the last word of such a run must be to a word of the name."""
_LEADING = {"the", "a", "an"}


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
            continue
        entities[slot] = named.value
        spans = [span for span in spans if span.slot != slot] + [EntitySpan(
            slot=slot, text=understood.text[named.start:named.end], value=named.value, start=named.start,
            end=named.end, normalised=True, source="gazetteer")]
    return understood.model_copy(update={"entities": entities, "spans": spans,
                                         "also": [looked_up(thing, names) for thing in understood.also]})


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
    targets = {" ".join(wanted), " ".join(bare)}
    prefix = bare if len(bare) > 1 else wanted
    best: Named | None = None
    best_key = (0.0, 0)
    for size in sorted({max(1, len(wanted) - 1), len(wanted), len(wanted) + 1, *range(2, min(len(prefix), 7))}):
        for i in range(len(said) - size + 1):
            run = said[i:i + size]
            spoken = [word.text.lower() for word in run]
            score = max(fuzz.ratio(" ".join(spoken), target) for target in targets) \
                if _ends_belong(spoken, wanted) else 0.0
            if 2 <= size < len(prefix) and spoken == prefix[:size] and spoken[0] not in _LEADING:
                score = max(score, SCORE)  # the name's first words: a short form
            if score >= SCORE and (score, size) > best_key:  # the closest, then the longest
                best, best_key = Named(name, run[0].start, run[-1].end, score), (score, size)
    return best


def _ends_belong(spoken: list[str], wanted: list[str]) -> bool:
    """Whether the run's first and last words are words of the name, near enough: "Golden Dragon please" does
    not say "Golden Dragon Palace", though the two runs are close as a whole."""
    return all(max(fuzz.ratio(word, other) for other in wanted) >= WORD_SCORE for word in (spoken[0], spoken[-1]))


def _content(name: str) -> set[str]:
    """The name's words but the leading articles: a text that says none of them does not say the name (a quick
    test before the fuzzy one)."""
    return set(_words_of(name)) - _LEADING


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
