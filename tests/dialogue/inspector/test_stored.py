"""A stored session rebuilt turn by turn from its event log shows what the live turns showed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.engine import Engine
from dialogue.inspector.conversations import Inspector, LocalBackend
from dialogue.inspector.stored import stored_turns
from dialogue.turns import InputError, StateSummary, UserInput
from tests.dialogue.inspector.booking import BOOKING, NOW

SHOWN_ALIKE = ("said", "turn", "understood", "guards", "writes", "calls", "sources", "ended", "handoff", "state",
               "changed", "marks")


def test_a_stored_conversation_replays_as_it_was_shown(db_url: str, restaurant_copy: Path) -> None:
    domain = load_domain(restaurant_copy)
    store = SqlStore(db_url)
    inspector = Inspector(domain, LocalBackend(Engine(domain, store=store)), domain_path=restaurant_copy,
                          store=store, now=NOW)
    inputs = [*BOOKING, "/book_table", "/cancel", "/goodbye"]
    live = [inspector.turn("stored-1", UserInput.parse(text), channel="voice") for text in inputs]
    replayed = inspector.replay("stored-1")
    assert len(replayed) == len(live) == len(inputs)
    for was, again in zip(live, replayed):
        assert {key: again[key] for key in SHOWN_ALIKE} == {key: was[key] for key in SHOWN_ALIKE}
        # the log keeps each message's text and source, not its SSML or the LLM's note
        assert again["messages"] == [{**message, "ssml": None, "note": None} for message in was["messages"]]
        assert all(message["ssml"].startswith("<speak>") for message in was["messages"])
        assert sorted(again["actions"]) == sorted(was["actions"])
        assert set(again["latency_ms"]) >= {"nlu", "policy", "total"}
    assert inspector.stored()[0]["session_id"] == "stored-1" and inspector.stored()[0]["turns"] == len(inputs)
    # the state after the last turn is the stored snapshot
    _, last, _ = stored_turns(store.export_session("restaurant", "stored-1"))[-1]
    assert last.state == StateSummary.of(store.load("restaurant", "stored-1"))


def test_replay_needs_a_stored_session(restaurant_copy: Path, tmp_path: Path) -> None:
    domain = load_domain(restaurant_copy)
    without = Inspector(domain, LocalBackend(Engine(domain)), domain_path=restaurant_copy)
    assert without.stored() == []
    with pytest.raises(InputError, match="no stored session 'x'"):
        without.replay("x")
    store = SqlStore(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(InputError, match="no stored session 'x' of restaurant"):
        Inspector(domain, LocalBackend(Engine(domain, store=store)), domain_path=None, store=store).replay("x")
