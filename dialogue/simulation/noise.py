"""Noise on user text: ASR-style word drops, substitutions and homophones, typos, and lost case and
punctuation, each at a rate. Slot spans follow the words they cover, so the labels stay true."""

from __future__ import annotations

import random
import string

from dialogue.nlu.text import split_words
from dialogue.simulation.utterances import Utterance

HOMOPHONES = {
    "to": "two", "two": "to", "too": "two", "for": "four", "four": "for", "eight": "ate", "ate": "eight",
    "one": "won", "won": "one", "right": "write", "write": "right", "no": "know", "know": "no", "hi": "high",
    "by": "buy", "buy": "by", "there": "their", "their": "there", "here": "hear", "hear": "here", "our": "hour",
    "hour": "our", "wait": "weight", "week": "weak", "new": "knew", "sun": "son", "meet": "meat", "pay": "pei",
    "card": "cart", "bill": "build", "mum": "mom", "data": "dater", "table": "cable", "book": "look",
}
FILLERS = ["uh", "um", "the", "a", "and", "so"]


class Noise:
    """Corrupts an utterance at `rate`: each word is dropped, swapped or mistyped with that chance,
    and the whole text loses its case and punctuation with that chance."""

    def __init__(self, rate: float):
        if not 0 <= rate <= 1:
            raise ValueError(f"a noise rate is between 0 and 1, not {rate}")
        self.rate = rate

    def apply(self, utterance: Utterance, rng: random.Random) -> Utterance:
        if self.rate == 0:
            return utterance
        words = split_words(utterance.text)
        pieces: list[tuple[str, str | None, bool]] = []  # (text, slot, space after)
        for index, word in enumerate(words):
            slot = next((s[2] for s in utterance.spans if s[0] <= word.start and word.end <= s[1]), None)
            space = index + 1 < len(words) and words[index + 1].start > word.end
            text = word.text
            if text[0].isalnum() and rng.random() < self.rate:
                kind = rng.choice(["drop", "swap", "typo"])
                if kind == "drop" and len(words) > 1:
                    continue
                text = _swap(text, rng) if kind == "swap" else _typo(text, rng)
            pieces.append((text, slot, space))
        if rng.random() < self.rate:
            pieces = [(text.lower(), slot, space) for text, slot, space in pieces
                      if not all(c in string.punctuation for c in text)]
            pieces = [(text, slot, True) for text, slot, _ in pieces]
        return _rebuild(utterance, pieces)


def _swap(word: str, rng: random.Random) -> str:
    """A homophone when there is one, else a filler word heard instead."""
    return HOMOPHONES.get(word.lower(), rng.choice(FILLERS))


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word + word
    i = rng.randrange(len(word) - 1)
    kind = rng.choice(["swap", "drop", "double", "near"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiounrst") + word[i + 1:]


def _rebuild(utterance: Utterance, pieces: list[tuple[str, str | None, bool]]) -> Utterance:
    text, spans = "", []
    for index, (piece, slot, space) in enumerate(pieces):
        start = len(text)
        text += piece
        if slot is not None:
            if spans and spans[-1][2] == slot and index and pieces[index - 1][1] == slot:
                spans[-1] = (spans[-1][0], len(text), slot)
            else:
                spans.append((start, len(text), slot))
        if space and index + 1 < len(pieces):
            text += " "
    lost = {slot for _, _, slot in utterance.spans} - {slot for _, _, slot in spans}
    meant = {slot: value for slot, value in utterance.values.items() if slot not in lost}  # words not heard
    return Utterance(text.strip() or utterance.text, utterance.intent, meant, spans)
