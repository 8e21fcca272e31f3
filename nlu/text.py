"""Text as the model sees it: cleaned the same way in training and serving, and split into words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"\w+|[^\w\s]")
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


def clean(text: str) -> str:
    """NFKC-normalised text with control and format characters (bidi overrides...) turned into spaces."""
    text = unicodedata.normalize("NFKC", text)
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") else c for c in text)
    return " ".join(kept.split())


def split_words(text: str) -> list[Word]:
    """Words and punctuation marks, one each; CJK characters stand alone (as BERT's tokenizer has them)."""
    spaced = _CJK.sub(r" \1 ", text)
    if spaced == text:
        return [Word(m[0], m.start(), m.end()) for m in _WORD.finditer(text)]
    words, position = [], 0
    for match in _WORD.finditer(spaced):
        start = text.index(match[0], position)
        words.append(Word(match[0], start, start + len(match[0])))
        position = start + len(match[0])
    return words
