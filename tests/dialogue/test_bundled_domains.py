"""The bundled domains: realistic (15+ examples per intent), their conversation tests pass, and the
tests walk the paths the issue names (interruption, cancel, correction, veto, escalation, DTMF)."""

from __future__ import annotations

from functools import cache

import pytest

from dialogue.domains import load_domain
from dialogue.domains.builtin import BUILTIN_INTENTS
from dialogue.domains.schema import FrameTask, FsmTask
from dialogue.nlu.knowledge.index import domain_index
from dialogue.nlu.understander import Understander
from dialogue.testing import run_tests

NAMES = ["restaurant", "banking", "telco_ivr"]


@pytest.fixture(scope="module")
def outcome(bundled_models):
    """Each bundled domain's conversation tests, run with its trained NLU (free-text steps included) and the index
    of its knowledge."""

    @cache
    def run(name: str):
        domain = load_domain(name)
        return domain, run_tests(domain, nlu=Understander.for_domain(domain, bundled_models),
                                 knowledge=domain_index(domain, bundled_models))

    return run


@pytest.mark.parametrize("name", NAMES)
def test_conversation_tests_pass(outcome, name: str) -> None:
    domain, outcomes = outcome(name)
    free_text = [s for t in domain.tests for s in t.steps if s.user is not None and not s.user.startswith("/")]
    assert len(free_text) >= 5, "the tests include free-text turns"
    assert len(outcomes) >= 10
    failed = {o.name: [(s.number, s.error, [vars(m) for m in s.mismatches]) for s in o.steps if not s.passed]
              for o in outcomes if not o.passed}
    assert failed == {}


@pytest.mark.parametrize("name", NAMES)
def test_every_intent_has_fifteen_examples(name: str) -> None:
    domain = load_domain(name)
    short = {intent: len(spec.examples) for intent, spec in domain.intents.items() if len(spec.examples) < 15}
    assert short == {}
    assert set(domain.intents) - set(BUILTIN_INTENTS), "a domain declares intents of its own"


def labels(outcomes) -> set[str]:
    return {label for o in outcomes for step in o.steps for label in step.actions}


def prefixes(found: set[str]) -> set[str]:
    return {label.split(":")[0] for label in found} | found


def test_restaurant_paths(outcome) -> None:
    domain, outcomes = outcome("restaurant")
    seen = prefixes(labels(outcomes))
    assert {"respond:corrected", "respond:confirm_denied", "respond:too_many_people", "insert", "update",
            "resume_task", "cancel_task", "set_variable:favourite_cuisine"} <= seen
    assert isinstance(domain.tasks["book_table"], FrameTask) and domain.tasks["book_table"].confirm


def test_banking_paths(outcome) -> None:
    domain, outcomes = outcome("banking")
    seen = prefixes(labels(outcomes))
    assert {"resume_task:transfer_money", "cancel_task", "respond:corrected", "veto", "handoff",
            "insert", "update"} <= seen
    assert any(g.stage == "action" and g.veto for g in domain.guards)


def test_telco_paths(outcome) -> None:
    domain, outcomes = outcome("telco_ivr")
    seen = prefixes(labels(outcomes))
    assert {"enter_state", "escalate:no_input", "escalate:no_match", "handoff", "end"} <= seen
    assert any(isinstance(task, FsmTask) for task in domain.tasks.values())
    keyed = [step for test in domain.tests for step in test.steps if step.dtmf]
    assert len(keyed) >= 5
    assert all(test.channel == "voice" for test in domain.tests)
