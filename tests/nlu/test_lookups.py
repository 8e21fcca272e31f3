"""Names from the domain's tables found in what the user said."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.domains.interpretation import EntitySpan, Interpretation
from dialogue.nlu.lookups import find_name, looked_up

MOVIES = ["Ad Astra", "IT", "The Lord of the Rings: The Return of the King", "Golden Dragon Palace", "The Farewell",
          "Toy Story 4", "After The Wedding"]


@pytest.mark.parametrize(("text", "name", "said"), [
    ("I'd like to see Ad Astra tonight", "Ad Astra", "Ad Astra"),
    ("two for ad astro please", "Ad Astra", "ad astro"),                      # a near spelling
    ("a table at Golden Dragon please", "Golden Dragon Palace", "Golden Dragon"),  # its first words
    ("I wish to see The Lord of the Rings at 6", "The Lord of the Rings: The Return of the King", "Lord of the Rings"),
    ("tickets for the movie Farewell.", "The Farewell", "Farewell"),           # without its article
    ("tickets for Toy Story Four", "Toy Story 4", "Toy Story"),
    ("I want IT in imax", "IT", "IT"),
])
def test_a_name_is_found_as_people_say_it(text: str, name: str, said: str) -> None:
    found = find_name(text, MOVIES)
    assert found is not None and (found.value, text[found.start:found.end]) == (name, said)


@pytest.mark.parametrize("text", ["I want to see it", "the wedding was lovely", "a golden evening", "hello",
                                  "", "The the the"])
def test_words_that_only_touch_a_name_are_no_name(text: str) -> None:
    assert find_name(text, MOVIES) is None


def test_two_names_said_equally_well_are_neither() -> None:
    assert find_name("Golden Dragon please", ["Golden Dragon Palace", "Golden Dragon Garden"]) is None


def test_a_found_name_replaces_a_cut_value_and_keeps_one_from_the_table() -> None:
    cut = Interpretation(intent="buy", text="see Ad Astra", entities={"movie": "Ad"}, source="nlu", spans=[
        EntitySpan(slot="movie", text="Ad", value="Ad", start=4, end=6, normalised=True, source="model")],
        also=[Interpretation(intent="ask_times", text="when is After The Wedding on?", source="nlu")])
    read = looked_up(cut, {"movie": MOVIES})
    assert read.entities == {"movie": "Ad Astra"} and [(s.text, s.source) for s in read.spans] == [
        ("Ad Astra", "gazetteer")]
    assert read.also[0].entities == {"movie": "After The Wedding"}
    right = cut.model_copy(update={"entities": {"movie": "IT"}, "also": []})
    assert looked_up(right, {"movie": MOVIES}) == right  # the model's value is a name: kept


@given(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=8))
def test_any_text_and_names_give_a_name_of_the_list_or_none(text: str, names: list[str]) -> None:
    found = find_name(text, names)
    assert found is None or (found.value in names and 0 <= found.start < found.end <= len(text))
