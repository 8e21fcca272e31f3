"""One registry entry per slot type: every type the schema declares has one, and the entries keep their word."""

from __future__ import annotations

import datetime as dt
import random
import typing

import pytest

from dialogue.domains import load_domain
from dialogue.domains.schema.slots import BooleanSlot, CategorySlot, SlotSpec, TextSlot
from dialogue.domains.slot_types import SLOT_TYPES, SlotValues, slot_type
from dialogue.domains.values import AmbiguousValue

TODAY = dt.date(2026, 11, 25)


def test_every_slot_type_of_the_schema_has_an_entry() -> None:
    declared = {typing.get_args(spec.model_fields["type"].annotation)[0]
                for spec in typing.get_args(typing.get_args(SlotSpec)[0])}
    assert declared == set(SLOT_TYPES)
    assert all(kind.name == name for name, kind in SLOT_TYPES.items())


@pytest.mark.parametrize("name", ["restaurant", "banking", "telco_ivr"])
def test_sampled_values_are_canonical_and_their_candidates_coerce(name: str) -> None:
    domain = load_domain(name)
    values = SlotValues(domain.slots)
    rng = random.Random(1)
    for slot, spec in domain.slots.items():
        kind = slot_type(spec)
        try:
            value = kind.sample(slot, spec, rng, TODAY, ["Ana Lopez"])
        except ValueError:
            continue  # a pattern the generator cannot draw from is reported, not guessed
        assert values.coerce(slot, value) == value, slot
        for candidate in kind.candidates(spec, TODAY, []):
            values.coerce(slot, candidate)
        assert isinstance(kind.say(spec, value, rng, TODAY, ""), str)


def test_flags_say_how_the_nlu_finds_values() -> None:
    assert [name for name, kind in SLOT_TYPES.items() if kind.strict] == ["phone", "email", "regex"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.closed] == ["category"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.numeric] == ["integer", "number"]
    assert [name for name, kind in SLOT_TYPES.items() if kind.lookup] == ["text"]


def test_an_ambiguous_word_says_which_values_it_could_be_and_is_trained_on() -> None:
    spec = CategorySlot(type="category", values={"sichuan": ["szechuan"], "cantonese": [], "italian": []},
                        ambiguous={"chinese": ["sichuan", "cantonese"]})
    kind = slot_type(spec)
    assert kind.coerce(spec, "Szechuan") == "sichuan"
    with pytest.raises(AmbiguousValue) as raised:
        kind.coerce(spec, "CHINESE")
    assert raised.value.choices == ["sichuan", "cantonese"]
    assert str(raised.value) == "'CHINESE' could be sichuan or cantonese"
    assert "chinese" in kind.forms(spec, "en", random.Random(0))


def test_reading_text_is_relative_to_the_turn() -> None:
    now = dt.datetime(2026, 11, 25, 10)
    assert SLOT_TYPES["date"].read(None, "tomorrow", now, "en") == "2026-11-26"
    assert SLOT_TYPES["time"].read(None, "half past seven in the evening", now, "en") == "19:30"
    assert SLOT_TYPES["integer"].read(None, "a dozen", now, "en") == 12
    assert SLOT_TYPES["text"].read(TextSlot(type="text"), "as written", now, "en") == "as written"
    cities = TextSlot(type="text", values={"New York": ["NYC"]})
    assert SLOT_TYPES["text"].read(cities, "nyc", now, "en") == "New York"


# Kinds of dates and times real users gave that were misread (issue 19); phrasings of our own, on a Wednesday.
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0)


@pytest.mark.parametrize(("said", "meant"), [
    ("the 28th", "2026-11-28"),  # a bare day of the month is this month's, not a month
    ("on the 2nd", "2026-12-02"),  # once it has passed, next month's
    ("the 9th of this month", "2026-12-09"),
    ("31st", "2026-12-31"),  # the first month after with such a day
    ("Thursday the 3rd", "2026-12-03"),  # the first such day on that weekday
    ("Monday next week", "2026-11-30"),
    ("next week on friday", "2026-12-04"),
    ("Friday, next week", "2026-12-04"),
    ("Sunday this week", "2026-11-29"),
    ("later today", "2026-11-25"),
    ("the 4th of January", "2027-01-04"),  # still the date parser's
])
def test_dates_as_people_say_them(said: str, meant: str) -> None:
    assert SLOT_TYPES["date"].read(None, said, WEDNESDAY, "en") == meant


def test_a_number_beside_a_weekday_is_never_a_month_and_a_date_falls_on_the_weekday_said() -> None:
    friday = dt.datetime(2019, 3, 1, 12, 0)  # the date parser reads "thursday morning 11" as 1 November
    with pytest.raises(ValueError, match="a day of the month with words"):
        SLOT_TYPES["date"].read(None, "Thursday morning 11", friday, "en")
    assert SLOT_TYPES["date"].read(None, "next Thursday morning", friday, "en") == "2019-03-07"
    assert SLOT_TYPES["date"].read(None, "Thursday 7", friday, "en") == "2019-03-07"  # the day-of-month rule's
    with pytest.raises(ValueError, match="a day of the month with words"):
        SLOT_TYPES["date"].read(None, "evening 4", friday, "en")  # a time
    assert SLOT_TYPES["date"].read(None, "in 2 days", friday, "en") == "2019-03-03"
    with pytest.raises(ValueError, match="read as a monday, not a sunday"):
        SLOT_TYPES["date"].read(None, "Sunday, March 11th", friday, "en")  # the 11th of March 2019 is a Monday


def test_a_number_in_words_alone_is_no_date() -> None:
    """"Two" tagged as a date ("IT Chapter Two"): a date parser reads February."""
    for said in ("two", "Twelve", "one"):
        with pytest.raises(ValueError, match="a number in words alone is a count"):
            SLOT_TYPES["date"].read(None, said, WEDNESDAY, "en")
    assert SLOT_TYPES["date"].read(None, "March 2", WEDNESDAY, "en").endswith("-03-02")


def test_a_date_alone_is_no_time() -> None:
    with pytest.raises(ValueError, match="not a time"):
        SLOT_TYPES["time"].read(None, "the 3rd in", WEDNESDAY, "en")  # a date parser's midnight
    assert SLOT_TYPES["time"].read(None, "12 at night", WEDNESDAY, "en") == "00:00"


@pytest.mark.parametrize(("said", "meant"), [
    ("evening 7:15", "19:15"),  # the part of the day said first
    ("in the evening 5:30", "17:30"),
    ("at night 10", "22:00"),
    ("afternoon 12", "12:00"),
    ("afternoon 2", "14:00"),
    ("morning 9", "09:00"),
    ("night 10:30", "22:30"),
    ("eleven in the night", "23:00"),
    ('4 o"clock in the afternoon', "16:00"),  # o'clock typed with a double quote, and a part of the day after it
    ("12 at night", "00:00"),
    ("quarter past 6 in the evening", "18:15"),
    ("7pm.", "19:00"),
])
def test_times_as_people_say_them(said: str, meant: str) -> None:
    assert SLOT_TYPES["time"].read(None, said, WEDNESDAY, "en") == meant


@pytest.mark.parametrize(("said", "meant"), [("$85,", 85), ("120 dollars.", 120), ("£1,250.50,", 1250.5)])
def test_an_amount_followed_by_punctuation_is_read(said: str, meant: float) -> None:
    assert SLOT_TYPES["number"].read(None, said, WEDNESDAY, "en") == meant


@pytest.mark.parametrize(("said", "meant"), [
    ("yes", "yes"), ("with laundry service", True), ("pet friendly", True), ("unisex", True),  # names the feature
    ("no pets", False), ("not furnished", False), ("without a washing machine", False), ("doesn't allow pets", False),
])
def test_a_boolean_span_names_a_feature_or_its_absence(said: str, meant) -> None:
    assert SLOT_TYPES["boolean"].read(None, said, WEDNESDAY, "en") == meant
    flag = BooleanSlot(type="boolean")
    assert SlotValues({"flag": flag}).coerce("flag", meant) is (meant in (True, "yes"))


@pytest.mark.parametrize(("said", "readings"), [
    ("8", ["08:00", "20:00"]), ("eight", ["08:00", "20:00"]), ("7:30", ["07:30", "19:30"]),
    ("8pm", ["20:00"]), ("evening 7", ["19:00"]), ("08:00", ["08:00"]), ("15:00", ["15:00"]), ("3", ["15:00"]),
    ("half seven", ["07:30", "19:30"]), ("half 8 pm", ["20:30"]), ("half past seven", ["07:30", "19:30"]),
])
def test_a_bare_time_may_be_the_mornings_or_the_afternoons(said: str, readings: list[str]) -> None:
    assert SLOT_TYPES["time"].readings(None, said, WEDNESDAY, "en") == readings
