"""Value normalisation and the gazetteer, relative to a fixed clock (Wednesday 25 November 2026, 10:00)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.domains import load_domain
from dialogue.nlu.entities import EntityNormaliser
from dialogue.nlu.text import split_words

NOW = dt.datetime(2026, 11, 25, 10, 0)


@pytest.fixture(scope="module")
def entities() -> EntityNormaliser:
    return EntityNormaliser(load_domain("restaurant"))


@pytest.mark.parametrize(("slot", "text", "value"), [
    ("party_size", "four", 4), ("party_size", "4", 4), ("party_size", "a dozen", 12),
    ("party_size", "twenty five", 25), ("party_size", "two people", 2), ("party_size", "a couple", 2),
    ("date", "tomorrow", "2026-11-26"), ("date", "next friday", "2026-11-27"), ("date", "3rd of May", "2027-05-03"),
    ("date", "tonight", "2026-11-25"), ("date", "on saturday", "2026-11-28"), ("date", "2026-12-01", "2026-12-01"),
    ("time", "7pm", "19:00"), ("time", "half past seven", "07:30"), ("time", "half past seven pm", "19:30"),
    ("time", "19:30", "19:30"), ("time", "quarter to eight in the evening", "19:45"), ("time", "noon", "12:00"),
    ("time", "at 6", "18:00"), ("time", "9:15 am", "09:15"), ("time", "seven thirty pm", "19:30"),
    ("time", "6.30pm", "18:30"), ("cuisine", "SZECHUAN", "sichuan"), ("cuisine", "Sichuanese", "sichuan"),
    ("cuisine", "四川", "sichuan"), ("phone", "07700 900123", "07700900123"), ("booking_ref", "k7q2xf", "k7q2xf"),
])
def test_values_normalise(entities: EntityNormaliser, slot: str, text: str, value) -> None:
    assert entities.normalise(slot, text, NOW) == (value, True)


@pytest.mark.parametrize(("slot", "text"), [("party_size", "lots"), ("date", "whenever"), ("time", "soonish"),
                                            ("cuisine", "thai"), ("phone", "12"), ("booking_ref", "nope")])
def test_values_that_do_not_normalise_keep_their_text(entities: EntityNormaliser, slot: str, text: str) -> None:
    assert entities.normalise(slot, text, NOW) == (text, False)


def test_gazetteer_finds_synonyms_in_any_script(entities: EntityNormaliser) -> None:
    text = "we want DIM SUM, or 四川 food"
    found = entities.gazetteer(split_words(text))
    assert [(f.slot, f.value, text[f.start:f.end]) for f in found] == [
        ("cuisine", "cantonese", "DIM SUM"), ("cuisine", "sichuan", "四川")]


def merged(entities, tagged, text):
    return [(f.slot, f.value, f.source) for f in entities.merge(tagged, text, split_words(text), NOW)]


def test_rule_1_model_spans_are_kept_normalised_or_not(entities: EntityNormaliser) -> None:
    text = "a table for four at soonish"
    assert merged(entities, [("party_size", 12, 16), ("time", 20, 27)], text) == [
        ("party_size", 4, "model"), ("time", "soonish", "model")]


def test_rule_2_gazetteer_adds_what_the_model_missed(entities: EntityNormaliser) -> None:
    assert merged(entities, [("party_size", 12, 13)], "a table for 4 serving pasta") == [
        ("party_size", 4, "model"), ("cuisine", "italian", "gazetteer")]


def test_rule_2_gazetteer_never_overrides_an_overlapping_model_span(entities: EntityNormaliser) -> None:
    assert merged(entities, [("name", 14, 19)], "book it under pizza please") == [("name", "pizza", "model")]


def test_rule_3_gazetteer_repairs_a_category_span(entities: EntityNormaliser) -> None:
    assert merged(entities, [("cuisine", 7, 14)], "I want SUSHI!!") == [("cuisine", "japanese", "model")]


def test_rule_4_the_first_value_of_a_slot_wins(entities: EntityNormaliser) -> None:
    assert merged(entities, [("party_size", 4, 5), ("party_size", 10, 11)], "for 2 or maybe 3") == [
        ("party_size", 2, "model")]


def test_a_span_given_the_wrong_slot_goes_to_the_one_strict_slot_it_fits(entities: EntityNormaliser) -> None:
    """The model tags a booking reference as a cuisine: it is not one, and only booking_ref's pattern fits it."""
    text = "the reference is KX6EB1"
    found = entities.merge([("cuisine", 17, 23)], text, split_words(text), NOW)
    assert [(f.slot, f.value, f.normalised) for f in found] == [("booking_ref", "KX6EB1", True)]
    text = "make it lots of people"
    found = entities.merge([("party_size", 8, 22)], text, split_words(text), NOW)
    assert [(f.slot, f.normalised) for f in found] == [("party_size", False)]  # fits nothing: kept as it was


@pytest.mark.parametrize(("text", "span", "value"), [
    ("how about half seven", "seven", "07:30"), ("twenty past 8 please", "8", "08:20"),
    ("half past seven", "seven", "07:30"), ("at 7", "7", "07:00"), ("table 2 at 7", "7", "07:00"),
])
def test_a_time_is_read_with_the_minutes_said_before_it(entities: EntityNormaliser, text: str, span: str,
                                                        value: str) -> None:
    """The model tagged the hour of "half seven" (7:30 in British English) alone, which read as 07:00."""
    start = text.rindex(span)
    assert merged(entities, [("time", start, start + len(span))], text) == [("time", value, "model")]


def test_a_word_of_a_time_the_model_gave_another_slot_is_joined_to_the_time(entities: EntityNormaliser) -> None:
    """"actually, how about half seven?" when the name was asked: the model, reading the turn in its state, tagged
    "half" as the party size and "seven" as the time, and the bot said "that isn't a valid answer". A word that is
    a value of its own slot stays apart."""
    text = "actually, how about half seven?"
    tagged = entities.joined([("party_size", 20, 24), ("time", 25, 30)], text, NOW)
    assert tagged == [("time", 20, 30)]
    assert merged(entities, tagged, text) == [("time", "07:30", "model")]
    text = "four seven pm"
    assert entities.joined([("party_size", 0, 4), ("time", 5, 13)], text, NOW) == [("party_size", 0, 4),
                                                                                   ("time", 5, 13)]


@pytest.mark.parametrize(("tagged", "text"), [
    ([("party_size", 20, 24), ("party_size", 25, 30)], "actually, how about half seven?"),
    ([("party_size", 25, 30)], "actually, how about half seven?"),
    ([("party_size", 13, 14)], "quarter past 8 then"),
])
def test_a_count_after_the_minutes_of_an_hour_is_the_time(entities: EntityNormaliser, tagged, text: str) -> None:
    """"actually, how about half seven?" when the name was asked: another training of the model tagged "half" and
    "seven" both as the party size, and the party became 7. With a time tagged too, or no minutes said, a count
    stays a count."""
    value = "08:15" if "8" in text else "07:30"
    assert merged(entities, tagged, text) == [("time", value, "model")]
    text = "for 7 at half seven"
    assert merged(entities, [("party_size", 4, 5), ("time", 9, 19)], text) == [
        ("party_size", 7, "model"), ("time", "07:30", "model")]
    text = "half of us, seven"
    assert merged(entities, [("party_size", 12, 17)], text) == [("party_size", 7, "model")]


@pytest.mark.parametrize("slot", ["booking_ref", "time"])
def test_a_stop_word_is_no_reference_though_the_pattern_fits_it(entities: EntityNormaliser, slot: str) -> None:
    """"Around 7 please": the model tagged "around" (six letters, as the reference's pattern wants) as a booking
    reference, and later "change my booking" looked up a booking AROUND."""
    text = "around 7 please"
    assert merged(entities, [(slot, 0, 6), ("party_size", 7, 8)], text) == [("party_size", 7, "model")]


def test_a_one_just_after_a_value_is_no_count(entities: EntityNormaliser) -> None:
    """"the cantonese one" when the cuisine was asked: the model, reading the turn in its state, tagged "one" as the
    party size, and the booking went on for one person without asking how many. "a one bed room" counts."""
    text = "the cantonese one"
    assert merged(entities, [("cuisine", 4, 13), ("party_size", 14, 17)], text) == [("cuisine", "cantonese", "model")]
    text = "a one person table, cantonese"
    assert merged(entities, [("party_size", 2, 5), ("cuisine", 20, 29)], text) == [
        ("party_size", 1, "model"), ("cuisine", "cantonese", "model")]


def test_a_span_cut_from_a_phone_number_is_widened_to_the_number(entities: EntityNormaliser) -> None:
    """The model tags the first group of a phone number as a booking reference (too short for one): the whole
    run of digit groups is a phone number."""
    text = "my number is 07700 900123."
    found = entities.merge([("booking_ref", 13, 18)], text, split_words(text), NOW)
    assert [(f.slot, f.value, text[f.start:f.end]) for f in found] == [("phone", "07700900123", "07700 900123")]
    text = "call +44 (20) 7946-0000 please"
    found = entities.merge([("phone", 5, 8)], text, split_words(text), NOW)
    assert [(f.slot, text[f.start:f.end], f.normalised) for f in found] == [("phone", "+44 (20) 7946-0000", True)]
    text = "a table for 4 at 7"
    found = entities.merge([("party_size", 12, 13)], text, split_words(text), NOW)
    assert [(f.slot, f.value, f.end - f.start) for f in found] == [("party_size", 4, 1)], "a value is never widened"


def test_a_date_span_that_does_not_read_is_read_with_the_words_nearest_it(entities: EntityNormaliser) -> None:
    """The model tagged part of a date, split it in two, or took a word beyond it: the nearest stretch of words
    that reads as a date is the value, never over another span."""
    def dates(tagged, text):
        return [(f.slot, f.value, text[f.start:f.end], f.normalised)
                for f in entities.merge(entities.joined(tagged, text, NOW), text, split_words(text), NOW)]
    text = "a table on the 28th of this month please"
    assert dates([("date", 11, 14)], text) == [("date", "2026-11-28", "the 28th", True)], "widened to the right"
    assert dates([("date", 11, 14), ("date", 15, 33)], text) == [
        ("date", "2026-11-28", "the 28th of this month", True)], "two pieces of one date are one span"
    text = "for the 3rd in Leeds"
    assert dates([("date", 4, 14)], text) == [("date", "2026-12-03", "3rd", True)], "stop words at its ends dropped"
    text = "the 28th for four"
    assert dates([("date", 0, 3), ("party_size", 13, 17)], text)[0][1] == "2026-11-28"
    text = "at soonish for four"
    assert dates([("time", 3, 10), ("party_size", 15, 19)], text) == [
        ("time", "soonish", "soonish", False), ("party_size", 4, "four", True)], "no words to read it with"
    text = "lunch on the 28th of"
    assert dates([("time", 0, 5), ("date", 6, 12)], text)[1][1:3] == ("2026-11-28", "on the 28th")


def test_one_value_a_slot_the_first_that_reads(entities: EntityNormaliser) -> None:
    text = "at soonish or 7pm"
    assert merged(entities, [("time", 3, 10), ("time", 14, 17)], text) == [("time", "19:00", "model")]


def test_a_day_of_the_month_is_never_read_as_a_month(entities: EntityNormaliser) -> None:
    """A date parser reads "8th" as August: with no month said, only the day-of-month reading counts."""
    assert entities.normalise("date", "the 8th", NOW) == ("2026-12-08", True)
    assert entities.normalise("date", "the 8th in", NOW) == ("the 8th in", False)
    assert entities.normalise("date", "8th of March", NOW) == ("2027-03-08", True)


def test_hours_with_a_leading_zero_are_24_hour_and_today_is_not_next_year(entities: EntityNormaliser) -> None:
    assert entities.normalise("time", "06:30", NOW) == ("06:30", True)
    assert entities.normalise("time", "6:30", NOW) == ("18:30", True)
    assert entities.normalise("date", "25 november", NOW) == ("2026-11-25", True)
    assert entities.normalise("date", "17 december", NOW) == ("2026-12-17", True)


def test_a_text_span_inside_an_annotated_value_is_widened_to_it(entities: EntityNormaliser) -> None:
    """The restaurant's examples annotate the name "Jo Park": a model that found only "Jo" gets all of it."""
    text = "it's Jo Park"
    assert [(f.slot, f.value) for f in entities.merge([("name", 5, 7)], text, split_words(text), NOW)] == \
        [("name", "Jo Park")]
    text = "it's Jo Bloggs"  # not a known value: the span stays as the model found it
    assert [(f.slot, f.value) for f in entities.merge([("name", 5, 7)], text, split_words(text), NOW)] == \
        [("name", "Jo")]


def test_a_number_span_cut_at_its_separator_is_widened_to_the_number() -> None:
    banking = EntityNormaliser(load_domain("banking"))
    text = "1,156 pounds"
    assert [(f.slot, f.value) for f in banking.merge([("amount", 0, 2)], text, split_words(text), NOW)] == \
        [("amount", 1156)]
    text = "send 20 to mum"
    assert next((f.slot, f.value) for f in banking.merge([("amount", 5, 7)], text, split_words(text), NOW)) == \
        ("amount", 20)


def test_a_text_slots_known_values_read_its_spans_and_fill_what_the_model_missed(domain_from) -> None:
    domain = domain_from("""
version: 1
name: trips
slots:
  city: {type: text, values: {New York: [NYC], Paris: []}}
intents:
  travel: ["I'm going to [Rome](city)"]
tasks:
  trip: {policy: frame, triggers: [travel], slots: [{slot: city}], on_complete: [respond: ok]}
responses:
  ask_city: [Where to?]
  ok: [Ok.]
""")
    cities = EntityNormaliser(domain)
    text = "from NYC to Paris, France or Lagos"

    def span(said: str) -> tuple[str, int, int]:
        return "city", text.index(said), text.index(said) + len(said)
    assert merged(cities, [span("Lagos")], text) == [("city", "Lagos", "model")]  # unknown: kept as said
    assert merged(cities, [span("Paris, France")], text) == [("city", "Paris", "model")]
    assert merged(cities, [], "off to nyc tomorrow") == [("city", "New York", "gazetteer")]


CINEMA = """
version: 1
name: cinema
slots:
  location: {type: text, values: {Livermore: [], San Jose: []}}
  movie: {type: text, values: {Hustlers: [], After: []}}
  guest: {type: text}
  parking: {type: boolean}
  show_type: {type: category, values: [imax, 3d, regular]}
  time: {type: time}
  date: {type: date}
intents:
  watch: ["watch [Hustlers](movie) in [San Jose](location)"]
tasks:
  watch: {policy: frame, triggers: [watch], slots: [{slot: movie}], on_complete: [respond: ok]}
responses:
  ask_movie: [Which movie?]
  ok: [Ok.]
"""


@pytest.fixture
def cinema(domain_from) -> EntityNormaliser:
    return EntityNormaliser(domain_from(CINEMA))


def at(text: str, slot: str, said: str) -> tuple[str, int, int]:
    return slot, text.index(said), text.index(said) + len(said)


def test_a_known_value_of_another_slot_tagged_as_a_listed_text_slot_goes_to_that_slot(cinema) -> None:
    text = "I want to watch Hustlers in Livermore"
    assert merged(cinema, [at(text, "movie", "Hustlers"), at(text, "movie", "Livermore")], text) == [
        ("movie", "Hustlers", "model"), ("location", "Livermore", "model")]
    assert merged(cinema, [at(text, "movie", "Livermore")], text) == [
        ("movie", "Hustlers", "gazetteer"), ("location", "Livermore", "model")]
    # the model tagged the location elsewhere: its reading stands; a text slot that lists nothing keeps its span
    assert merged(cinema, [at(text, "location", "Hustlers"), at(text, "movie", "Livermore")], text)[1] == (
        "movie", "Livermore", "model")
    assert merged(cinema, [at(text, "guest", "Livermore")], text)[1] == ("guest", "Livermore", "model")


def test_a_listed_value_that_is_a_stop_word_is_found_only_when_said_as_a_name(cinema) -> None:
    assert merged(cinema, [], "I'm after an imax film") == [("show_type", "imax", "gazetteer")]
    assert merged(cinema, [], "two for After please") == [("movie", "After", "gazetteer")]


def test_a_span_of_stop_words_only_is_no_value(cinema) -> None:
    text = "a regular one is fine for us"
    assert merged(cinema, [at(text, "movie", "us")], text) == [("show_type", "regular", "gazetteer")]
    text = "the at 7pm"  # "the" of a date the model began, and nothing after it reads as one
    assert merged(cinema, [at(text, "date", "the"), at(text, "time", "7pm")], text) == [("time", "19:00", "model")]


def test_a_date_or_time_span_with_a_word_too_many_is_read_without_it(cinema) -> None:
    text = "the 21:15 imax please"
    assert merged(cinema, [at(text, "time", "21:15 imax")], text) == [
        ("time", "21:15", "model"), ("show_type", "imax", "gazetteer")]


def test_pieces_of_a_date_with_a_comma_between_are_one_when_they_read_as_one(cinema) -> None:
    text = "on Tuesday, next week"
    pieces = [at(text, "date", "Tuesday"), at(text, "date", "next week")]
    assert cinema.joined(pieces, text, NOW) == [("date", 3, len(text))]
    text = "on Monday, Tuesday"  # two days: they stay two
    pieces = [at(text, "date", "Monday"), at(text, "date", "Tuesday")]
    assert cinema.joined(pieces, text, NOW) == pieces


@pytest.mark.parametrize(("text", "said", "date", "time"), [
    ("next Thursday morning 11 please", "next Thursday morning 11", "next Thursday", "morning 11"),
    ("tomorrow at 7:30", "tomorrow at 7:30", "tomorrow", "at 7:30"),
    ("at 11 am tomorrow", "11 am tomorrow", "tomorrow", "11 am"),
])
def test_a_date_that_says_a_time_too_is_cut_into_the_two(cinema, text: str, said: str, date: str,
                                                         time: str) -> None:
    """"next Thursday morning 11", all tagged as the date: the date's words to the date, the time's to the time,
    each read as its slot's value."""
    assert cinema.apart([at(text, "date", said)], text, NOW) == sorted([at(text, "date", date), at(text, "time", time)],
                                                                        key=lambda span: span[1])


@pytest.mark.parametrize(("text", "tagged"), [
    ("on March 5", [("date", "March 5")]),  # a bare number after a date says no time
    ("tomorrow morning", [("date", "tomorrow morning")]),  # the part of the day alone reads as no time
    ("tomorrow at 7:30", [("date", "tomorrow"), ("time", "at 7:30")]),  # the model tagged the time already
    ("at 11 am tomorrow", [("time", "11 am tomorrow")]),  # a time span is read as a time, as the model tagged it
])
def test_only_a_date_span_that_says_a_time_of_its_own_is_cut(cinema, text: str, tagged: list[tuple[str, str]]) -> None:
    spans = [at(text, slot, said) for slot, said in tagged]
    assert cinema.apart(spans, text, NOW) == spans


def test_a_span_inside_a_listed_value_is_widened_to_it_and_a_feature_named_by_a_listed_value_is_that_value(
        cinema) -> None:
    text = "tickets in San Jose please"
    assert merged(cinema, [at(text, "location", "San")], text) == [("location", "San Jose", "model")]
    text = "an imax show near Livermore"  # the model gave the city to a yes/no feature
    assert merged(cinema, [at(text, "parking", "Livermore")], text)[-1] == ("location", "Livermore", "model")


def test_a_time_is_read_with_the_part_of_the_day_said_just_before_or_after_it(cinema) -> None:
    text = "an appointment in the evening 5:30"
    assert merged(cinema, [at(text, "time", "5:30")], text) == [("time", "17:30", "model")]
    text = "tomorrow morning at 8"  # the part of the day is the date's: the time's own reading stands
    assert merged(cinema, [at(text, "date", "tomorrow morning"), at(text, "time", "8")], text)[1] == (
        "time", "08:00", "model")
    text = "the evening show at 5:30 am"  # a half of the day said in the span wins
    assert merged(cinema, [at(text, "time", "5:30 am")], text) == [("time", "05:30", "model")]
    text = "at 10:15 in the night please"  # or just after it, the part of the day tagged apart or not
    assert merged(cinema, [at(text, "time", "10:15")], text) == [("time", "22:15", "model")]
    assert merged(cinema, [at(text, "time", "10:15"), at(text, "time", "night")], text) == [("time", "22:15", "model")]


def test_a_date_span_that_reads_only_as_a_time_goes_to_the_time_slot_the_model_left_empty(cinema) -> None:
    text = "March 13th at evening 4"
    assert merged(cinema, [at(text, "date", "March 13th"), at(text, "date", "evening 4")], text) == [
        ("date", "2027-03-13", "model"), ("time", "16:00", "model")]
    text = "at 7:30 in San Jose"  # a clock time that does not read as a time is read without "in", never as a date
    assert merged(cinema, [at(text, "time", "7:30 in")], text)[0] == ("time", "07:30", "model")
    text = "at 5pm and evening 4"  # the time slot is taken: the span stays the date's, and does not read
    assert merged(cinema, [at(text, "time", "5pm"), at(text, "date", "evening 4")], text)[0] == ("time", "17:00",
                                                                                                "model")
