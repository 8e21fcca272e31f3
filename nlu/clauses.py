"""Where one message says two things: "Yes please, and what time do you open?" answers, then asks.

A message is cut where a sentence ends (a full stop with no space after it too: "Sounds good.Tell me"), before
"and", "but", "also" or "plus" when a question or a request follows ("..., and what's their number?", "... and can
you book it?"), at a comma before a question word ("Good, what is the number?") and at the comma between a no alone
and a leave-taking ("No thanks, that's all"), but after an interjection alone ("sorry, what was the reference?").
Each piece is understood on its own; the understander keeps the cuts only where the pieces ask for different things.
English word lists; a message in another language stays whole.
"""

from __future__ import annotations

import re

_OPENERS = ("what|what's|whats|when|where|which|who|whose|how|why|is|are|was|were|do|does|did|can|could|would|"
            "will|shall|should|may|might|please|tell|give|let|i'd|i'll|i want|i need|i would")
_QUESTION_WORDS = "what|what's|whats|when|where|which|who|whose|how|why"
_NO = r"(?:no|nope|nah|no thanks|no thank you|not now|not at the moment|not right now)"
_LEAVE_TAKING = "that's all|thats all|that is all|that'll be all|that will be all|i'm done|i am done|bye|goodbye"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)|(?<=[a-z][.!?;])(?=[A-Z][a-z])")  # "Sounds good.Tell me"
_JOINED = re.compile(rf"(?:,\s*|\s+)(?:and|but|also|plus)(?:\s+also)?\s+(?=(?:{_OPENERS})\b\W*\w)|"
                     rf",\s*(?=(?:{_QUESTION_WORDS})\b\W*\w)", re.IGNORECASE)
_NO_THEN_LEAVING = re.compile(rf"\W*(?:{_NO})(\s*,\s*)(?:{_LEAVE_TAKING})\b", re.IGNORECASE)
"""A no alone, a comma, then a leave-taking ("No thanks, that's all"): the no answers, then the user leaves."""
_HEDGE = re.compile(r"\b(?:maybe|possibly|perhaps|might|may (?:be|work|do))\b", re.IGNORECASE)
_WORD = re.compile(r"\w")
_INTERJECTION = re.compile(r"\W*(?:sorry|pardon|excuse me|hmm+|um+|uh+|erm|er|well|oh|so|hey)\W*", re.IGNORECASE)
"""A first clause that says nothing of its own: it goes with the next one."""
_LAST_WORD = re.compile(r"(\w+)\.$")
_ABBREVIATIONS = {"st", "mr", "mrs", "ms", "dr", "jr", "sr", "mt", "ft", "ave", "rd", "blvd", "vs", "etc",
                  "approx", "dept", "inc", "ltd", "co"}
"""Words whose full stop ends no sentence ("St. Louis"); so does a single letter's ("U.S.", "e.g.")."""


def clauses(text: str, language: str = "en") -> list[tuple[int, int]]:
    """The (start, end) character ranges of the message's clauses, in order; one range for the whole text when
    it says one thing (or is not English). A range holds at least one word; the joining word is in none."""
    if language != "en":
        return [(0, len(text))]
    cuts = sorted([(m.start(), m.end()) for m in _SENTENCE_END.finditer(text) if _ends_sentence(text[:m.start()])]
                  + [(m.start(), m.end()) for m in _JOINED.finditer(text)]
                  + [m.span(1) for m in [_NO_THEN_LEAVING.match(text)] if m is not None])
    ranges, start = [], 0
    for cut_start, cut_end in cuts:
        if cut_start >= start:
            ranges.append((start, cut_start))
            start = cut_end
    ranges.append((start, len(text)))
    ranges = [(a, b) for a, b in ranges if _WORD.search(text, a, b)] or [(0, len(text))]
    if len(ranges) > 1 and _INTERJECTION.fullmatch(text[ranges[0][0]:ranges[0][1]]):
        ranges[:2] = [(ranges[0][0], ranges[1][1])]  # "sorry, what was the reference?" asks one thing
    return ranges


def _ends_sentence(before: str) -> bool:
    """Whether the mark that ends `before` ends a sentence: not the full stop of an abbreviation."""
    found = _LAST_WORD.search(before[-12:])
    word = found[1] if found else ""
    return not ((len(word) == 1 and word.isalpha()) or word.lower() in _ABBREVIATIONS)


def hedged(clause: str) -> bool:
    """Whether the clause hedges ("Possibly.", "That may work."): a yes that commits to nothing."""
    return _HEDGE.search(clause) is not None
