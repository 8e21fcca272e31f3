"""What the last turn asked of the user, read from the dialogue state (DialogueState.expectation)."""

from __future__ import annotations

import pytest

from dialogue.dm.state import DialogueState, Offering, TaskFrame
from dialogue.domains.interpretation import Expectation


def state(**fields) -> DialogueState:
    return DialogueState(session_id="s", user_id="u", domain="d", **fields)


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, None),
    ({"stack": [TaskFrame(task="book")]}, None),
    ({"stack": [TaskFrame(task="book", requested="time")]}, Expectation(kind="slot", slot="time")),
    ({"stack": [TaskFrame(task="book", requested="time", offered="19:00")]}, Expectation(kind="yes_no")),
    ({"stack": [TaskFrame(task="book", requested="time", confirming=True)]}, Expectation(kind="yes_no")),
    ({"stack": [TaskFrame(task="book", requested="time", changing=True)]}, None),
    ({"proposed": "book"}, Expectation(kind="yes_no")),
    ({"offering": Offering(result="found"), "stack": [TaskFrame(task="book", requested="time")]},
     Expectation(kind="choice")),
    ({"stack": [TaskFrame(task="book", requested="time")], "ended": True}, None),
    ({"stack": [TaskFrame(task="book", requested="time")], "handoff": True}, None),
])
def test_the_last_question_is_what_the_next_message_answers(fields, expected) -> None:
    assert state(**fields).expectation == expected


def test_the_active_task_asks_not_the_ones_below_it() -> None:
    below, top = TaskFrame(task="book", requested="time"), TaskFrame(task="hours")
    assert state(stack=[below, top]).expectation is None
    assert state(stack=[top, below]).expectation == Expectation(kind="slot", slot="time")
