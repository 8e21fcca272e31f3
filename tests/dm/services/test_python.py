"""`python:` actions: functions registered by name (in the process, or by an installed package's entry points),
given a read-only view of the turn, returning steps that are checked like the domain's own."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from dialogue.dm.services.python import Respond, Results, SetSlot, SetVariable, StartTask, TurnView
from dialogue.domains import load_domain
from dialogue.domains.errors import DomainError
from dialogue.domains.python_functions import _entry_points, names, register
from dialogue.engine import Engine
from dialogue.turns import UserInput

RUNS: list[TurnView] = []


@register("tests.score_transfer")
def score_transfer(view: TurnView):
    RUNS.append(view)
    risky = view.args["amount"] > 1000
    return [SetSlot("risk", "high" if risky else "low"), SetVariable("checks", view.variables["checks"] + 1),
            Results("history", [{"payee": "ana", "when": view.now.date().isoformat()}]),
            *([Respond("too_risky"), StartTask("call_back")] if risky else [])]


@register("tests.meddles")
def meddles(view: TurnView):
    view.slots["risk"] = "low"  # the view is read-only: this raises


@register("tests.slow")
def slow(view: TurnView):
    time.sleep(1)


@register("tests.wrong")
def wrong(view: TurnView):
    return {"risk": "high"} if view.args["kind"] == "dict" else SetSlot("risk", "extreme") \
        if view.args["kind"] == "value" else SetSlot("riks", "high")


DOMAIN = """\
version: 1
name: payments
settings: {actions: {timeout_ms: 300}}
slots:
  amount: {type: integer}
  risk: {type: category, values: [low, high]}
memory:
  variables:
    checks: {type: integer, default: 0}
intents:
  pay: ["pay [20](amount)"]
  call_me: [call me]
tasks:
  pay:
    policy: frame
    triggers: [pay]
    slots: [{slot: amount}]
    on_complete:
      - python: {function: FUNCTION, args: {amount: "{{ slots.amount }}", kind: KIND},
                  results: [history], on_timeout: [respond: slow]}
      - respond: paid
  call_back:
    policy: frame
    triggers: [call_me]
    on_complete: [respond: calling]
responses:
  ask_amount: How much?
  paid: "Paid {{ slots.amount }} (risk {{ slots.risk }}, {{ results.history[0].payee }})."
  too_risky: That needs a call.
  calling: We'll call you.
  slow: Checks are slow.
"""


def engine(tmp_path: Path, function: str = "tests.score_transfer", kind: str = "none") -> Engine:
    path = tmp_path / "payments.yaml"
    path.write_text(DOMAIN.replace("FUNCTION", function).replace("KIND", kind), encoding="utf-8")
    return Engine(load_domain(path))


def pay(amount: int, turn_id: str | None = None) -> UserInput:
    return UserInput(intent="pay", entities={"amount": amount}, turn_id=turn_id)


def test_steps_are_taken_in_order_and_the_function_sees_the_turn(tmp_path: Path) -> None:
    RUNS.clear()
    payments = engine(tmp_path)
    result = payments.handle("s", pay(20), user_id="bo")
    assert result.text == "Paid 20 (risk low, ana)." and "python:tests.score_transfer" in result.actions
    [view] = RUNS
    assert (view.session_id, view.user_id, view.intent, dict(view.args)) == ("s", "bo", "pay", {"amount": 20,
                                                                                              "kind": "none"})
    assert view.slots["amount"] == 20 and view.variables["checks"] == 0
    assert payments.store.variables("payments", "bo") == {"checks": 1}
    risky = payments.handle("s2", pay(5000), user_id="bo")
    assert risky.responses == ["too_risky", "paid", "calling"]  # the started task completes after the batch


def test_a_retried_turn_id_never_runs_the_function_again(tmp_path: Path) -> None:
    RUNS.clear()
    payments = engine(tmp_path)
    payments.handle("s", pay(20, "t1"))
    assert payments.handle("s", pay(20, "t1")).replayed and len(RUNS) == 1


@pytest.mark.parametrize("function, kind, problem", [
    ("tests.meddles", "none", "TypeError: 'mappingproxy' object does not support item assignment"),
    ("tests.wrong", "dict", "it returned dict, not a step"),
    ("tests.wrong", "value", "not one of"),
    ("tests.wrong", "slot", "the domain has no slot 'riks'"),
])
def test_a_function_that_fails_or_returns_what_the_domain_cannot_take_is_undone(tmp_path: Path, function: str,
                                                                               kind: str, problem: str) -> None:
    result = engine(tmp_path, function, kind).handle("s", pay(20))
    assert result.responses == ["action_failed"] and "risk" not in result.state.slots
    assert any(problem in warning for warning in result.warnings), result.warnings


def test_a_slow_function_takes_the_timeout_path_within_the_budget(tmp_path: Path) -> None:
    payments = engine(tmp_path, "tests.slow")
    started = time.monotonic()
    assert payments.handle("s", pay(20)).responses == ["slow"]
    assert time.monotonic() - started <= 0.3 + 0.05


def test_an_installed_package_registers_functions_through_its_entry_points(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "site"
    (package / "acme_actions-1.0.dist-info").mkdir(parents=True)
    (package / "acme_actions-1.0.dist-info" / "METADATA").write_text("Name: acme-actions\nVersion: 1.0\n")
    (package / "acme_actions-1.0.dist-info" / "entry_points.txt").write_text(
        "[dialogue.actions]\nacme.score = acme_actions:score\n")
    (package / "acme_actions.py").write_text(
        "from dialogue.dm.services.python import SetSlot\n\n"
        "def score(view):\n    return SetSlot('risk', 'high')\n")
    monkeypatch.syspath_prepend(str(package))
    _entry_points.cache_clear()
    try:
        assert "acme.score" in names()
        assert "risk high" in engine(tmp_path, "acme.score").handle("s", pay(20)).text
    finally:
        sys.modules.pop("acme_actions", None)
        _entry_points.cache_clear()


def test_validate_names_an_unregistered_function(tmp_path: Path) -> None:
    with pytest.raises(DomainError, match=r"no Python action is registered as 'acme\.nothing'"):
        engine(tmp_path, "acme.nothing")
