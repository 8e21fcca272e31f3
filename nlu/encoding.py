"""Words to word pieces and back: the alignment training and serving share."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Encoding, Tokenizer

IGNORE = -100
"""Label of word pieces that are not the first piece of a word (and of special tokens)."""


def load_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_tokens)
    return tokenizer


def first_pieces(encoding: Encoding, words: int) -> list[int]:
    """For each word, the position of its first word piece (-1 if truncation cut the word off)."""
    first = [-1] * words
    for position, word in enumerate(encoding.word_ids):
        if word is not None and first[word] == -1:
            first[word] = position
    return first


def piece_labels(encoding: Encoding, word_labels: list[int]) -> list[int]:
    """A label per word piece: the word's label on its first piece, IGNORE elsewhere."""
    labels = [IGNORE] * len(encoding.ids)
    for word, position in enumerate(first_pieces(encoding, len(word_labels))):
        if position >= 0:
            labels[position] = word_labels[word]
    return labels
