"""Whether a value was asked about rather than given: "Is there parking?" asks, "with parking" gives.

A yes/no feature said inside a question ("does it have laundry service?", "tell me if pets are allowed") is a
request for it, not an answer: the slot stays as it was. A request to the assistant ("can you find one with
parking?") still gives the value. English word lists; other languages read every feature as given.
"""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"[^.!?;]+[.!?;]*")
_AUXILIARIES = {"is", "are", "was", "were", "does", "do", "did", "has", "have", "had", "will", "would", "can",
                "could", "should", "may", "might", "isn't", "aren't", "doesn't", "don't", "won't"}
_FILLERS = {"and", "also", "so", "but", "oh", "ok", "okay", "yes", "yeah", "then", "great", "perfect", "sure"}
_TO_THE_ASSISTANT = {"you", "u", "ya"}
_EMBEDDED = re.compile(r"\b(?:if|whether)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w']+")
_QUESTION_WORDS = {"what", "what's", "whats", "when", "where", "which", "who", "whose", "how", "why"}
_YESES = {"yes", "yeah", "ok", "okay", "great", "perfect", "sure"}
_PICKS = {"about", "not"}
"""Words after a question word that make no question: "how about the first one?", "why not?" pick and agree."""


def asked_about(text: str, start: int, end: int, language: str = "en") -> bool:
    """Whether the span text[start:end] sits in a question about it: its clause asks it ("is there ...", "does it
    ...", "... laundry service?") or holds it after "if" or "whether". A question to the assistant ("can you ...")
    is a request and gives the value."""
    if language != "en":
        return False
    clause = next((m for m in _CLAUSE.finditer(text) if m.start() <= start and end <= m.end()), None)
    if clause is None:
        return False
    if _EMBEDDED.search(text, clause.start(), start):
        return True
    words = [w.lower() for w in _WORD.findall(clause.group())]
    while len(words) > 2 and words[0] in _FILLERS:
        words = words[1:]
    if words and words[0] in _AUXILIARIES:
        return len(words) > 1 and words[1] not in _TO_THE_ASSISTANT
    return clause.group().rstrip().endswith("?")


def asks(text: str, language: str = "en") -> bool:
    """Whether the text asks about something rather than answering: it ends with a question mark, and its first
    word (after fillers such as "so", but no yes: "yes, is it free?" answers too) is an auxiliary with no "you"
    after it ("is it furnished?", "are pets allowed?") or a question word ("what is their number?"). A request to
    the assistant ("can you book it?") and a pick ("how about the second?") ask nothing."""
    if language != "en" or not text.rstrip().endswith("?"):
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    while len(words) > 2 and words[0] in _FILLERS - _YESES:
        words = words[1:]
    if len(words) < 2:
        return False
    if words[0] in _AUXILIARIES:
        return words[1] not in _TO_THE_ASSISTANT
    return words[0] in _QUESTION_WORDS and words[1] not in _PICKS
