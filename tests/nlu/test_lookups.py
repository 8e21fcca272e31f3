"""Names from the domain's tables found in what the user said."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.domains.interpretation import EntitySpan, Interpretation
from dialogue.nlu.lookups import find_name, looked_up

MOVIES = ["Ad Astra", "IT", "IT Chapter Two", "The Lord of the Rings: The Return of the King", "Golden Dragon Palace",
          "The Farewell", "Toy Story 4", "After The Wedding", "Fiddler: A Miracle of Miracles", "Shaun Part Two",
          "After"]


@pytest.mark.parametrize(("text", "name", "said"), [
    ("I'd like to see Ad Astra tonight", "Ad Astra", "Ad Astra"),
    ("two for ad astro please", "Ad Astra", "ad astro"),                      # a near spelling
    ("a table at Golden Dragon please", "Golden Dragon Palace", "Golden Dragon"),  # its first words
    ("I wish to see The Lord of the Rings at 6", "The Lord of the Rings: The Return of the King",
     "The Lord of the Rings"),                                                # its title without the subtitle
    ("Fiddler is perfect.", "Fiddler: A Miracle of Miracles", "Fiddler"),
    ("two for Shaun two at 8", "Shaun Part Two", "Shaun two"),                 # a sequel by its number
    ("I'd like Shaun 2 in imax", "Shaun Part Two", "Shaun 2"),
    ("Shaun2 sounds great", "Shaun Part Two", "Shaun2"),
    ("two tickets for IT2", "IT Chapter Two", "IT2"),
    ("I'd like After please", "After", "After"),
    ("tickets for the movie Farewell.", "The Farewell", "Farewell"),           # without its article
    ("tickets for Toy Story Four", "Toy Story 4", "Toy Story"),
    ("I want IT in imax", "IT", "IT"),
])
def test_a_name_is_found_as_people_say_it(text: str, name: str, said: str) -> None:
    found = find_name(text, MOVIES)
    assert found is not None and (found.value, text[found.start:found.end]) == (name, said)


@pytest.mark.parametrize("text", ["I want to see it", "the wedding was lovely", "a golden evening", "hello",
                                  "", "The the the",
                                  "I'm after an imax film",          # a stop word said as a name only with a capital
                                  "see it two days from now"])      # a short first word only in the name's case
def test_words_that_only_touch_a_name_are_no_name(text: str) -> None:
    assert find_name(text, MOVIES) is None


def test_one_word_of_a_longer_name_is_said_with_a_capital() -> None:
    assert find_name("Thanks, that's a real load off", ["The Load"]) is None
    assert find_name("Two for Load tonight", ["The Load"]).value == "The Load"
    assert find_name("Two for the load tonight", ["The Load"]).value == "The Load"  # the name whole


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


def test_a_one_word_or_described_lower_case_value_that_names_nothing_in_the_list_is_dropped() -> None:
    def model_read(text: str, value: str) -> Interpretation:
        start = text.index(value)
        return Interpretation(intent="inform", text=text, entities={"movie": value, "tickets": 3}, source="nlu",
                              spans=[EntitySpan(slot="movie", text=value, value=value, start=start,
                                                end=start + len(value), normalised=True, source="model")])

    for text, value in [("on the 4th and would lke 3 tickets", "lke"), ("3 tickets at the cinema", "the cinema"),
                        ("3 tickets for this film", "this film")]:
        stray = looked_up(model_read(text, value), {"movie": MOVIES})
        assert stray.entities == {"tickets": 3} and stray.spans == []
    for text, value in [("3 tickets for Parasite", "Parasite"), ("3 tickets for little women", "little women")]:
        kept = model_read(text, value)  # capitalised, or several words: perhaps a film the list lacks
        assert looked_up(kept, {"movie": MOVIES}) == kept
    assert looked_up(model_read("would lke 3 tickets", "lke"), {"movie": []}).entities["movie"] == "lke"


@given(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=8))
def test_any_text_and_names_give_a_name_of_the_list_or_none(text: str, names: list[str]) -> None:
    found = find_name(text, names)
    assert found is None or (found.value in names and 0 <= found.start < found.end <= len(text))


def test_a_name_said_drops_the_values_the_model_found_in_its_words() -> None:
    text = "IT two sounds perfect, for 3 people"
    spans = [EntitySpan(slot="tickets", text="two", value=2, start=3, end=6, normalised=True, source="model"),
             EntitySpan(slot="tickets", text="3", value=3, start=27, end=28, normalised=True, source="model")]
    read = looked_up(Interpretation(intent="affirm", text=text, entities={"tickets": 2}, spans=spans[:1],
                                    source="nlu"), {"movie": MOVIES})
    assert read.entities == {"movie": "IT Chapter Two"} and [s.slot for s in read.spans] == ["movie"]
    both = looked_up(Interpretation(intent="affirm", text=text, entities={"tickets": 2}, spans=spans, source="nlu"),
                     {"movie": MOVIES})
    assert both.entities == {"tickets": 3, "movie": "IT Chapter Two"}
    nearly = Interpretation(intent="affirm", text="Ad Astro 2 please", entities={"tickets": 2}, source="nlu",
                            spans=[EntitySpan(slot="tickets", text="Astro 2", value=2, start=3, end=10,
                                              normalised=True, source="model")])
    assert looked_up(nearly, {"movie": MOVIES}) == nearly  # said only nearly: the model's value stands
