"""Where a message is cut into clauses: at sentence ends, before a joined question or request, between a no and a
leave-taking."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.nlu.clauses import clauses


@pytest.mark.parametrize(("text", "pieces"), [
    ("Yes please, and what's their phone number?", ["Yes please", "what's their phone number?"]),
    ("That one sounds good. Can you give me their number?", ["That one sounds good.", "Can you give me their number?"]),
    ("book it and also can you tell me the address", ["book it", "can you tell me the address"]),
    ("No thanks! Bye", ["No thanks!", "Bye"]),
    ("sure, but when do you close?", ["sure", "when do you close?"]),
    ("Good, what is the number?", ["Good", "what is the number?"]),  # a comma before a question word
    ("Sounds good.Tell me their address.", ["Sounds good.", "Tell me their address."]),  # no space after the stop
    ("Yes, please book it", ["Yes, please book it"]),  # a comma before a request: one thing
    ("it is 4.5 stars", ["it is 4.5 stars"]),
    ("fish and chips for two", ["fish and chips for two"]),
    ("a table at 7.30 for 4", ["a table at 7.30 for 4"]),
    ("between 5 and 7 please", ["between 5 and 7 please"]),
    ("yes...", ["yes..."]),
    ("flights from st. louis to burbank", ["flights from st. louis to burbank"]),
    ("the U.S. office please", ["the U.S. office please"]),
    ("which movies are playing and when", ["which movies are playing and when"]),
    ("at 7 p.m. Is that ok?", ["at 7 p.m. Is that ok?"]),
    ("At 7. Is that ok?", ["At 7.", "Is that ok?"]),
    ("No. At 7 pm. Is that ok?", ["No.", "At 7 pm.", "Is that ok?"]),
    ("", [""]),
    ("sorry, what was the reference again?", ["sorry, what was the reference again?"]),  # an interjection alone
    ("Hmm. What do you have?", ["Hmm. What do you have?"]),
    ("sorry, no. What times are free?", ["sorry, no.", "What times are free?"]),
    ("no thanks, that's all", ["no thanks", "that's all"]),  # a no alone, then a leave-taking
    ("Nope,bye", ["Nope", "bye"]),
    ("Good, that's all I need now.", ["Good, that's all I need now."]),  # a yes and a goodbye: one thing
    ("No, nothing else", ["No, nothing else"]),
])
def test_a_message_is_cut_where_it_says_another_thing(text: str, pieces: list[str]) -> None:
    assert [text[start:end] for start, end in clauses(text)] == pieces


def test_a_message_in_another_language_stays_whole() -> None:
    text = "Oui. Et quand ouvrez-vous ?"
    assert clauses(text, "fr") == [(0, len(text))]


@given(st.lists(st.sampled_from(list("ab ,.?!;") + ["and ", "what ", "can "]), max_size=30).map("".join))
def test_the_clauses_are_in_order_and_each_holds_a_word(text: str) -> None:
    ranges = clauses(text)
    assert ranges == sorted(ranges) and all(end <= start for (_, end), (start, _) in pairwise(ranges))
    assert len(ranges) == 1 or all(any(c.isalnum() for c in text[start:end]) for start, end in ranges)
