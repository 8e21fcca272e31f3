"""The one table from step kind to handler: complete, and run in order with follow-ups in place."""

from __future__ import annotations

import typing

from dialogue.dm.events import EVENT_TYPES, SlotSet
from dialogue.dm.state import DialogueState
from dialogue.dm.tracker import Tracker, Turn
from dialogue.domains.schema.actions import ACTION_KINDS, Respond, Select, SelectSpec, SetSlot
from dialogue.engine import Engine
from dialogue.policies.steps import DIRECTIVES, Finish, Say, Step, labels
from tests.conftest import NOW

SHOP = """
version: 1
name: shop
slots:
  item: {type: text}
memory:
  tables:
    orders: {columns: {item: text}}
responses:
  none_left: "None left."
  noted: "Noted {{ slots.item }}."
"""


def test_every_kind_of_step_has_a_handler(domain_from) -> None:
    engine = Engine(domain_from(SHOP))
    kinds = {*EVENT_TYPES, *ACTION_KINDS.values(), *DIRECTIVES}
    assert set(engine.executor.handlers) == kinds
    assert set(typing.get_args(Step)) == {EVENT_TYPES[0].__base__, ACTION_KINDS["respond"].__base__, *DIRECTIVES}


def test_follow_up_steps_run_in_place_before_the_rest(domain_from) -> None:
    engine = Engine(domain_from(SHOP))
    empty = Select(select=SelectSpec(table="orders", on_empty=[Respond(respond="none_left")]))
    tracker = Tracker(DialogueState(session_id="s1", user_id="u", domain="shop", slots={"item": None}),
                      Turn("text", NOW))
    engine.executor.run(tracker, [SetSlot(set_slot={"item": "tea"}), empty, Say("noted")])
    assert [pending.name for pending in tracker.responses] == ["none_left", "noted"]
    assert tracker.state.slots["item"] == "tea"
    assert tracker.executed == ["set_slot:item", "select:orders", "respond:none_left", "respond:noted"]


def test_labels_are_how_guards_see_a_batch() -> None:
    batch = [Say("greet"), SetSlot(set_slot={"a": 1, "b": 2}), SlotSet(slot="c", value=3), Finish("book", "cancelled"),
             Select(select=SelectSpec(table="orders"))]
    assert labels(batch) == ["respond:greet", "set_slot:a", "set_slot:b", "set_slot:c", "cancel_task:book",
                             "select:orders"]
