"""The services' HTTP client against real servers on loopback: every failure is an answer that says why, within
the call's time plus 50 ms; retries only where safe; the circuit breaker opens and closes."""

from __future__ import annotations

import time

import pytest

from dialogue.dm.services import ServiceClient, ServiceRequest
from dialogue.domains.schema.services import Service
from tests.dm.services.loopback import closed_port, misbehaving, silent

BUDGET_S = 0.3
SLACK_S = 0.05


def request(method: str = "GET", path: str = "/accounts/ana", body: object = None) -> ServiceRequest:
    return ServiceRequest.of("core", method, path, {"currency": "EUR"}, body, turn="bank/s/1", ordinal=1)


def client(url: str, **spec: object) -> ServiceClient:
    return ServiceClient({"core": Service(base_url=url, **spec)})


def timed(service: ServiceClient, req: ServiceRequest | None = None):
    started = time.monotonic()
    answer = service.send(req or request(), started + BUDGET_S)
    return answer, time.monotonic() - started


def test_an_answer_is_its_json_with_the_status() -> None:
    with misbehaving() as (url, behaviour):
        answer, _ = timed(client(url))
    assert (answer.outcome, answer.status, answer.body) == ("ok", 200, {"balance": 120.5, "currency": "EUR"})
    sent = behaviour.requests[0]
    assert (sent["method"], sent["path"], sent["query"]) == ("GET", "/accounts/ana", {"currency": "EUR"})
    assert sent["headers"]["idempotency-key"] == request().key


@pytest.mark.parametrize("misbehave, reason", [
    (lambda b: setattr(b, "status", 404), "status"),
    (lambda b: setattr(b, "status", 500), "status"),
    (lambda b: setattr(b, "delay_s", 2), "timeout"),
    (lambda b: setattr(b, "raw", b'{"balance": 12'), "not_json"),
    (lambda b: setattr(b, "raw", b"[" * 100_000 + b"]" * 100_000), "not_json"),
    (lambda b: setattr(b, "raw", b'"' + b"x" * 2_000_000 + b'"'), "too_large"),
    (lambda b: setattr(b, "drip_s", 0.05), "timeout"),
])
def test_every_misbehaviour_is_a_failure_within_the_budget(misbehave, reason: str) -> None:
    with misbehaving() as (url, behaviour):
        misbehave(behaviour)
        answer, took = timed(client(url, retries=0))
    assert answer.outcome == ("timeout" if reason == "timeout" else "error")
    assert answer.reason == reason and answer.error
    assert took <= BUDGET_S + SLACK_S


def test_a_refused_connection_and_a_server_that_never_answers_fail_within_the_budget() -> None:
    answer, took = timed(client(closed_port(), retries=0))
    assert (answer.outcome, answer.reason) == ("error", "unreachable") and took <= BUDGET_S + SLACK_S
    with silent() as url:
        answer, took = timed(client(url, retries=0))
    assert (answer.outcome, answer.reason) == ("timeout", "timeout") and took <= BUDGET_S + SLACK_S


def test_idempotent_methods_are_tried_again_after_a_transient_failure() -> None:
    with misbehaving() as (url, behaviour):
        behaviour.fail_first = 1
        answer, _ = timed(client(url, retries=1))
    assert (answer.outcome, answer.attempts) == ("ok", 2)
    assert len(behaviour.requests) == 2


def test_a_post_is_tried_once_unless_the_service_honours_idempotency_keys() -> None:
    with misbehaving() as (url, behaviour):
        behaviour.fail_first = 1
        answer, _ = timed(client(url, retries=2), request("POST", "/transfers", {"amount": 20}))
        assert (answer.outcome, answer.status, answer.attempts) == ("error", 503, 1)
        assert len(behaviour.requests) == 1
        behaviour.fail_first = 1
        answer, _ = timed(client(url, retries=2, idempotency_keys=True), request("POST", "/transfers", {"amount": 20}))
    assert (answer.outcome, answer.attempts) == ("ok", 2)
    assert behaviour.keys[request("POST", "/transfers", {"amount": 20}).key] == 3  # one key for every try


def test_a_client_error_is_not_tried_again() -> None:
    with misbehaving() as (url, behaviour):
        behaviour.status = 422
        answer, _ = timed(client(url, retries=3))
    assert (answer.status, answer.attempts, len(behaviour.requests)) == (422, 1, 1)


def test_the_circuit_opens_after_failures_in_a_row_and_a_trial_call_closes_it() -> None:
    with misbehaving() as (url, behaviour):
        service = client(url, retries=0, circuit_breaker={"failures": 3, "cooldown_s": 0.2})
        behaviour.status = 500
        for _ in range(3):
            assert timed(service)[0].reason == "status"
        answer, took = timed(service)
        assert (answer.reason, len(behaviour.requests)) == ("circuit_open", 3)  # the service was not called
        assert took < 0.01
        time.sleep(0.25)
        assert timed(service)[0].reason == "status"  # the trial call failed: open again
        assert timed(service)[0].reason == "circuit_open" and len(behaviour.requests) == 4
        time.sleep(0.25)
        behaviour.status = 200
        assert timed(service)[0].outcome == "ok"  # the trial call worked: closed
        assert timed(service)[0].outcome == "ok" and len(behaviour.requests) == 6


def test_credentials_come_from_the_environment_and_are_never_in_the_answer() -> None:
    spec = Service(base_url_env="CORE_URL", token_env="CORE_TOKEN", headers_env={"X-Api-Key": "CORE_KEY"})
    with misbehaving() as (url, behaviour):
        service = ServiceClient({"core": spec}, environ={"CORE_URL": url, "CORE_TOKEN": "t0ps3cret",
                                                         "CORE_KEY": "k3y"})
        answer, _ = timed(service)
    headers = behaviour.requests[0]["headers"]
    assert headers["authorization"] == "Bearer t0ps3cret" and headers["x-api-key"] == "k3y"
    assert "t0ps3cret" not in repr(answer) and "k3y" not in repr(answer)


def test_a_service_whose_environment_is_missing_fails_each_call_saying_which_variable() -> None:
    service = ServiceClient({"core": Service(base_url_env="CORE_URL", token_env="CORE_TOKEN")}, environ={})
    assert service.problems() == ["service 'core' cannot be called: environment variable CORE_URL (its base URL) "
                                  "is not set; environment variable CORE_TOKEN (its token) is not set"]
    answer, _ = timed(service)
    assert (answer.outcome, answer.reason, answer.attempts) == ("error", "not_configured", 0)


def test_the_key_names_the_turn_the_call_and_the_request() -> None:
    assert request().key == request().key
    assert request().key != request(path="/accounts/bo").key
    other_turn = ServiceRequest.of("core", "GET", "/accounts/ana", {"currency": "EUR"}, None, turn="bank/s/2",
                                   ordinal=1)
    assert other_turn.key != request().key

