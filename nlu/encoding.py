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


def encode(tokenizer: Tokenizer, batch: list[list[str]], contexts: list[tuple[str, ...]] | None = None) \
        -> list[Encoding]:
    """Utterances (as words) in word pieces, each followed by its context's words, when it has any, as a second
    segment ("[CLS] eight [SEP] asked party size [SEP]")."""
    if contexts is None:
        return tokenizer.encode_batch(batch, is_pretokenized=True)
    return tokenizer.encode_batch([(words, list(context)) if context else words
                                   for words, context in zip(batch, contexts)], is_pretokenized=True)


def first_pieces(encoding: Encoding, words: int) -> list[int]:
    """For each word of the utterance, the position of its first word piece (-1 if truncation cut the word off);
    the context's words are none of them."""
    first = [-1] * words
    for position, (word, segment) in enumerate(zip(encoding.word_ids, encoding.sequence_ids)):
        if word is not None and segment == 0 and first[word] == -1:
            first[word] = position
    return first


def piece_labels(encoding: Encoding, word_labels: list[int]) -> list[int]:
    """A label per word piece: the word's label on its first piece, IGNORE elsewhere."""
    labels = [IGNORE] * len(encoding.ids)
    for word, position in enumerate(first_pieces(encoding, len(word_labels))):
        if position >= 0:
            labels[position] = word_labels[word]
    return labels
