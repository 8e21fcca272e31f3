"""Words to word pieces with the dialogue state after them (dialogue.nlu.encoding)."""

from __future__ import annotations

from dialogue.nlu.encoding import IGNORE, encode, first_pieces, load_tokenizer, piece_labels
from dialogue.nlu.model import encoder_folder

TOKENIZER = load_tokenizer(encoder_folder(None) / "tokenizer.json", 128)


def test_the_context_follows_the_message_as_a_second_segment() -> None:
    alone, placed = encode(TOKENIZER, [["eight"], ["eight"]], [(), ("asked", "party", "size")])
    assert alone.tokens == ["[CLS]", "eight", "[SEP]"]
    assert placed.tokens == ["[CLS]", "eight", "[SEP]", "asked", "party", "size", "[SEP]"]


def test_only_the_messages_words_get_pieces_and_labels() -> None:
    encoding = encode(TOKENIZER, [["two", "people"]], [("asked", "party", "size")])[0]
    assert first_pieces(encoding, 2) == [1, 2]
    assert piece_labels(encoding, [5, 0]) == [IGNORE, 5, 0] + [IGNORE] * 5


def test_without_contexts_the_message_is_encoded_alone() -> None:
    assert encode(TOKENIZER, [["hello"]])[0].tokens == ["[CLS]", "hello", "[SEP]"]
