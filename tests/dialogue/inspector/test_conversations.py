"""The inspector's conversations on a real engine: turns shown, the clock pinned, a conversation saved as a test
that then passes, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.inspector.conversations import Inspector, LocalBackend
from dialogue.testing import run_tests
from dialogue.turns import InputError, UserInput
from tests.dialogue.inspector.booking import BOOKING, NOW


def inspector_on(path: Path, **options) -> Inspector:
    domain = load_domain(path)
    return Inspector(domain, LocalBackend(Engine(domain)), domain_path=path, **options)


def test_a_whole_booking_is_shown_turn_by_turn(restaurant_copy: Path) -> None:
    inspector = inspector_on(restaurant_copy, now=NOW)
    shown = [inspector.turn("s1", UserInput.parse(text), channel="text") for text in BOOKING]
    assert [view["said"] for view in shown] == BOOKING
    assert shown[1]["marks"] == ["task:book_table", "slot:book_table/cuisine"]
    assert shown[2]["changed"]["slots"] == {"cuisine": "added"} and shown[2]["state"]["slots"]["cuisine"] == "sichuan"
    assert shown[-1]["writes"] == ["insert:bookings"]
    assert shown[-1]["state"]["active_task"] is None and shown[-1]["changed"]["stack"]
    assert "Friday 27 November" in shown[-2]["messages"][0]["text"]  # the pinned clock: the 27th is to come


def test_a_conversation_saved_as_a_test_passes_and_keeps_the_file(restaurant_copy: Path) -> None:
    tests_file = restaurant_copy.with_name("restaurant.tests.yaml")
    before = tests_file.read_text(encoding="utf-8")
    inspector = inspector_on(restaurant_copy, now=NOW)
    for text in BOOKING:
        inspector.turn("s1", UserInput.parse(text), channel="text")
    saved = inspector.save_test("s1", "booking saved from the inspector")
    # The reference the reservation service made up differs when the test runs again: not a check to keep.
    assert (saved["checked"], saved["unchecked"], saved["failing"]) == (True, ["step 9: slot booking_ref"], [])
    assert "booking_ref" not in saved["test"]["steps"][8]["slots"]
    written = tests_file.read_text(encoding="utf-8")
    assert written.startswith(before.rstrip("\n").split("\n", 1)[0])  # the header comment is kept
    assert sum(line in written.splitlines() for line in before.splitlines()) == len(before.splitlines())
    test = YAML(typ="safe").load(written)["tests"][-1]
    assert test == saved["test"]
    assert test["now"] == "2026-11-25T10:00:00" and len(test["steps"]) == len(BOOKING)
    assert test["steps"][2] == {"user": '/inform{"cuisine": "szechuan"}', "bot": "ask_party_size",
                                "slots": {"cuisine": "sichuan"}, "task": "book_table"}
    [outcome] = run_tests(load_domain(restaurant_copy), name="booking saved from the inspector")
    assert outcome.passed, [(s.number, s.mismatches, s.error) for s in outcome.steps if not s.passed]


def test_a_new_tests_file_is_written_when_the_domain_has_none(restaurant_copy: Path) -> None:
    restaurant_copy.with_name("restaurant.tests.yaml").unlink()
    inspector = inspector_on(restaurant_copy, now=NOW)
    inspector.turn("s1", UserInput.parse("/greet"), channel="voice")
    inspector.save_test("s1", "greeting on the phone")
    [test] = load_domain(restaurant_copy).tests[-1:]
    assert (test.name, test.channel, test.steps[0].bot) == ("greeting on the phone", "voice", ["greet"])
    assert restaurant_copy.with_name("restaurant.tests.yaml").read_text().startswith("# Conversation tests of")


def test_saving_refuses_what_it_cannot_save(restaurant_copy: Path) -> None:
    inspector = inspector_on(restaurant_copy)
    with pytest.raises(InputError, match="no conversation 'nobody'"):
        inspector.save_test("nobody", "x")
    inspector.turn("s1", UserInput.parse("/greet"), channel="text")
    with pytest.raises(InputError, match="give the test a name"):
        inspector.save_test("s1", "  ")
    taken = load_domain(restaurant_copy).tests[0].name
    with pytest.raises(InputError, match="has a test named"):
        inspector.save_test("s1", taken)
    remote = Inspector(inspector.domain, inspector.backend, domain_path=None)
    remote.turn("s2", UserInput.parse("/greet"), channel="text")
    with pytest.raises(InputError, match="file is not known"):
        remote.save_test("s2", "x")


def test_each_conversation_keeps_its_own_user_and_the_oldest_is_forgotten(restaurant_copy: Path,
                                                                           monkeypatch) -> None:
    monkeypatch.setattr("dialogue.inspector.conversations.MAX_CONVERSATIONS", 2)
    inspector = inspector_on(restaurant_copy)
    for session in ("a", "b", "c"):
        inspector.turn(session, UserInput.parse("/greet"), channel="text")
    assert list(inspector.conversations) == ["b", "c"]
    assert inspector.conversations["c"].user_id == "inspect-c"
