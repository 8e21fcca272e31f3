"""The HTML reports' pages: what they show, and nothing from a text ever taken for HTML."""

from __future__ import annotations

import json

import numpy as np

from dialogue.nlu.data import TaggedUtterance
from dialogue.nlu.evaluate import mistakes, score
from dialogue.nlu.runtime import Prediction
from dialogue.nlu_report import write_nlu_report
from dialogue.reports import write_page
from dialogue.testing import ConversationOutcome, Mismatch, StepOutcome
from dialogue.testing_report import write_test_report
from tests.dialogue.html_pages import parse_page, table_rows, text, with_class

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"


def assert_inert(root) -> None:
    """No element came from a text: no script, and no image but the report's own."""
    assert not list(root.iter("script"))
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)


def test_a_page_has_the_skeleton_and_escapes_what_it_is_given(tmp_path) -> None:
    page = '{% extends "skeleton.html" %}{% block title %}Of {{ name }}{% endblock %}{% block body %}<p id="said">' \
           '{{ said }}</p>{% endblock %}'
    path = write_page(tmp_path / "new", page, name=SCRIPT, said=IMAGE)
    root = parse_page(path)
    assert_inert(root)
    assert not list(root.iter("img"))
    assert text(next(root.iter("title"))) == text(next(root.iter("h1"))) == f"Of {SCRIPT}"
    assert text(next(p for p in root.iter("p") if p.get("id") == "said")) == IMAGE
    assert "&lt;script&gt;" in path.read_text()


def test_the_nlu_page_shows_figures_confusion_and_mistakes_with_their_words(tmp_path) -> None:
    utterances = [TaggedUtterance(("a", "table", "for", "four"), ("O", "O", "O", "B-party_size"), "book"),
                  TaggedUtterance(("hi", *IMAGE.split()), ("O", "O", "O", "O"), "greet"),
                  TaggedUtterance((SCRIPT,), ("O",), "greet"),
                  TaggedUtterance(("for", "two"), ("O", "B-party_size"), "book")]
    predictions = [Prediction(np.array([0.2, 0.8]), ["O", "O", "O", "O"]),
                   Prediction(np.array([0.1, 0.9]), ["O", "B-name", "I-name", "O"]),
                   Prediction(np.array([0.6, 0.4]), ["O"]),
                   Prediction(np.array([0.9, 0.1]), ["O", "B-party_size"])]
    intents = ("book", "greet")
    metrics = score(utterances, predictions, intents)
    metrics.update(model="m", variant="int8", evaluated="synthetic")
    page = write_nlu_report(tmp_path, metrics, mistakes(utterances, predictions, intents))
    root = parse_page(page)
    assert_inert(root)
    assert [image.get("src") for image in root.iter("img")] == ["confusion.png"]
    assert (tmp_path / "confusion.png").stat().st_size > 1000
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert table_rows(root, "confused") == [["book", "greet", "1", "50.0"], ["greet", "book", "1", "50.0"]]
    assert [row[0] for row in table_rows(root, "per-intent")] == ["book", "greet"]
    assert {row[0] for row in table_rows(root, "per-slot")} == {"party_size", "name"}
    assert table_rows(root, "misread") == [["a table for four", "book", "greet", "0.800"],
                                           [SCRIPT, "greet", "book", "0.600"]]
    assert [row[2] for row in table_rows(root, "slots")] == [
        'missed party_size: expected "four", read nothing', 'extra name: expected nothing, read "<img src=x"']
    marks = [(mark.text, text(mark.find("sub"))) for mark in root.iter("mark")]
    assert marks == [("four", "party_size"), ("<img src=x", "name")]


def test_the_test_page_puts_expected_against_actual_for_failures_only(tmp_path) -> None:
    failing = ConversationOutcome("books <b>now</b>", [
        StepOutcome(1, "/book_table", "How many?"),
        StepOutcome(2, SCRIPT, IMAGE, [Mismatch("bot", ["ask_date"], ["ask_time"]), Mismatch("slots.n", 3, None)]),
        StepOutcome(3, "(dtmf 9)", "", error="no such input")])
    passing = ConversationOutcome("greets", [StepOutcome(1, "/greet", "Hello!")])
    root = parse_page(write_test_report(tmp_path, "t", [passing, failing]))
    assert_inert(root)
    assert not list(root.iter("img")) and not list(root.iter("b"))
    assert text(next(p for p in root.iter("p") if p.get("id") == "summary")) == "1 failed, 1 passed."
    [section] = with_class(root, "failed", "section")
    assert text(section.find("h2")) == "books <b>now</b>"
    rows = [[text(cell) for cell in row.iter("td")] for row in section.iter("tr") if row.find("td") is not None]
    assert rows == [["1", "/book_table", "How many?", "ok", "", ""],
                    ["2", SCRIPT, IMAGE, "bot", '["ask_date"]', '["ask_time"]'],
                    ["slots.n", "3", "null"],
                    ["3", "(dtmf 9)", "", "error", "", "no such input"]]
    assert [text(cell) for cell in with_class(section, "fail", "td")] == ['["ask_time"]', "null", "no such input"]
    [collapsed] = with_class(root, "passed", "details")
    assert text(collapsed.find("summary")) == "greets (1 step)" and "open" not in collapsed.attrib
    assert "user: /greet" in text(collapsed) and "bot: Hello!" in text(collapsed)
