"""A count the model did not tag, said just before the name of its slot."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.nlu.counts import counted
from dialogue.nlu.text import split_words

NOW = dt.datetime(2026, 11, 25, 10, 0)
CINEMA = """
version: 1
name: cinema
slots:
  tickets: {type: integer, min: 1}
  number_of_beds: {type: integer}
  time: {type: time}
  movie: {type: text}
intents:
  buy: ["buy [2](tickets) tickets"]
tasks:
  buy: {policy: frame, triggers: [buy], slots: [{slot: tickets}], on_complete: [respond: ok]}
responses:
  ask_tickets: [How many?]
  ok: [Ok.]
"""


@pytest.fixture
def cinema(domain_from):
    return domain_from(CINEMA)


def said(text: str, spans: list[tuple[str, int, int]], domain) -> list[tuple[str, str]]:
    return [(slot, text[start:end]) for slot, start, end in counted(spans, split_words(text), domain, NOW)]


@pytest.mark.parametrize("text, found", [
    ("get me one ticket to Hustlers", [("tickets", "one")]),
    ("4 tickets and a house with two beds", [("tickets", "4"), ("number_of_beds", "two")]),
    ("one more ticket", []),  # the number is not just before the name
    ("a ticket for me", []),  # "a" is no number
    ("two people", []),  # "people" names no slot
])
def test_a_number_just_before_a_count_slots_name_is_its_value(cinema, text: str, found: list) -> None:
    assert said(text, [], cinema) == found


def test_the_models_spans_stand(cinema) -> None:
    text = "3 tickets at 7, I mean 4 tickets"
    tagged = [("tickets", text.index("4"), text.index("4") + 1)]
    assert said(text, tagged, cinema) == [("tickets", "4")]  # the model gave the slot a value: nothing added
    text = "ten tickets"
    assert said(text, [("time", 0, 3)], cinema) == [("time", "ten")]  # the number is inside a span
