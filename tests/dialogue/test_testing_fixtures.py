"""Conversation tests with `fixtures:` (stub answers per call), and the same domain's tests against a real
service for the services that have none."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domains.errors import DomainError
from dialogue.testing import run_tests
from tests.dm.services.bank import BANK, bank
from tests.dm.services.loopback import misbehaving

TESTS = """
tests:
  - name: a stubbed balance
    user_id: ana
    fixtures:
      core:
        GET /accounts/ana/balance: {answer: {balance: 42, currency: USD}}
    steps:
      - user: /check_balance
        bot: your_balance
        says: You have 42 USD.
        variables: {last_balance: 42}
  - name: a transfer that fails, then works
    fixtures:
      core:
        POST /transfers: [{status: 503}, {answer: {id: T-9}}]
    steps:
      - user: '/transfer{"amount": 5, "payee": "bo"}'
        bot: transfer_failed
      - user: '/transfer{"amount": 5, "payee": "bo"}'
        says: reference T-9
  - name: a slow core
    fixtures:
      core:
        GET /accounts/tester/balance: {timeout: true}
    steps:
      - user: /check_balance
        bot: core_slow
  - name: a call the fixtures do not cover
    fixtures:
      core: {}
    steps:
      - user: /check_balance
        bot: your_balance
  - name: the real service
    steps:
      - user: /check_balance
        says: You have 120.5 EUR.
"""


def test_fixtures_answer_calls_and_other_services_are_called_for_real(tmp_path: Path, monkeypatch) -> None:
    with misbehaving() as (url, service):
        monkeypatch.setenv("TEST_CORE_URL", url)
        monkeypatch.setenv("TEST_CORE_TOKEN", "t")
        outcomes = {outcome.name: outcome for outcome in run_tests(bank(tmp_path, BANK + TESTS))}
    assert [name for name, outcome in outcomes.items() if not outcome.passed] == ["a call the fixtures do not cover"]
    [mismatch] = outcomes["a call the fixtures do not cover"].steps[0].mismatches
    assert mismatch.actual == ["action_failed"]
    assert len(service.requests) == 1 and service.requests[0]["path"] == "/accounts/tester/balance"


def test_fixtures_name_services_of_the_domain(tmp_path: Path) -> None:
    broken = BANK + TESTS.replace("      core:\n        GET /accounts/ana", "      cor:\n        GET /accounts/ana")
    with pytest.raises(DomainError, match="unknown service or MCP server 'cor'"):
        bank(tmp_path, broken)
