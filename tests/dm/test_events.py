"""State changes only through events: the event log rebuilds the state, and events round-trip as JSON."""

from __future__ import annotations

import json

import pytest

from dialogue.dm.events import EVENT_ADAPTER, replay
from dialogue.dm.state import DialogueState
from dialogue.domains import bundled_domains, load_domain
from dialogue.engine import Engine
from dialogue.testing import step_input


@pytest.mark.parametrize("path", bundled_domains(), ids=lambda p: p.stem)
def test_replaying_the_log_rebuilds_every_session(path) -> None:
    domain = load_domain(path)
    checked = replayed_tests = 0
    for test in domain.tests:
        engine = Engine(domain)
        engine.store.remember(domain.name, test.user_id, test.variables)
        session = 0
        for step in test.steps:
            if step.new_session:
                session += 1
                continue
            if step.user is not None and not step.user.startswith("/"):
                continue  # free text needs the NLU
            engine.handle(f"s{session}", step_input(step), user_id=test.user_id, channel=test.channel)
        replayed_tests += bool(engine.store.sessions)
        for key, state in engine.store.sessions.items():
            events = engine.store.events[key]
            assert replay(events) == state
            restored = EVENT_ADAPTER.validate_json(json.dumps(EVENT_ADAPTER.dump_python(events, mode="json")))
            assert replay(restored) == state
            checked += 1
    assert replayed_tests >= len(domain.tests) // 2
    assert checked >= replayed_tests


def test_snapshot_round_trip() -> None:
    engine = Engine(load_domain("restaurant"))
    engine.handle("s", '/book_table{"cuisine": "italian", "party_size": 2}')
    state = engine.store.load("restaurant", "s")
    assert DialogueState.model_validate_json(state.model_dump_json()) == state


def test_clone_shares_nothing_that_a_turn_changes() -> None:
    engine = Engine(load_domain("restaurant"))
    engine.handle("s", '/book_table{"cuisine": "italian", "party_size": 30}')
    original = engine.store.load("restaurant", "s")
    before = original.model_dump()
    copy = original.clone()
    copy.slots["cuisine"] = "indian"
    copy.variables["x"] = 1
    copy.results["r"] = []
    copy.stack[0].attempts["party_size"] = 9
    copy.stack[0].done.append("contact")
    copy.stack[0].requested = "date"
    copy.stack.append(copy.stack[0])
    assert original.model_dump() == before


def test_a_value_set_supersedes_the_one_noted_for_its_slot() -> None:
    """"Somewhere close, I don't want to drive far" noted a movie "far"; the film then picked from the offer wins."""
    from dialogue.dm.events import SlotSet, ValuesNoted

    state = DialogueState(session_id="s", user_id="u", domain="d")
    ValuesNoted(values={"movie": "far", "tickets": 2}).apply(state)
    SlotSet(slot="movie", value="Ad Astra").apply(state)
    assert state.noted == {"tickets": 2} and state.slots["movie"] == "Ad Astra"
