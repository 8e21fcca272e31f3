"""Guards: input guards before the policy, action guards on each proposed batch, in order."""

from __future__ import annotations

import pytest

BANK = """\
version: 1
name: bank
slots:
  amount: {type: number, min: 0.01}
intents:
  transfer: [send money]
  rude: [you are useless]
  inform: ["[5](amount)"]
memory:
  variables:
    sent_today: {type: number, default: 0}
    blocked: {type: boolean, default: false}
tasks:
  transfer:
    policy: frame
    triggers: [transfer]
    slots: [{slot: amount}]
    confirm: confirm_transfer
    on_complete:
      - set_variable: {sent_today: "{{ user.sent_today + slots.amount }}"}
      - respond: sent
guards:
  - name: blocked_users
    stage: input
    when: user.blocked
    veto: true
    actions: [respond: account_blocked, handoff: {queue: security}]
  - name: politeness
    stage: input
    when: intent.name == 'rude'
    actions: [respond: be_nice, set_intent: help]
  - name: daily_limit
    stage: action
    when: "'complete_task:transfer' in actions and user.sent_today + slots.amount > 100"
    veto: true
    actions: [respond: over_limit, clear_slot: amount]
  - name: audit
    stage: action
    when: "'complete_task:transfer' in actions"
    actions: [respond: audited]
  - name: stubborn
    stage: action
    when: "'complete_task:transfer' in actions and user.sent_today == 42"
    veto: true
    actions: [respond: no_way]
responses:
  ask_amount: How much?
  confirm_transfer: "Send {{ slots.amount }}?"
  sent: Sent.
  account_blocked: Your account is blocked.
  be_nice: Let's keep it friendly.
  over_limit: That's over your daily limit.
  audited: (audit noted)
  no_way: No.
"""


@pytest.fixture
def bank(conversation):
    return conversation(BANK)


def test_a_vetoing_action_guard_replaces_the_completion(bank) -> None:
    bank.say('/transfer{"amount": 80}')
    assert bank.say("/affirm").responses == ["sent", "audited"]
    bank.say('/transfer{"amount": 30}')
    vetoed = bank.say("/affirm")
    assert vetoed.responses == ["over_limit", "ask_amount"]
    assert "veto:daily_limit" in vetoed.actions
    assert vetoed.state.stack == ["transfer"]
    assert "amount" not in vetoed.state.slots
    bank.say('/inform{"amount": 20}')
    assert bank.say("/affirm").responses == ["sent", "audited"]


def test_an_input_guard_veto_skips_the_policy(bank) -> None:
    bank.engine.store.remember("bank", bank.user, {"blocked": True})
    result = bank.say("/transfer")
    assert result.responses == ["account_blocked"]
    assert result.handoff and result.state.stack == []


def test_input_guards_see_what_keys_stand_for(conversation) -> None:
    from dialogue.turns import UserInput

    chat = conversation(BANK.replace("guards:\n", "ivr:\n  dtmf: {\"9\": /rude}\nguards:\n"))
    result = chat.send(UserInput(event="dtmf", digits="9"))
    assert result.responses == ["be_nice", "help"]
    assert result.understood.intent == "help"


def test_an_input_guard_can_replace_the_intent(bank) -> None:
    result = bank.say("/rude")
    assert result.responses == ["be_nice", "help"]
    assert "guard:politeness" in result.actions


def test_a_vetoed_batch_is_not_proposed_again_in_the_same_turn(bank) -> None:
    bank.engine.store.remember("bank", bank.user, {"sent_today": 42})
    bank.say('/transfer{"amount": 5}')
    result = bank.say("/affirm")
    assert result.responses == ["no_way"]
    assert result.state.stack == ["transfer"]
    assert result.warnings == []
