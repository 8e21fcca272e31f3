"""A small domain that reads a balance from a service and makes transfers through it, for the services' tests."""

from __future__ import annotations

from pathlib import Path

from dialogue.domains import Domain, load_domain

BANK = """\
version: 1
name: bank
settings:
  actions: {timeout_ms: 400}
slots:
  balance: {type: number}
  currency: {type: category, values: [EUR, USD]}
  amount: {type: integer}
  payee: {type: text}
memory:
  variables:
    last_balance: {type: number}
  tables:
    audit:
      columns: {what: text}
intents:
  check_balance: ["what's my balance"]
  transfer: ["send [20](amount) to [ana](payee)"]
services:
  core:
    base_url_env: TEST_CORE_URL
    token_env: TEST_CORE_TOKEN
    retries: 1
    circuit_breaker: {failures: 3, cooldown_s: 0.3}
tasks:
  balance:
    triggers: [check_balance]
    policy: frame
    on_complete:
      - insert: {table: audit, values: {what: balance}}
      - call:
          service: core
          path: "/accounts/{{ session.user_id }}/balance"
          query: {currency: EUR}
          expect:
            type: object
            required: [balance, currency]
            properties: {balance: {type: number}, currency: {type: string}}
          into: {balance: balance, currency: currency, user.last_balance: balance}
          on_timeout:
            - respond: core_slow
      - respond: your_balance
  transfer:
    triggers: [transfer]
    policy: frame
    slots: [{slot: amount}, {slot: payee}]
    on_complete:
      - call:
          service: core
          method: POST
          path: /transfers
          body: {amount: "{{ slots.amount }}", to: "{{ slots.payee }}", memo: [fixed, "{{ slots.payee }}"]}
          result: transfer
          on_error:
            - respond: transfer_failed
      - respond: transferred
responses:
  your_balance: "You have {{ slots.balance }} {{ slots.currency }}."
  core_slow: The bank's system is slow right now; please try again in a minute.
  transfer_failed: That transfer did not go through.
  transferred: "Sent {{ slots.amount }} to {{ slots.payee }} (reference {{ results.transfer[0].id }})."
  ask_amount: How much?
  ask_payee: To whom?
"""

# The same, its transfer telling the service's refusal (on_refused) from a failed call (on_error).
REFUSING = BANK.replace("""          on_error:
            - respond: transfer_failed
""", """          on_refused: [respond: transfer_refused]
          on_error: [respond: transfer_failed]
""") + "  transfer_refused: The bank said no to that transfer.\n"


def bank(tmp_path: Path, text: str = BANK) -> Domain:
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    return load_domain(path)
