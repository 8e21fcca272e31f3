"""Two dates the model gave one slot: the one the words before it name as another date slot goes there; two joined
as a range take the two slots in the domain's order; a lone date goes to the other slot the words before it name,
and after "until" or "from" is that end of a range."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.domains import load_domain
from dialogue.nlu.roles import spread

STAY = """
version: 1
name: stay
slots:
  check_in: {type: date}
  check_out: {type: date}
  guests: {type: integer}
  note: {type: text}
  remark: {type: text}
intents:
  book: ["book a house from [tomorrow](check_in)"]
tasks:
  book: {policy: frame, triggers: [book], slots: [{slot: check_in}], on_complete: [respond: ok]}
responses:
  ask_check_in: [When?]
  ok: [Ok.]
"""


@pytest.fixture(scope="module")
def stay(tmp_path_factory):
    path = tmp_path_factory.mktemp("stay") / "stay.yaml"
    path.write_text(STAY, encoding="utf-8")
    return load_domain(path)


def spans(text: str, *tagged: tuple[str, str]) -> list[tuple[str, int, int]]:
    """(slot, start, end) of each (slot, words) in the text."""
    return [(slot, text.index(words), text.index(words) + len(words)) for slot, words in tagged]


def slots(found: list[tuple[str, int, int]]) -> list[str]:
    return [slot for slot, _, _ in found]


def test_a_second_date_of_one_slot_goes_to_the_slot_the_words_before_it_name(stay) -> None:
    text = "checking in on the 12th and check out on March 13th"
    assert slots(spread(spans(text, ("check_out", "the 12th"), ("check_out", "March 13th")), text, stay)) == [
        "check_in", "check_out"]
    text = "check out on March 12th and check in next Tuesday"
    assert slots(spread(spans(text, ("check_out", "March 12th"), ("check_out", "next Tuesday")), text, stay)) == [
        "check_out", "check_in"]


@pytest.mark.parametrize("text, first, second, tagged", [
    ("arriving on the 1st and leaving on March 6th", "the 1st", "March 6th", "check_in"),
    ("my dates are March 11th and the 13th", "March 11th", "the 13th", "check_out"),
    ("from Friday to Sunday", "Friday", "Sunday", "check_out"),
    ("tomorrow until the 9th", "tomorrow", "the 9th", "check_in"),
])
def test_two_dates_of_one_slot_joined_as_a_range_take_both_slots_in_the_domains_order(
        stay, text: str, first: str, second: str, tagged: str) -> None:
    assert slots(spread(spans(text, (tagged, first), (tagged, second)), text, stay)) == ["check_in", "check_out"]


def test_without_words_naming_a_slot_or_joining_two_or_with_one_value_a_slot_nothing_moves(stay) -> None:
    text = "on the 11th, no, sorry, on the 13th"  # a correction, not a range
    tagged = spans(text, ("check_in", "the 11th"), ("check_in", "the 13th"))
    assert spread(tagged, text, stay) == tagged
    text = "we check in and out on the 5th"  # words naming both slots: the model's slot stands
    tagged = spans(text, ("check_out", "the 5th"))
    assert spread(tagged, text, stay) == tagged
    text = "check in on the 1st, check in on the 2nd and check out on the 3rd"  # check_out is taken
    tagged = spans(text, ("check_in", "the 1st"), ("check_in", "the 2nd"), ("check_out", "the 3rd"))
    assert spread(tagged, text, stay) == tagged


@pytest.mark.parametrize("text, said, tagged, slot", [
    ("I need the house until the 9th", "the 9th", "check_in", "check_out"),
    ("staying till Sunday", "Sunday", "check_in", "check_out"),
    ("book it untill the 11th", "the 11th", "check_in", "check_out"),  # as users often spell it
    ("from the 3rd, please", "the 3rd", "check_out", "check_in"),
    ("until the 9th", "the 9th", "check_out", "check_out"),  # the model's slot is already that end
    ("on the 9th", "the 9th", "check_in", "check_in"),  # no word says which end
    ("we check out on the 5th", "the 5th", "check_in", "check_out"),  # the words name the other slot
    ("We'll be a party of 4, checking in on the 5th.", "the 5th", "check_out", "check_in"),
])
def test_a_lone_date_the_words_before_name_or_after_until_or_from_is_that_slot(stay, text: str, said: str, tagged: str,
                                                                 slot: str) -> None:
    assert slots(spread(spans(text, (tagged, said)), text, stay)) == [slot]


def test_a_lone_date_stays_when_the_end_it_names_is_taken(stay) -> None:
    text = "check in on the 3rd and stay until the 9th"  # the model gave the check-out to the 3rd: nothing moves
    assert slots(spread(spans(text, ("check_out", "the 3rd"), ("check_in", "the 9th")), text, stay)) == [
        "check_out", "check_in"]


def test_only_dates_and_times_move(stay) -> None:
    text = "a note about the view and a remark about the stairs"
    tagged = spans(text, ("note", "the view"), ("note", "the stairs"))
    assert spread(tagged, text, stay) == tagged


def test_stop_words_the_model_gave_the_other_date_slot_join_the_date_after_them(stay) -> None:
    """"until the 9th of March", "the" tagged as the check-out and the rest as the check-in: one date, which
    "until" then makes the check-out."""
    from dialogue.nlu.entities import EntityNormaliser

    text = "I'll need it until the 9th of March"
    pieces = spans(text, ("check_out", "the"), ("check_in", "9th of March"))
    joined = EntityNormaliser(stay).joined(pieces, text, dt.datetime(2019, 3, 1, 12))
    assert joined == [("check_in", text.index("the 9th"), len(text))]
    assert slots(spread(joined, text, stay)) == ["check_out"]
    both = spans("the 3rd and the 9th", ("check_in", "the 3rd"), ("check_out", "the 9th"))  # values: kept apart
    assert EntityNormaliser(stay).joined(both, "the 3rd and the 9th", dt.datetime(2019, 3, 1, 12)) == both
