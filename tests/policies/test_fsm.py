"""FSM policy semantics: transitions and conditions, DTMF, no-input / no-match escalation, final states."""

from __future__ import annotations

import pytest

from dialogue.turns import UserInput

IVR = """\
version: 1
name: ivr
slots:
  amount: {type: number}
intents:
  billing: [billing]
  support: [support]
  back: [main menu]
  pay: [pay]
  inform: ["[5](amount)"]
memory:
  variables:
    business: {type: boolean, default: false}
ivr:
  dtmf: {"0": /human_agent}
  no_input: [ni_1, ni_2, [respond: transferring, handoff: {queue: general, reason: no input}]]
  no_match: [nm_1, [respond: transferring, handoff: true]]
on_start: [start_task: menu]
tasks:
  menu:
    policy: fsm
    initial: main
    states:
      main:
        prompt: main_prompt
        help: main_help
        dtmf: {"1": /billing, "2": /support, "3": '/pay{"amount": 20}'}
        transitions:
          - {intent: billing, to: billing}
          - {intent: support, to: priority, when: user.business}
          - {intent: support, to: support}
          - {intent: pay, to: main, actions: [start_task: payment]}
      billing:
        prompt: billing_prompt
        dtmf: {"9": /back}
        no_input: [billing_ni]
        transitions:
          - {intent: back, to: main}
          - {event: no_match, to: main}
      priority:
        on_enter: [goto: support]
      support:
        on_enter: [respond: support_msg]
        transitions:
          - {event: no_input, to: bye}
          - {intent: affirm, to: bye}
      bye:
        on_enter: [respond: goodbye_msg, end: true]
        final: true
    on_complete: [set_variable: {business: true}]
  payment:
    policy: frame
    slots: [{slot: amount, dtmf: digits}]
    on_complete: [respond: paid]
responses:
  main_prompt: Press 1 for billing, 2 for support.
  main_help: Say billing or support.
  billing_prompt: Billing. Press 9 for the main menu.
  billing_ni: Still in billing.
  support_msg: Support here.
  goodbye_msg: Goodbye.
  ni_1: Are you there?
  ni_2: Still there?
  nm_1: Sorry?
  transferring: Transferring you.
  ask_amount: How much?
  paid: "Paid {{ slots.amount }}."
"""


@pytest.fixture
def call(conversation):
    chat = conversation(IVR, channel="voice")
    chat.key = lambda digits: chat.send(UserInput(event="dtmf", digits=digits))
    chat.silence = lambda: chat.send(UserInput(event="no_input"))
    chat.start = lambda: chat.send(UserInput(event="start"))
    return chat


def test_start_of_call_enters_the_initial_state(call) -> None:
    result = call.start()
    assert result.responses == ["main_prompt"]
    assert (result.state.active_task, result.state.fsm_state) == ("menu", "main")
    assert result.messages[0].ssml == "<speak>Press 1 for billing, 2 for support.</speak>"


def test_dtmf_and_spoken_navigation(call) -> None:
    call.start()
    assert call.key("1").state.fsm_state == "billing"
    back = call.key("9")
    assert (back.responses, back.state.fsm_state) == (["main_prompt"], "main")
    assert call.say("/billing").state.fsm_state == "billing"


def test_condition_decides_between_transitions(call, conversation) -> None:
    call.start()
    assert call.say("/support").state.fsm_state == "support"
    vip = conversation(IVR, session="vip", user="boss")
    vip.engine.store.remember("ivr", "boss", {"business": True})
    vip.send(UserInput(event="start"))
    routed = vip.say("/support")
    assert "enter_state:priority" in routed.actions
    assert routed.state.fsm_state == "support"


def test_no_input_escalates_and_ends_in_a_transfer(call) -> None:
    call.start()
    assert call.silence().responses == ["ni_1", "main_prompt"]
    assert call.silence().responses == ["ni_2", "main_prompt"]
    last = call.silence()
    assert last.responses == ["transferring"]
    assert last.handoff


def test_silence_as_the_call_opens_is_answered_by_the_greeting_alone(call) -> None:
    opened = call.silence()
    assert opened.responses == ["main_prompt"] and opened.state.fsm_state == "main"
    assert call.silence().responses == ["ni_1", "main_prompt"]  # silence after the menu: the first level


def test_a_state_may_have_its_own_levels_and_the_last_repeats(call) -> None:
    call.start()
    call.key("1")
    assert call.silence().responses == ["billing_ni", "billing_prompt"]
    assert call.silence().responses == ["billing_ni", "billing_prompt"]


def test_escalation_counter_resets_after_a_good_turn(call) -> None:
    call.start()
    call.silence()
    call.say("/billing")
    call.say("/back")
    assert call.silence().responses == ["ni_1", "main_prompt"]


def test_unmapped_key_is_a_no_match_and_escalates(call) -> None:
    call.start()
    assert call.key("7").responses == ["nm_1", "main_prompt"]
    last = call.say("/nlu_fallback")
    assert last.responses == ["transferring"] and last.handoff


def test_event_transitions_replace_escalation(call) -> None:
    call.start()
    call.key("1")
    assert call.say("/support").state.fsm_state == "main"
    call.say("/support")
    result = call.silence()
    assert result.responses == ["goodbye_msg"]
    assert result.ended


def test_final_state_completes_the_task(call) -> None:
    call.start()
    call.say("/support")
    result = call.say("/affirm")
    assert result.ended and result.state.stack == []
    assert "complete_task:menu" in result.actions
    assert "set_variable:business" in result.actions


def test_global_dtmf_works_in_every_state(call) -> None:
    call.start()
    call.key("1")
    result = call.key("0")
    assert result.responses == ["handoff"] and result.handoff


def test_help_in_a_state(call) -> None:
    call.start()
    assert call.say("/help").responses == ["main_help", "main_prompt"]


def test_a_transition_can_start_a_frame_task_with_the_keyed_values(call) -> None:
    call.start()
    result = call.key("3")
    assert result.responses == ["paid", "resume", "main_prompt"]
    assert result.text.splitlines()[0] == "Paid 20."
    assert result.state.stack == ["menu"]


def test_frame_started_from_a_menu_takes_keyed_digits(conversation) -> None:
    chat = conversation(IVR.replace("""'/pay{"amount": 20}'""", "/pay"), channel="voice")
    chat.send(UserInput(event="start"))
    asked = chat.send(UserInput(event="dtmf", digits="3"))
    assert asked.responses == ["ask_amount"]
    assert asked.state.stack == ["menu", "payment"]
    paid = chat.send(UserInput(event="dtmf", digits="42"))
    assert paid.responses == ["paid", "resume", "main_prompt"]
    assert paid.text.startswith("Paid 42.")
    assert paid.state.stack == ["menu"]


def test_keyed_digits_leave_domain_keys_alone_and_drop_a_closing_hash(conversation) -> None:
    chat = conversation(IVR.replace("""'/pay{"amount": 20}'""", "/pay"), channel="voice")
    chat.send(UserInput(event="start"))
    chat.send(UserInput(event="dtmf", digits="3"))
    agent = chat.send(UserInput(event="dtmf", digits="0"))
    assert agent.handoff
    chat.send(UserInput(event="start"))
    chat.send(UserInput(event="dtmf", digits="3"))
    assert chat.send(UserInput(event="dtmf", digits="15#")).text.startswith("Paid 15.")


def test_a_state_can_give_cancel_a_meaning(conversation) -> None:
    chat = conversation(IVR.replace("          - {intent: back, to: main}", "          - {intent: back, to: main}\n"
                                    "          - {intent: cancel, to: main}"), channel="voice")
    chat.send(UserInput(event="start"))
    chat.say("/billing")
    result = chat.say("/cancel")
    assert result.state.stack == ["menu"] and result.state.fsm_state == "main"
    assert result.responses == ["main_prompt"]


def test_caller_hangs_up(call) -> None:
    call.start()
    assert call.send(UserInput(event="end")).ended


def test_an_intent_meaning_yes_takes_the_affirm_transition_unless_it_has_its_own(conversation) -> None:
    domain = IVR.replace("  inform:", "  sounds_good: {examples: [sounds good], means: affirm}\n  inform:")
    call = conversation(domain, channel="voice")
    call.send(UserInput(event="start"))
    assert call.say("/sounds_good").responses == ["nm_1", "main_prompt"]  # the main menu has no affirm transition
    call.say("/support")
    assert call.say("/sounds_good").ended
    own = conversation(domain.replace("          - {intent: affirm, to: bye}",
                                      "          - {intent: sounds_good, to: main}\n"
                                      "          - {intent: affirm, to: bye}"), session="s2", channel="voice")
    own.send(UserInput(event="start"))
    own.say("/support")
    assert own.say("/sounds_good").responses == ["main_prompt"]
