from __future__ import annotations

import datetime as dt

from dialogue.dm.state import DialogueState
from dialogue.dm.tracker import Tracker, Turn


def tracker() -> Tracker:
    state = DialogueState(session_id="s", user_id="u", domain="d", slots={"n": None})
    return Tracker(state, Turn(channel="text", now=dt.datetime(2026, 1, 2, 3, 4)))


def test_a_failing_condition_is_false_with_a_warning() -> None:
    t = tracker()
    assert t.holds("slots.n > 3") is False
    assert "slots.n > 3" in t.warnings[0]


def test_values_see_the_context() -> None:
    t = tracker()
    assert t.evaluate("{{ today }}") == "2026-01-02"
    assert t.evaluate("{{ session.user_id }}-{{ turn }}") == "u-0"
    assert t.evaluate("{{ 1 / 0 }}") is None
    assert "ZeroDivisionError" in t.warnings[0]


def test_responses_keep_the_slots_as_they_were() -> None:
    t = tracker()
    t.state.slots["n"] = 1
    t.respond("r")
    t.state.slots["n"] = 2
    assert t.responses[0].context["slots"]["n"] == 1
    assert t.said("r") and t.executed == ["respond:r"]
