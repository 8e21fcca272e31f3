"""NLU metrics."""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.nlu.data import TaggedUtterance
from dialogue.nlu.evaluate import score
from dialogue.nlu.runtime import Prediction


@pytest.mark.filterwarnings("error")
def test_score_without_any_slot_warns_nothing() -> None:
    metrics = score([TaggedUtterance(("hello",), ("O",), "greet")], [Prediction(np.array([0.1, 0.9]), ["O"])],
                    ("bye", "greet"))
    assert metrics["intent_accuracy"] == 100 and metrics["slot_f1"] == 0 and metrics["per_slot"] == {}
