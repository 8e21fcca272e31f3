"""`call:` actions in whole turns against a real service on loopback: answers checked before use, failures take
the domain's error path within the budget, the turn's transaction is never held while a service is waited on,
and a retried turn never calls again."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.dm.events import ServiceCalled
from dialogue.dm.sql import MemoryStore, SqlStore
from dialogue.engine import Engine
from dialogue.turns import UserInput
from tests.dm.services.bank import BANK, REFUSING, bank
from tests.dm.services.loopback import Behaviour, closed_port, misbehaving

BUDGET_S = 0.4  # the bank domain's settings.actions.timeout_ms
TRANSFER = UserInput(intent="transfer", entities={"amount": 20, "payee": "ana"})


@pytest.fixture
def service(monkeypatch) -> Iterator[Behaviour]:
    with misbehaving() as (url, behaviour):
        monkeypatch.setenv("TEST_CORE_URL", url)
        monkeypatch.setenv("TEST_CORE_TOKEN", "t0ps3cret")
        yield behaviour


@pytest.fixture
def engine(service: Behaviour, tmp_path: Path) -> Engine:
    return Engine(bank(tmp_path), store=SqlStore(f"sqlite:///{tmp_path / 'bank.db'}"))


def test_a_checked_answer_fills_slots_and_user_variables(engine: Engine, service: Behaviour) -> None:
    result = engine.handle("s", "/check_balance", user_id="ana")
    assert result.text == "You have 120.5 EUR."
    assert result.state.slots["balance"] == 120.5 and result.state.slots["currency"] == "EUR"
    assert engine.store.variables("bank", "ana") == {"last_balance": 120.5}
    assert service.requests[0]["path"] == "/accounts/ana/balance"
    [called] = result.calls
    assert (called.service, called.method, called.path, called.status, called.attempts) == \
        ("core", "GET", "/accounts/ana/balance", "200", 1)
    assert "services" in result.latency_ms and "call:core" in result.actions


def test_the_call_is_in_the_event_log_without_secrets(engine: Engine) -> None:
    engine.handle("s", "/check_balance", user_id="ana")
    [session] = engine.store.export_sessions("bank")
    logged = [event for event in session["events"] if event["type"] == "service_called"]
    assert [(e["service"], e["method"], e["path"], e["status"]) for e in logged] == \
        [("core", "GET", "/accounts/ana/balance", "200")]
    assert logged[0]["ms"] > 0 and "t0ps3cret" not in str(session)


def test_a_body_of_templates_and_rows_kept_as_a_result(engine: Engine, service: Behaviour) -> None:
    service.answer = {"id": "T-77", "status": "done"}
    result = engine.handle("s", TRANSFER, user_id="ana")
    assert result.text == "Sent 20 to ana (reference T-77)."
    assert json.loads(service.requests[0]["body"]) == {"amount": 20, "to": "ana", "memo": ["fixed", "ana"]}


def test_values_in_the_path_are_one_segment_each(tmp_path: Path, service: Behaviour) -> None:
    engine = Engine(bank(tmp_path))
    engine.handle("s", "/check_balance", user_id="a/../b?c")
    assert service.requests[0]["raw_path"] == "/accounts/a%2F..%2Fb%3Fc/balance"
    assert service.requests[0]["query"] == {"currency": "EUR"}


@pytest.mark.parametrize("answer, problem", [
    ({"balance": "lots", "currency": "EUR"}, "does not match `expect` at balance"),
    ({"balance": 3}, "does not match `expect` at the answer: 'currency' is a required property"),
    ({"balance": 3, "currency": "GBP"}, "`currency` of the answer is no value for currency"),
])
def test_an_answer_of_the_wrong_shape_undoes_the_step_and_says_so(engine: Engine, service: Behaviour,
                                                                   answer: object, problem: str) -> None:
    service.answer = answer
    # a session of each example's own: the fixtures outlive an example, and a balance that an earlier example's
    # valid answer gave stays in its session when this answer fails (as it should)
    result = engine.handle(uuid.uuid4().hex, "/check_balance", user_id="ana")
    assert result.responses == ["action_failed"]
    assert any(problem in warning for warning in result.warnings), result.warnings
    assert engine.tables.count("audit") == 0  # the insert before the call was undone
    assert "balance" not in result.state.slots and engine.store.variables("bank", "ana") == {}
    assert result.state.active_task == "balance"  # the task waits, to be tried again


@pytest.mark.parametrize("extra, problem", [
    (json.loads("[" * 40 + "]" * 40), "result transfer[0].extra[0][0][0][0][0][0][0][0]: nested deeper than 10"),
    (10**30, "result transfer[0].extra: a number of 31 digits"),
    ("bell\x07", "result transfer[0].extra: character 5 is U+0007, a control character"),
])
def test_an_answer_that_could_not_be_kept_or_sent_back_takes_the_error_path(engine: Engine, service: Behaviour,
                                                                            extra: object, problem: str) -> None:
    """Rows kept as a result go into the session's state and back to clients: an answer nested too deep, with a
    number no double holds or a control character in its text is refused like an answer of the wrong shape."""
    service.answer = {"id": "T-77", "status": "done", "extra": extra}
    result = engine.handle("s", TRANSFER, user_id="ana")
    assert result.responses == ["transfer_failed"], result.responses
    assert any(f"the answer cannot be kept: {problem}" in warning for warning in result.warnings), result.warnings
    assert "transfer" not in engine.store.load("bank", "s").results


def test_on_error_runs_instead_of_the_rest_of_the_step(engine: Engine, service: Behaviour) -> None:
    service.status = 409
    result = engine.handle("s", TRANSFER, user_id="ana")
    assert result.responses == ["transfer_failed"]
    assert result.calls[0].status == "409" and "transferred" not in result.responses


@pytest.mark.parametrize(("status", "response"), [(409, "transfer_refused"), (422, "transfer_refused"),
                                                  (404, "transfer_refused"), (503, "transfer_failed"),
                                                  (401, "transfer_failed"), (403, "transfer_failed"),
                                                  (429, "transfer_failed")])
def test_on_refused_runs_when_the_service_declines_and_on_error_when_the_call_failed(
        tmp_path: Path, service: Behaviour, status: int, response: str) -> None:
    service.status = status
    result = Engine(bank(tmp_path, REFUSING)).handle("s", TRANSFER, user_id="ana")
    assert result.responses == [response] and result.calls[0].status == str(status)


def test_a_refusal_takes_on_error_without_on_refused_and_a_dead_service_never_refuses(
        tmp_path: Path, service: Behaviour, monkeypatch) -> None:
    service.status = 422
    assert Engine(bank(tmp_path)).handle("s", TRANSFER, user_id="ana").responses == ["transfer_failed"]
    monkeypatch.setenv("TEST_CORE_URL", closed_port())
    assert Engine(bank(tmp_path, REFUSING)).handle("s", TRANSFER, user_id="ana").responses == ["transfer_failed"]


@pytest.mark.parametrize("where", ["slow", "refused"])
def test_a_slow_or_dead_service_takes_its_path_within_the_budget(tmp_path: Path, service: Behaviour,
                                                                 monkeypatch, where: str) -> None:
    if where == "refused":
        monkeypatch.setenv("TEST_CORE_URL", closed_port())
    service.delay_s = 5
    engine = Engine(bank(tmp_path))
    started = time.monotonic()
    result = engine.handle("s", "/check_balance", user_id="ana")
    took = time.monotonic() - started
    assert took <= BUDGET_S + 0.05
    expected = "core_slow" if where == "slow" else "action_failed"  # on_timeout only for a timeout
    assert result.responses == [expected]


def test_a_retried_turn_id_never_calls_again(engine: Engine, service: Behaviour) -> None:
    first = engine.handle("s", UserInput(intent="transfer", entities={"amount": 20, "payee": "ana"}, turn_id="t1"))
    again = engine.handle("s", UserInput(intent="transfer", entities={"amount": 20, "payee": "ana"}, turn_id="t1"))
    assert again.replayed and again.text == first.text
    assert len(service.requests) == 1


def test_the_same_turn_run_again_sends_the_same_key(tmp_path: Path, service: Behaviour) -> None:
    """Two engines that both run turn 1 of session s (one whose commit was lost, say) send one key."""
    for _ in range(2):
        Engine(bank(tmp_path), store=MemoryStore()).handle("s", TRANSFER, user_id="ana")
    assert len(service.requests) == 2 and len(service.keys) == 1


def test_a_turn_waiting_on_a_service_holds_no_database_lock(engine: Engine, service: Behaviour) -> None:
    """SQLite lets one transaction write at a time: a turn that held its transaction through a 300 ms call would
    hold up every other session's turn."""
    service.delay_s = 0.3
    slow = threading.Thread(target=engine.handle, args=("slow", "/check_balance"), kwargs={"user_id": "ana"})
    slow.start()
    time.sleep(0.05)
    started = time.monotonic()
    other = engine.handle("other", UserInput(intent="transfer", entities={"amount": 5}))
    took = time.monotonic() - started
    slow.join()
    assert other.responses == ["ask_payee"] and took < 0.1


def test_the_domain_is_checked_before_it_runs(tmp_path: Path) -> None:
    from dialogue.domains.errors import DomainError

    broken = (BANK.replace("service: core\n          path: \"/acc", "service: cor\n          path: \"/acc")
              .replace("user.last_balance: balance", "user.last_balanse: balance")
              .replace("required: [balance, currency]", "required: balance"))
    with pytest.raises(DomainError) as err:
        bank(tmp_path, broken)
    text = str(err.value)
    assert "bank.yaml:32:20: error: unknown service 'cor'" in text and "did you mean 'core'" in text
    assert "unknown user variable 'last_balanse'" in text
    assert "not a valid JSON Schema: 'balance' is not of type 'array'" in text
    with pytest.raises(DomainError, match=r"bank.yaml:54:33: error: unknown response .transfer_refusd."):
        bank(tmp_path, REFUSING.replace("[respond: transfer_refused]", "[respond: transfer_refusd]"))


ANSWERS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50)
    | st.sampled_from(["EUR", "USD", "1e400", "x" * 100_000, "12"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["balance", "currency", "id"]),
                                                                  inner, max_size=3),
    max_leaves=12)


@pytest.fixture
def patient_engine(service: Behaviour, tmp_path: Path) -> Engine:
    """The bank with a budget that a loaded machine cannot overrun: the test below is about answers, not time."""
    patient = BANK.replace("timeout_ms: 400", "timeout_ms: 10000")
    assert patient != BANK
    return Engine(bank(tmp_path, patient), store=SqlStore(f"sqlite:///{tmp_path / 'bank.db'}"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=ANSWERS)
def test_hostile_answers_never_crash_and_never_give_a_slot_the_wrong_type(patient_engine: Engine, service: Behaviour,
                                                                          answer: object) -> None:
    engine = patient_engine
    service.answer = answer
    # a session of each example's own: the fixtures outlive an example, and a balance that an earlier example's
    # valid answer gave stays in its session when this answer fails (as it should)
    result = engine.handle(uuid.uuid4().hex, "/check_balance", user_id="ana")
    balance, currency = result.state.slots.get("balance"), result.state.slots.get("currency")
    if result.responses == ["your_balance"]:
        # a number slot's value: a whole number is an int (`{"balance": 0}`), any other a float; never a bool
        assert isinstance(balance, int | float) and not isinstance(balance, bool) and currency in ("EUR", "USD")
    else:
        assert result.responses == ["action_failed"] and balance is None and currency is None
    assert all(isinstance(event, ServiceCalled) for event in result.calls)
