"""What `dialogue nlu review` proposes, from the events of real engine turns (the NLU's readings scripted)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dialogue.dm.sql import MemoryStore
from dialogue.domains import load_domain
from dialogue.domains.annotations import parse_example
from dialogue.domains.interpretation import EntitySpan, Expectation, Interpretation
from dialogue.engine import Engine
from dialogue.nlu.review import Proposal, annotate, proposals

PIZZA = """\
version: 1
name: pizza
slots:
  size: {type: category, values: [small, large]}
  topping: {type: text}
intents:
  order_pizza: ["a [large](size) pizza with [ham](topping)", "I want a pizza"]
  check_order: ["where is my order"]
tasks:
  order:
    triggers: [order_pizza]
    policy: frame
    slots: [{slot: size}, {slot: topping}]
    on_complete: [{respond: ordered}]
  status:
    triggers: [check_order]
    policy: frame
    on_complete: [{respond: on_its_way}]
responses:
  ordered: "A {{ slots.size }} pizza with {{ slots.topping }}."
  on_its_way: It is on its way.
  ask_size: Which size?
  ask_topping: Which topping?
"""


class Scripted:
    """An NLU that reads each text as the test says: (intent, confidence, {slot: words}[, source])."""

    def __init__(self, readings: dict[str, tuple]):
        self.readings = readings

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        intent, confidence, entities, *source = self.readings[text]
        spans = [EntitySpan(slot=slot, text=words, value=words, start=text.index(words),
                            end=text.index(words) + len(words), normalised=True, source="model")
                 for slot, words in entities.items()]
        return Interpretation(intent=intent, confidence=confidence, entities=dict(entities), text=text,
                              source=source[0] if source else "nlu", spans=spans)


def reviewed(tmp_path: Path, conversations: dict[str, list[str]], readings: dict[str, tuple],
             below: float = 0.7) -> list[Proposal]:
    path = tmp_path / "pizza.yaml"
    path.write_text(PIZZA, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=Scripted(readings), store=MemoryStore())
    for session, texts in conversations.items():
        for text in texts:
            engine.handle(session, text)
    sessions = [{"session_id": session, "events": [event.model_dump(mode="json") for event in
                                                   engine.store.events[("pizza", session)]]}
                for session in conversations]
    return proposals(sessions, below=below)


def test_a_fallback_is_proposed_as_what_the_user_said_next(tmp_path: Path) -> None:
    found = reviewed(tmp_path, {"s": ["gimme a pie", "I'd like to order a pizza"]},
                     {"gimme a pie": ("nlu_fallback", 0.3, {}), "I'd like to order a pizza": ("order_pizza", 0.95, {})})
    assert [(p.reason, p.text, p.intent, p.turn) for p in found] == [("fallback", "gimme a pie", "order_pizza", 1)]


def test_a_fallback_nobody_rephrased_has_no_intent(tmp_path: Path) -> None:
    found = reviewed(tmp_path, {"s": ["gimme a pie"]}, {"gimme a pie": ("nlu_fallback", 0.3, {})})
    assert [(p.reason, p.intent) for p in found] == [("fallback", None)]


def test_an_unsure_reading_is_proposed_with_its_spans_and_a_sure_one_is_not(tmp_path: Path) -> None:
    readings = {"large with ham and olives": ("order_pizza", 0.6, {"size": "large", "topping": "olives"}),
                "a small pizza with ham": ("order_pizza", 0.99, {"size": "small", "topping": "ham"})}
    found = reviewed(tmp_path, {"a": ["large with ham and olives"], "b": ["a small pizza with ham"]}, readings)
    assert [(p.reason, p.example) for p in found] == [("doubtful", "[large](size) with ham and [olives](topping)")]
    assert reviewed(tmp_path, {"a": ["large with ham and olives"]}, readings, below=0.5) == []


def test_an_llm_rescue_is_proposed_as_the_llm_read_it(tmp_path: Path) -> None:
    found = reviewed(tmp_path, {"s": ["pie me up"]}, {"pie me up": ("order_pizza", 0.4, {}, "llm")})
    assert [(p.reason, p.intent) for p in found] == [("rescued", "order_pizza")]


def test_a_value_corrected_later_moves_the_span_when_the_words_held_it(tmp_path: Path) -> None:
    readings = {"a small pizza, not large": ("order_pizza", 0.9, {"size": "large"}),
                "small, with ham": ("order_pizza", 0.9, {"size": "small", "topping": "ham"})}
    found = reviewed(tmp_path, {"s": ["a small pizza, not large", "small, with ham"]}, readings)
    assert [(p.reason, p.example, p.intent) for p in found] == \
        [("corrected", "a [small](size) pizza, not large", "order_pizza")]


def test_a_changed_mind_is_not_a_misreading(tmp_path: Path) -> None:
    readings = {"a large pizza": ("order_pizza", 0.9, {"size": "large"}),
                "make it small with ham": ("order_pizza", 0.9, {"size": "small", "topping": "ham"})}
    assert reviewed(tmp_path, {"s": ["a large pizza", "make it small with ham"]}, readings) == []


def test_a_task_cancelled_at_once_for_another_proposes_the_other(tmp_path: Path) -> None:
    readings = {"where's my pizza": ("order_pizza", 0.9, {}), "no stop": ("cancel", 0.9, {}),
                "where is my order": ("check_order", 0.95, {})}
    found = reviewed(tmp_path, {"s": list(readings)}, readings)
    assert [(p.reason, p.text, p.intent) for p in found] == [("corrected", "where's my pizza", "check_order")]


def test_structured_input_and_repeated_texts_are_proposed_once_at_most(tmp_path: Path) -> None:
    readings = {"gimme a pie": ("nlu_fallback", 0.3, {})}
    found = reviewed(tmp_path, {"a": ["/order_pizza", "gimme a pie"], "b": ["gimme  a PIE"],
                                "c": ["gimme a pie"]}, {**readings, "gimme  a PIE": ("nlu_fallback", 0.3, {})})
    assert [(p.session_id, p.text) for p in found] == [("a", "gimme a pie")]


@pytest.mark.parametrize("text, spans, marked", [
    ("for [2] people", [(5, 6, "party_size")], "for ([2](party_size)) people"),
    ("ham", [(0, 3, "topping")], "[ham](topping)"),
    ("no values", [], "no values"),
])
def test_an_example_reads_back_as_the_text_and_spans(text: str, spans: list, marked: str) -> None:
    assert annotate(text, spans) == marked
    example = parse_example(marked)
    assert [(span.start, span.end, span.slot) for span in example.spans] == spans
