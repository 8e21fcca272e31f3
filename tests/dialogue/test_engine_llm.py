"""The engine's LLM uses with a scripted backend: rephrase with the fact check, fallback, rescue, streaming
after the check, time budgets, PII kept out of prompts and the event log."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.domains.interpretation import Expectation, Interpretation
from dialogue.engine import Engine
from tests.nlg.scripted import ScriptedBackend

DOMAIN = """
version: 1
name: booking
description: Book tables.
slots:
  party_size: {type: integer, min: 1}
  name: {type: text, pii: true}
intents:
  book_table: {description: reserve a table, examples: [book a table]}
tasks:
  book_table:
    policy: frame
    triggers: [book_table]
    slots:
      - slot: party_size
      - slot: name
    on_complete:
      - respond: booked
responses:
  ask_party_size: How many people?
  ask_name: What name is the booking under?
  booked: "Done: a table for {{ slots.party_size }} under {{ slots.name }}."
nlg:
  rephrase: true
  fallback: true
  rescue: true
  persona: a cheerful host
  llm: {timeout_ms: 300}
"""


class UnsureNlu:
    """Every text is below the confidence threshold."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return Interpretation(intent="nlu_fallback", confidence=0.2, text=text, source="nlu")


def booked(request) -> str:
    """A rephrasing that keeps the facts (placeholders included) when asked to rephrase."""
    text = request.messages[-1]["content"]
    return "Lovely! " + text if "Rewrite" in request.messages[0]["content"] else "I only book tables, sorry."


@pytest.fixture
def domain(write_domain):
    return load_domain(write_domain(DOMAIN))


def test_rephrasing_that_keeps_the_facts_goes_out_and_pii_never_reaches_the_llm(domain) -> None:
    backend = ScriptedBackend(booked)
    engine = Engine(domain, llm=backend)
    result = engine.handle("s", '/book_table{"party_size": 4, "name": "Ada Lovelace"}')
    [message] = result.messages
    assert message.source == "llm" and message.text == "Lovely! Done: a table for 4 under Ada Lovelace."
    prompt = backend.requests[-1].messages[-1]["content"]
    assert prompt == "Done: a table for 4 under [PII_1]." and "Ada" not in json.dumps(backend.requests[-1].messages)


def test_rephrasing_that_drops_a_value_leaves_the_template(domain) -> None:
    engine = Engine(domain, llm=ScriptedBackend("Done, your table is booked!"))
    [message] = engine.handle("s", '/book_table{"party_size": 4, "name": "Ada"}').messages
    assert message.source == "template" and message.text == "Done: a table for 4 under Ada."
    assert message.note == "LLM answer rejected: the answer lost '4'"


def test_stream_releases_chunks_only_after_the_check(domain) -> None:
    chunks = []
    engine = Engine(domain, llm=ScriptedBackend(booked))
    engine.handle("s", "/book_table", stream=chunks.append)
    assert [c.text for c in chunks] == ["Lovely! ", "How ", "many ", "people?"] and chunks[-1].last
    rejected = []
    Engine(domain, llm=ScriptedBackend("far too long " * 20)).handle("s", "/book_table", stream=rejected.append)
    assert [(c.text, c.last) for c in rejected] == [("How many people?", True)]


def test_fallback_answers_out_of_scope_text_then_reprompts_the_task(domain) -> None:
    engine = Engine(domain, nlu=UnsureNlu(), llm=ScriptedBackend(booked))
    engine.handle("s", "/book_table")
    engine.domain.nlg.rescue = False
    result = engine.handle("s", "what's the weather like?")
    assert [(m.response, m.source) for m in result.messages] == [("fallback", "llm"), ("ask_party_size", "llm")]
    assert result.messages[0].text == "I only book tables, sorry."


def test_rescue_picks_among_the_domains_intents(domain) -> None:
    engine = Engine(domain, nlu=UnsureNlu(), llm=ScriptedBackend('Sure: {"intent": "book_table"}'))
    result = engine.handle("s", "could I maybe get a spot for dinner")
    assert result.understood.intent == "book_table" and result.understood.source == "llm"
    assert result.state.active_task == "book_table"


@pytest.mark.parametrize("answer", ['{"intent": "order_pizza"}', "book_table", '{"intent": "none"}'])
def test_invalid_rescue_answers_stay_nlu_fallback(domain, answer: str) -> None:
    engine = Engine(domain, nlu=UnsureNlu(), llm=ScriptedBackend(answer))
    result = engine.handle("s", "could I maybe get a spot for dinner")
    assert result.understood.intent == "nlu_fallback" and result.understood.source == "nlu"
    assert result.understood.warnings and "rescue" in result.understood.warnings[-1]


def test_a_slow_llm_costs_the_turn_its_budget_and_no_more(domain) -> None:
    engine = Engine(domain, nlu=UnsureNlu(), llm=ScriptedBackend(booked, delay=5.0))
    started = time.perf_counter()
    result = engine.handle("s", "could I maybe get a spot for dinner")
    elapsed = time.perf_counter() - started
    assert result.understood.intent == "nlu_fallback"
    assert all(m.source == "template" for m in result.messages)
    assert 0.3 <= elapsed < 0.3 + 0.1, elapsed  # the budget (300 ms) covers rescue and NLG together


def test_without_a_backend_the_domain_runs_on_templates(domain) -> None:
    [message] = Engine(domain).handle("s", "/book_table").messages
    assert message.source == "template" and message.text == "How many people?"


def test_the_event_log_keeps_pii_slots_redacted(domain, tmp_path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'log.db'}")
    engine = Engine(domain, store=store, llm=ScriptedBackend(booked))
    engine.handle("s", '/book_table{"party_size": 2, "name": "Ada Lovelace"}')
    with store.database.transaction(write=False) as connection:
        logged = [row[0] for row in connection.exec_driver_sql("SELECT data FROM dialogue_events")]
    assert logged and not any("Ada" in line for line in logged)
    assert any('"value":"[redacted]"' in line for line in logged)
    store.close()


def test_repeated_rephrasings_come_from_the_cache(domain, tmp_path) -> None:
    backend = ScriptedBackend(booked)
    store = SqlStore(f"sqlite:///{tmp_path / 'cache.db'}")
    engine = Engine(domain, store=store, llm=backend)
    first = engine.handle("a", "/book_table").messages[0]
    second = engine.handle("b", "/book_table").messages[0]
    assert len(backend.requests) == 1 and first.text == second.text == "Lovely! How many people?"
    assert second.note == "cached"
    store.close()


def test_on_sqlite_a_turn_waiting_for_the_llm_holds_up_no_other_session(write_domain, tmp_path) -> None:
    """A turn takes the database's write lock only to save, after its reply is written (the LLM is given longer
    than the other session waits here)."""
    domain = load_domain(write_domain(DOMAIN.replace("llm: {timeout_ms: 300}", "llm: {timeout_ms: 30000}")))
    in_llm, other_saved, calls = threading.Event(), threading.Event(), []

    def reply(request) -> str:
        calls.append(request)
        if len(calls) == 1:  # the first turn's rephrasing waits until the other session's turn is kept
            in_llm.set()
            other_saved.wait(10)
        return booked(request)

    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    engine = Engine(domain, store=store, llm=ScriptedBackend(reply))
    slow = threading.Thread(target=engine.handle, args=("slow", '/book_table{"party_size": 4, "name": "Ada"}'))
    slow.start()
    assert in_llm.wait(10)
    quick: list = []
    other = threading.Thread(target=lambda: quick.append(engine.handle("quick", "/book_table")))
    other.start()
    other.join(5)
    finished_meanwhile = not other.is_alive()
    other_saved.set()
    slow.join(10)
    other.join(10)
    assert finished_meanwhile and quick[0].text == "Lovely! How many people?"
    assert store.load("booking", "quick").turn == 1 and store.load("booking", "slow").turn == 1
    store.close()
