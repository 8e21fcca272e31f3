"""What a turn's input may hold: values that can be kept and sent back, text without control characters, and a
user of the session's own when the caller names none."""

from __future__ import annotations

import json

import pytest

from dialogue.domains import load_domain
from dialogue.domains.values import MAX_DEPTH, MAX_INTEGER
from dialogue.engine import Engine
from dialogue.turns import InputError, UserInput, anonymous_user, check_values, plain_text
from tests.dialogue.inspector.booking import BOOKING, NOW


def nested(depth: int) -> list:
    return json.loads("[" * depth + "]" * depth)


@pytest.mark.parametrize(("value", "says"), [
    (10**400, "a number of 401 digits"),
    (-(MAX_INTEGER + 1), "integers are taken up to 2**53"),
    (float("nan"), "nan is not a finite number"),
    (float("-inf"), "-inf is not a finite number"),
    (nested(MAX_DEPTH), "nested deeper than 10 levels"),
    ({"a": nested(MAX_DEPTH - 1)}, "nested deeper than 10 levels"),
    ("Ana\x07", "character 4 is U+0007, a control character"),
    ("\x1b[31mred", "U+001B"),
    ("a\x85b", "U+0085"),
    ("a\x00b", "U+0000"),
    ("a\ud800b", "U+D800, a lone surrogate"),
    ({"bad\x01key": 1}, "U+0001"),
])
def test_values_that_cannot_be_kept_or_sent_back_are_refused(value, says: str) -> None:
    with pytest.raises(InputError, match=r"^entities\.v.*" + says.replace("*", r"\*").replace("+", r"\+")
                       .replace("(", r"\(").replace("[", r"\[")):
        check_values("entities", {"v": value})


@pytest.mark.parametrize("value", [MAX_INTEGER, -MAX_INTEGER, 1.5e300, True, None, "tab\tnew\nline\r",
                                   nested(MAX_DEPTH - 1), {"a": [{"b": "c"}]}, "Zoë 東京"])
def test_values_within_the_limits_are_taken(value) -> None:
    check_values("entities", {"v": value})


def test_free_text_loses_its_control_characters() -> None:
    assert plain_text("hello\x07there\x1b[31m\x00!\x85") == "hello there [31m ! "
    assert plain_text("keeps\ttabs\nand lines\r") == "keeps\ttabs\nand lines\r"
    given = UserInput(text="a\x07b").check()
    assert given.text == "a b"
    same = UserInput(text="plain")
    assert same.check() is same


def test_turns_without_a_user_share_no_memory() -> None:
    """The restaurant remembers the name a booking was made under and offers it on the next visit: to the same
    user, never to the next caller who names no user."""
    engine = Engine(load_domain("restaurant"))
    for session, user in (("first-caller", None), ("ana-1", "ana")):
        for text in BOOKING:
            engine.handle(session, text, user_id=user, now=NOW)
    assert engine.store.load("restaurant", "first-caller").user_id == anonymous_user("first-caller")
    assert engine.store.variables("restaurant", anonymous_user("first-caller"))["customer_name"] == "Ana Lopez"

    def asked_for_a_name(session: str, user: str | None) -> str:
        for text in BOOKING[:6]:  # up to the time: then the name is asked for
            asked = engine.handle(session, text, user_id=user, now=NOW)
        return asked.text

    assert "Ana Lopez" in asked_for_a_name("ana-2", "ana")  # the same user is offered the name
    assert "Ana Lopez" not in asked_for_a_name("next-caller", None)
    assert engine.store.variables("restaurant", anonymous_user("next-caller")) == {}
    assert anonymous_user("x" * 200).startswith("anonymous:") and len(anonymous_user("x" * 200)) <= 200
