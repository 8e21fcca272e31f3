"""The grounding check: an LLM's answer from passages goes out only if what it states is in the passages.

Checked, after the citations are taken out:

- every token holding a digit (numbers, prices, times, dates, codes) is in the passages as written;
- every name (a capitalised word that does not start a sentence) is in the passages;
- each sentence says something one passage says: at least GROUNDED_SHARE of its content words (not stop words,
  compared by a crude stem, so "resets" matches "reset") are words of one passage, so that a sentence cannot
  join a fact of one passage to a fact of another.

It is lexical on purpose: it cannot tell a faithful paraphrase with new words from an invention, so it refuses
both, and the turn falls back to the deterministic `no_answer`.
"""

from __future__ import annotations

import re
from functools import cache

GROUNDED_SHARE = 0.75
"""Of a sentence's content words, the share that must be the passages' words."""
CITATION = re.compile(r"\s*\[(?:[^\[\]\s]+)\]")
"""A citation the prompt asks for: `[1]`, `[guide.md#lights-1]`."""
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_DIGITS = re.compile(r"[\w:/.,£$€%-]*\d[\w:/.,£$€%-]*")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def uncited(answer: str) -> str:
    """The answer without its citations."""
    return " ".join(CITATION.sub("", answer).split())


def ungrounded(answer: str, passages: list[str], language: str = "en") -> str | None:
    """Why the answer is not grounded in the passages (None when it is)."""
    text = uncited(answer)
    source = " ".join(passages)
    source_words = {_stem(word) for word in _words(source)}
    each_passage = [{_stem(word) for word in _words(passage)} for passage in passages]
    source_tokens = {_token(token) for token in _DIGITS.findall(source)}
    for token in _DIGITS.findall(text):
        if _token(token) and _token(token) not in source_tokens:
            return f"'{token.strip('.,')}' is not in the passages"
    stop = _stop_words(language)
    for sentence in _SENTENCE.split(text):
        words = _words(sentence)
        for word in words[1:]:
            if word[0].isupper() and word.casefold() not in stop and _stem(word) not in source_words:
                return f"the name '{word}' is not in the passages"
        content = [_stem(word) for word in words if word.casefold() not in stop and len(word) > 2]
        if not content:
            continue
        best = max(each_passage, key=lambda words: sum(word in words for word in content), default=set())
        if sum(word in best for word in content) < GROUNDED_SHARE * len(content):
            missing = sorted({word for word in content if word not in best})
            return f"the sentence '{sentence.strip()[:80]}' says what no passage does ({', '.join(missing[:4])})"
    return None


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _stem(word: str) -> str:
    word = word.casefold().replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def _token(token: str) -> str:
    return token.casefold().strip(".,:-")


@cache
def _stop_words(language: str) -> frozenset[str]:
    import spacy.util

    try:
        return frozenset(spacy.util.get_lang_class(language.split("-")[0]).Defaults.stop_words)
    except ImportError:  # a language spaCy does not have: every word counts
        return frozenset()
