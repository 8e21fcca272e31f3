"""NLU metrics."""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.nlu.data import TaggedUtterance
from dialogue.nlu.evaluate import mistakes, score
from dialogue.nlu.runtime import Prediction


@pytest.mark.filterwarnings("error")
def test_score_without_any_slot_warns_nothing() -> None:
    metrics = score([TaggedUtterance(("hello",), ("O",), "greet")], [Prediction(np.array([0.1, 0.9]), ["O"])],
                    ("bye", "greet"))
    assert metrics["intent_accuracy"] == 100 and metrics["slot_f1"] == 0 and metrics["per_slot"] == {}


def test_mistakes_keep_the_words_most_confident_and_most_mistaken_first() -> None:
    utterances = [TaggedUtterance(("a", "table", "for", "four"), ("O", "O", "O", "B-party_size"), "book"),
                  TaggedUtterance(("hi", "ana", "lopez"), ("O", "B-name", "I-name"), "greet"),
                  TaggedUtterance(("table", "for", "two"), ("O", "O", "B-party_size"), "book", ("asked", "time")),
                  TaggedUtterance(("for", "two"), ("O", "B-party_size"), "book")]
    predictions = [Prediction(np.array([0.4, 0.6]), ["O", "O", "O", "O"]),
                   Prediction(np.array([0.1, 0.9]), ["B-party_size", "B-name", "O"]),
                   Prediction(np.array([0.2, 0.8]), ["O", "O", "B-party_size"]),
                   Prediction(np.array([0.9, 0.1]), ["O", "B-party_size"])]
    found = mistakes(utterances, predictions, ("book", "greet"))
    assert found["intents"] == [
        {"text": "table for two", "context": "asked time", "expected": "book", "predicted": "greet",
         "confidence": 0.8},
        {"text": "a table for four", "context": "", "expected": "book", "predicted": "greet", "confidence": 0.6}]
    assert [row["text"] for row in found["slots"]] == ["hi ana lopez", "a table for four"]
    assert found["slots"][0]["values"] == [
        {"slot": "name", "expected": ["ana lopez"], "actual": ["ana"], "kind": "wrong"},
        {"slot": "party_size", "expected": [], "actual": ["hi"], "kind": "extra"}]
    assert found["slots"][0]["predicted"] == [{"slot": "party_size", "text": "hi"}, {"slot": "name", "text": "ana"},
                                              {"slot": "", "text": "lopez"}]
    assert found["slots"][1]["values"] == [{"slot": "party_size", "expected": ["four"], "actual": [],
                                            "kind": "missed"}]
