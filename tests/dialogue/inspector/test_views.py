"""What the inspector shows of a turn: changes, marks on the picture, where the intent came from, the turn as a
test step."""

from __future__ import annotations

from typing import Any

from dialogue.domains.interpretation import IntentScore, Interpretation
from dialogue.inspector.views import as_test_step, changes, marks, origin, said, turn_view, user_step
from dialogue.nlg.templates import Message
from dialogue.turns import StateSummary, TurnResult, UserInput


def state(**fields: Any) -> StateSummary:
    return StateSummary(**{"active_task": None, "stack": [], "slots": {}, **fields})


def result(after: StateSummary, *, responses: tuple[str, ...] = ("ask_date",), **fields: Any) -> TurnResult:
    messages = [Message(response=name, text=f"text of {name}") for name in responses]
    return TurnResult(**{"session_id": "s", "turn": 2, "messages": messages, "ended": False, "handoff": False,
                         "understood": None, "state": after, "actions": [], "latency_ms": {"total": 3.0},
                         **fields})


def test_changes_name_each_slot_added_changed_and_removed() -> None:
    before = state(active_task="book", stack=["book"], requested_slot="date", slots={"a": 1, "b": 2, "c": 3})
    after = state(active_task="book", stack=["book"], requested_slot="time", slots={"a": 1, "b": 5, "d": 4})
    assert changes(before, after) == {"slots": {"b": "changed", "c": "removed", "d": "added"}, "stack": False,
                                      "place": True}
    assert changes(after, after) == {"slots": {}, "stack": False, "place": False}
    assert changes(None, state(active_task="book", stack=["book"]))["stack"] is True


def test_marks_are_the_pictures_node_ids_of_where_the_conversation_is() -> None:
    assert marks(state(), {}) == []
    paying = state(active_task="pay", stack=["menu", "pay"], requested_slot="amount")
    assert marks(paying, {}) == ["task:menu", "task:pay", "slot:pay/amount"]
    assert marks(paying, {("pay", "amount"): "slot:pay/card/amount"})[-1] == "slot:pay/card/amount"
    assert marks(state(active_task="menu", stack=["menu"], fsm_state="billing"), {}) == ["task:menu",
                                                                                          "state:menu/billing"]


def test_origin_says_where_the_intent_came_from() -> None:
    ranked = [IntentScore(name="inform", confidence=0.9), IntentScore(name="cancel", confidence=0.1)]
    assert origin(Interpretation(intent="inform", source="nlu", ranking=ranked), []) == "model"
    assert origin(Interpretation(intent="cancel", source="nlu", ranking=ranked), ["guard:no_cancel"]) == "guard"
    assert origin(Interpretation(intent="cancel", source="llm", ranking=ranked), []) == "llm rescue"
    assert origin(Interpretation(intent="billing", source="dtmf"), []) == "keys"
    assert origin(Interpretation(intent="inform"), []) == "structured"


def test_turn_view_shows_guards_writes_and_the_voice_text() -> None:
    after = state(active_task="book", stack=["book"], slots={"party_size": 2})
    voiced = result(after, actions=["guard:limit", "veto:too_many", "insert:bookings", "respond:ask_date"],
                    messages=[Message(response="ask_date", text="What day?", ssml="<speak>What day?</speak>")])
    shown = turn_view(voiced, None, channel="voice")
    assert shown["guards"] == [{"guard": "limit", "vetoed": False}, {"guard": "too_many", "vetoed": True}]
    assert shown["writes"] == ["insert:bookings"]
    assert (shown["messages"][0]["text"], shown["messages"][0]["ssml"]) == ("What day?", "<speak>What day?</speak>")
    assert turn_view(voiced, None, channel="text")["messages"][0]["ssml"] is None
    assert shown["changed"]["slots"] == {"party_size": "added"}
    assert shown["understood"] is None


def test_user_step_and_said_write_each_kind_of_input() -> None:
    assert user_step(UserInput(text="hello")) == {"user": "hello"}
    assert user_step(UserInput(intent="inform", entities={"name": "Zoë"})) == {"user": '/inform{"name": "Zoë"}'}
    assert user_step(UserInput(intent="greet")) == {"user": "/greet"}
    assert user_step(UserInput(event="dtmf", digits="12#")) == {"dtmf": "12#"}
    assert user_step(UserInput(event="no_input")) == {"event": "no_input"}
    assert [said(UserInput(event="dtmf", digits="3")), said(UserInput(event="end"))] == [":dtmf 3", ":end"]


def test_a_turn_becomes_a_test_step_with_what_it_changed() -> None:
    before = state(active_task="book", stack=["book"], slots={"date": "2026-12-05", "time": "20:00"})
    after = state(active_task="book", stack=["book"], slots={"date": "2026-12-06"})
    step = as_test_step(UserInput(text="saturday"), result(after, responses=("corrected", "ask_time")), before)
    assert step == {"user": "saturday", "bot": ["corrected", "ask_time"],
                    "slots": {"date": "2026-12-06", "time": None}, "task": "book"}
    ended = result(state(), responses=("goodbye",), ended=True, handoff=True,
                   messages=[Message(response="goodbye", text="Bye from the model", source="llm")])
    assert as_test_step(UserInput(event="end"), ended, None) == {
        "event": "end", "llm": "Bye from the model", "bot": "goodbye", "task": None, "ended": True, "handoff": True}
    menu = state(active_task="menu", stack=["menu"], fsm_state="billing")
    assert as_test_step(UserInput(event="dtmf", digits="2"), result(menu), None)["state"] == "billing"
