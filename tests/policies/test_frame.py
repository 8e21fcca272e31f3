"""Frame policy semantics: filling, validation, re-prompts, escalation, confirmation, sub-frames."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dialogue.dm.sql import SqlStore
from dialogue.domains import load_domain
from dialogue.domains.errors import DomainError
from dialogue.domains.interpretation import EntitySpan, Expectation, Interpretation
from dialogue.domains.python_functions import register
from dialogue.engine import Engine
from dialogue.turns import UserInput

SHOP = """\
version: 1
name: shop
settings: {max_attempts: 2}
slots:
  size:
    type: category
    values: {small: [tiny], large: [big], extra_large: []}
    ambiguous: {bigger: [large, extra_large]}
  count: {type: integer, min: 1}
  gift: {type: boolean}
  note: {type: text}
  phone: {type: phone}
  email: {type: email}
  code: {type: regex, pattern: "[0-9]{4}"}
intents:
  order: [order]
  inform: ["[2](count)"]
memory:
  variables:
    usual_size: {type: category, values: [small, large]}
tasks:
  order:
    policy: frame
    triggers: [order]
    slots:
      - slot: size
        offer: "{{ user.usual_size }}"
      - slot: count
        validate: value <= 5
        invalid: too_many
        dtmf: digits
      - slot: gift
      - frame: contact
        when: slots.gift
        slots:
          - slot: phone
          - slot: email
        on_complete: [respond: contact_noted]
      - slot: note
        fill_from_text: true
      - slot: code
        max_attempts: 3
        on_exhausted: [respond: give_up, cancel_task: true]
    confirm: confirm_order
    on_complete: [respond: ordered]
responses:
  ask_size:
    - {text: "Your usual {{ offer }}?", when: offer}
    - {text: Which size?, when: not offer}
  ask_count: How many?
  ask_gift: Is it a gift?
  ask_phone: Phone?
  ask_email: Email?
  ask_note: Any note?
  ask_code: Code?
  too_many: At most 5.
  contact_noted: Noted.
  give_up: Let's stop there.
  confirm_order: "{{ slots.count }} {{ slots.size }}, right?"
  ordered: Ordered.
"""


@pytest.fixture
def shop(conversation):
    return conversation(SHOP)


def test_asks_slots_in_order_and_volunteered_values_are_kept(shop) -> None:
    assert shop.say("/order").responses == ["ask_size"]
    result = shop.say('/inform{"size": "big", "gift": false}')
    assert result.responses == ["ask_count"]
    assert result.state.slots == {"size": "large", "gift": False}
    assert result.state.requested_slot == "count"


def test_validation_failure_reprompts_then_escalates_after_the_limit(shop) -> None:
    shop.say('/order{"size": "small"}')
    first = shop.say('/inform{"count": 9}')
    assert first.responses == ["too_many", "ask_count"]
    assert first.state.slots.get("count") is None
    second = shop.say('/inform{"count": 7}')
    assert second.responses == ["too_many", "exhausted"]
    assert second.handoff


def test_wrong_type_gets_the_generic_message(shop) -> None:
    shop.say('/order{"size": "small"}')
    assert shop.say('/inform{"count": "many"}').responses == ["invalid_value", "ask_count"]


def test_a_word_that_could_mean_several_values_asks_which(shop) -> None:
    shop.say("/order")
    asked = shop.say('/inform{"size": "Bigger"}')
    assert asked.responses == ["ambiguous_value"]  # the question that narrows it stands for "Which size?"
    assert asked.messages[0].text == "Which do you mean: large or extra large?"
    assert "size" not in asked.state.slots and asked.state.requested_slot == "size"
    answered = shop.say('/inform{"size": "extra_large"}')
    assert answered.state.slots["size"] == "extra_large" and answered.responses == ["ask_count"]


def test_an_ambiguous_word_counts_as_a_failed_attempt(shop) -> None:
    shop.say("/order")
    shop.say('/inform{"size": "bigger"}')
    assert shop.say('/inform{"size": "bigger"}').responses == ["ambiguous_value", "exhausted"]


def test_own_exhaustion_actions(shop) -> None:
    shop.say('/order{"size": "small", "count": 1, "gift": false, "note": "hi"}')
    for _ in range(2):
        assert shop.say('/inform{"code": "12"}').responses == ["invalid_value", "ask_code"]
    last = shop.say('/inform{"code": "1"}')
    assert last.responses == ["invalid_value", "give_up", "cancelled"]
    assert last.state.stack == [] and not last.handoff


def test_yes_and_no_answer_a_boolean_slot(shop) -> None:
    shop.say('/order{"size": "small", "count": 1}')
    assert shop.say("/deny").state.slots["gift"] is False


def test_subframe_is_asked_only_when_its_condition_holds_and_runs_its_actions(shop) -> None:
    shop.say('/order{"size": "small", "count": 1}')
    assert shop.say("/affirm").responses == ["ask_phone"]
    assert shop.say('/inform{"phone": "0123456789"}').responses == ["ask_email"]
    assert shop.say('/inform{"email": "a@b.co"}').responses == ["contact_noted", "ask_note"]


class _Reads:
    """An NLU that reads every text as one intent, with the values given (none by default)."""

    def __init__(self, intent: str, entities: dict | None = None):
        self.intent, self.entities = intent, entities or {}

    def parse(self, text, *, now, expecting=None):
        from dialogue.domains.interpretation import Interpretation
        return Interpretation(intent=self.intent, text=text, source="nlu", entities=self.entities)


def test_fill_from_text_takes_the_answer(shop) -> None:
    from tests.conftest import NOW

    shop.engine.nlu = _Reads("inform")
    shop.say('/order{"size": "small", "count": 1, "gift": false}')
    result = shop.engine.handle(shop.session, "leave it at the door", user_id=shop.user, now=NOW)
    assert result.state.slots["note"] == "leave it at the door"
    assert result.responses == ["ask_code"]


def test_fill_from_text_takes_no_bare_yes_or_no(shop) -> None:
    """"yes" to "What name should I put the booking under?" was taken as the name: a bare yes or no asks again, as
    for any value asked."""
    from tests.conftest import NOW

    shop.say('/order{"size": "small", "count": 1, "gift": false}')
    shop.engine.nlu = _Reads("affirm")
    again = shop.engine.handle(shop.session, "yes", user_id=shop.user, now=NOW)
    assert again.responses == ["ask_note"] and "note" not in again.state.slots
    shop.engine.nlu = _Reads("deny")
    declined = shop.engine.handle(shop.session, "no", user_id=shop.user, now=NOW)
    assert declined.responses == ["ask_note"] and "note" not in declined.state.slots


def test_fill_from_text_takes_no_message_with_values(shop) -> None:
    """"Actually, how about half seven?" when the name was asked changed the time and became the name too."""
    from tests.conftest import NOW

    shop.say('/order{"size": "small", "count": 1, "gift": false}')
    shop.engine.nlu = _Reads("inform", {"count": 3})
    changed = shop.engine.handle(shop.session, "actually make it three", user_id=shop.user, now=NOW)
    assert changed.state.slots["count"] == 3 and "note" not in changed.state.slots


def test_dtmf_digits_answer_the_asked_slot(shop) -> None:
    from dialogue.turns import UserInput

    shop.say('/order{"size": "small"}')
    result = shop.send(UserInput(event="dtmf", digits="3"))
    assert result.state.slots["count"] == 3


def test_offer_accepted_and_declined(conversation) -> None:
    shop = conversation(SHOP)
    shop.engine.store.remember("shop", shop.user, {"usual_size": "large"})
    assert shop.say("/order").text == "Your usual large?"
    assert shop.say("/affirm").state.slots["size"] == "large"
    other = conversation(SHOP, session="s2", user="u2")
    other.engine.store.remember("shop", "u2", {"usual_size": "small"})
    other.say("/order")
    declined = other.say("/deny")
    assert declined.text == "Which size?"
    assert "size" not in declined.state.slots


def finish_order(shop) -> None:
    shop.say('/order{"size": "small", "count": 2, "gift": false, "note": "x", "code": "1234"}')


def test_confirmation_yes_completes(shop) -> None:
    finish_order(shop)
    result = shop.say("/affirm")
    assert result.responses == ["ordered"]
    assert result.state.stack == [] and result.state.slots == {}


def test_asking_for_the_task_again_at_its_confirmation_is_a_yes(shop) -> None:
    """"2 small, right?" - "perfect, order it": the request said again, with no new value, confirms."""
    finish_order(shop)
    assert shop.say("/order").responses == ["ordered"]
    finish_order(shop)
    assert shop.say('/order{"count": 3}').responses == ["corrected", "confirm_order"]  # a new value: a change


def test_confirmation_denied_leads_to_a_change(shop) -> None:
    finish_order(shop)
    assert shop.say("/deny").responses == ["confirm_denied"]
    changed = shop.say('/inform{"count": 4}')
    assert changed.responses == ["corrected", "confirm_order"]
    assert changed.text.endswith("4 small, right?")
    assert shop.say("/affirm").responses == ["ordered"]


def test_deny_with_the_new_value_changes_and_confirms_again(shop) -> None:
    finish_order(shop)
    assert shop.say('/deny{"size": "large"}').responses == ["corrected", "confirm_order"]


def test_two_values_changed_in_one_turn_say_so_once(shop) -> None:
    """Each changed slot says `corrected`; the same words twice in a row in one reply are said once."""
    finish_order(shop)
    changed = shop.say('/inform{"size": "large", "count": 3}')
    assert changed.responses == ["corrected", "confirm_order"]
    assert changed.text.count("updated") == 1


def test_a_yes_with_a_new_value_at_the_confirmation_is_a_change(shop) -> None:
    """"Could you make it large instead?" read as a yes: the value changes the order, the turn gives values."""
    finish_order(shop)
    changed = shop.say('/affirm{"size": "large"}')
    assert changed.responses == ["corrected", "confirm_order"] and changed.understood.intent == "inform"


def test_a_yes_with_the_values_confirmed_at_the_confirmation_is_a_yes(shop) -> None:
    finish_order(shop)
    confirmed = shop.say('/affirm{"count": 2, "size": "small"}')  # "yes, two small ones"
    assert confirmed.responses == ["ordered"] and confirmed.understood.intent == "affirm"


def test_a_yes_with_the_value_asked_is_an_answer(shop) -> None:
    shop.say("/order")
    answered = shop.say('/affirm{"size": "large"}')  # "yes, a large one will be perfect" after "Which size?"
    assert answered.state.slots["size"] == "large" and answered.understood.intent == "inform"


def test_not_understood_during_confirmation_repeats_it(shop) -> None:
    finish_order(shop)
    assert shop.say("/nlu_fallback").responses == ["fallback", "confirm_order"]


def test_an_unsure_intent_with_a_value_for_the_task_still_answers(shop) -> None:
    shop.say('/order{"size": "small"}')
    result = shop.say('/nlu_fallback{"count": 3}')
    assert result.responses == ["ask_gift"]
    assert result.state.slots["count"] == 3


def test_an_unsure_intent_with_a_word_no_listed_value_reads_as_answers_nothing(shop) -> None:
    """"what is the capital of peru?" while the size is asked, "peru" tagged as a size: not understood, not an
    invalid size; a word that could mean several sizes still answers."""
    shop.say("/order")
    assert shop.say('/nlu_fallback{"size": "peru"}').responses == ["fallback", "ask_size"]
    assert shop.say('/nlu_fallback{"size": "bigger"}').responses == ["ambiguous_value"]


def test_an_unsure_intent_with_no_task_going_is_not_understood_unless_one_task_takes_its_values(shop) -> None:
    result = shop.say("/nlu_fallback")
    assert result.responses == ["fallback"]
    assert result.state.stack == [] and result.state.slots == {}
    result = shop.say('/nlu_fallback{"count": 3}')  # "three of them" read unsure: the order takes it
    assert result.responses == ["ask_size"] and result.understood.intent == "inform"
    assert result.state.active_task == "order" and result.state.slots["count"] == 3


def test_values_the_model_found_in_an_out_of_scope_request_answer_nothing(shop) -> None:
    shop.say('/order{"size": "small"}')
    result = shop.say('/out_of_scope{"count": 3}')  # "what's 3 times 4?" while the count is asked
    assert result.responses == ["out_of_scope", "ask_count"] and result.state.slots.get("count") is None
    assert result.understood.entities == {}


def test_correction_of_an_earlier_slot_while_another_is_asked(shop) -> None:
    shop.say('/order{"size": "small", "count": 2}')
    result = shop.say('/inform{"count": 3}')
    assert result.responses == ["corrected", "ask_gift"]
    assert result.state.slots["count"] == 3


LOOKUP = """\
version: 1
name: cards
slots:
  card: {type: category, values: [credit, debit]}
  amount: {type: number}
intents:
  block: [block my card]
  inform: ["[debit](card)"]
memory:
  tables:
    cards:
      columns: {card: text, last_four: text}
      seed: [{card: credit, last_four: "1111"}, {card: debit, last_four: "2222"}]
tasks:
  block:
    policy: frame
    triggers: [block]
    slots:
      - frame: lookup
        slots: [{slot: card}]
        on_complete: [select: {table: cards, where: {card: "{{ slots.card }}"}, result: found}]
      - slot: amount
        validate: value > 0
        max_attempts: 2
    confirm: confirm_block
    on_complete: [respond: done]
responses:
  ask_card: Which card?
  ask_amount: Amount?
  confirm_block: "Block your {{ slots.card }} card ending {{ results.found[0].last_four }}?"
  done: Blocked.
"""


def test_correcting_a_slot_of_a_finished_subframe_runs_its_actions_again(conversation) -> None:
    chat = conversation(LOOKUP)
    assert chat.say('/block{"card": "credit", "amount": 1}').text.endswith("ending 1111?")
    corrected = chat.say('/inform{"card": "debit"}')
    assert corrected.responses == ["corrected", "confirm_block"]
    assert corrected.text.endswith("debit card ending 2222?")
    assert corrected.actions.count("select:cards") == 1


def test_failed_attempts_count_again_from_zero_after_a_valid_answer(conversation) -> None:
    chat = conversation(LOOKUP)
    chat.say('/block{"card": "credit"}')
    assert chat.say('/inform{"amount": -1}').responses == ["invalid_value", "ask_amount"]
    chat.say('/inform{"amount": 10}')
    chat.say('/deny')
    chat.say('/inform{"amount": 0}')
    result = chat.say('/inform{"amount": -5}')
    assert result.handoff
    assert result.responses == ["invalid_value", "exhausted"]


YES_AND_NO = SHOP.replace("intents:\n", """intents:
  sounds_good: {examples: [sounds good], means: affirm}
  no_thanks: {examples: [no thanks], means: deny}
""")


def test_intents_the_domain_maps_to_yes_or_no_answer_its_questions(conversation) -> None:
    shop = conversation(YES_AND_NO)
    shop.engine.store.remember("shop", shop.user, {"usual_size": "large"})
    shop.say("/order")
    assert shop.say("/sounds_good").state.slots["size"] == "large"  # an offered value
    shop.say('/inform{"count": 2}')
    assert shop.say("/no_thanks").state.slots["gift"] is False  # a yes/no slot
    shop.say('/inform{"note": "x", "code": "1234"}')
    assert shop.say("/no_thanks").responses == ["confirm_denied"]  # a confirmation
    assert shop.say('/inform{"count": 3}').responses == ["corrected", "confirm_order"]
    assert shop.say("/sounds_good").responses == ["ordered"]


def test_an_intent_with_no_yes_or_no_meaning_does_not_answer_a_confirmation(conversation) -> None:
    shop = conversation(YES_AND_NO)
    finish_order(shop)
    assert "ordered" not in shop.say("/greet").responses  # (the task's own request is a yes: see above)


def test_only_an_intent_of_the_domain_takes_a_yes_or_no_meaning(domain_from) -> None:
    from dialogue.domains import DomainError

    with pytest.raises(DomainError, match="'affirm' is the built-in yes"):
        domain_from(SHOP.replace("intents:\n", "intents:\n  affirm: {examples: [yep], means: deny}\n"))


OPTIONAL = """\
version: 1
name: table
slots:
  people: {type: integer, min: 1}
  date: {type: date}
  seating: {type: category, values: [inside, terrace]}
  children: {type: integer, min: 0}
intents:
  book: [book]
  inform: ["[2](people)"]
tasks:
  book:
    policy: frame
    triggers: [book]
    slots:
      - slot: people
      - {slot: date, optional: true, default: "{{ today }}"}
      - {slot: seating, optional: true}
      - {slot: children, optional: true, default: "{{ 'some' }}"}
    confirm: confirm_booking
    on_complete: [respond: booked]
responses:
  ask_people: For how many?
  confirm_booking: "{{ slots.people }} on {{ slots.date }}{% if slots.seating %}, {{ slots.seating }}{% endif %}?"
  booked: Booked.
"""


def test_optional_slots_are_never_asked_and_take_their_defaults(conversation) -> None:
    from tests.conftest import NOW

    table = conversation(OPTIONAL)
    assert table.say("/book").responses == ["ask_people"]
    result = table.say('/inform{"people": 2}')
    assert result.responses == ["confirm_booking"]
    assert result.text == f"2 on {NOW.date().isoformat()}?"
    assert result.state.slots == {"people": 2, "date": NOW.date().isoformat()}  # 'some' is no number: no value
    assert any("the default of slot 'children'" in warning for warning in result.warnings)


def test_a_value_given_for_an_optional_slot_is_taken_and_replaces_its_default_without_a_correction(
        conversation) -> None:
    table = conversation(OPTIONAL)
    table.say('/book{"seating": "terrace"}')
    result = table.say('/inform{"people": 2, "date": "2026-12-24"}')
    assert result.responses == ["confirm_booking"]  # no `corrected`: nobody had said a date
    assert result.state.slots["date"] == "2026-12-24" and result.state.slots["seating"] == "terrace"
    changed = table.say('/inform{"date": "2026-12-31"}')
    assert changed.responses == ["corrected", "confirm_booking"]  # the user's own date, changed
    later = conversation(OPTIONAL, session="s2")
    later.say("/book")
    later.say('/inform{"people": 3}')
    assert later.say('/inform{"date": "2026-12-24"}').responses == ["confirm_booking"]  # the default replaced


def test_a_default_belongs_to_an_optional_slot_and_a_slot_never_asked_needs_no_prompt(domain_from) -> None:
    from dialogue.domains import DomainError

    assert domain_from(OPTIONAL).tasks["book"].slots[1].optional  # no ask_date, ask_seating or ask_children
    with pytest.raises(DomainError, match="default of 'children' is not valid"):
        domain_from(OPTIONAL.replace("\"{{ 'some' }}\"", "some"))
    with pytest.raises(DomainError, match="a default here is for an optional slot"):
        domain_from(OPTIONAL.replace("{slot: seating, optional: true}", "{slot: seating, default: inside}"))
    with pytest.raises(DomainError, match="no response 'ask_seating'"):
        domain_from(OPTIONAL.replace("{slot: seating, optional: true}", "{slot: seating}"))


FAILING = """\
version: 1
name: orders
slots:
  qty: {type: integer}
memory:
  tables:
    orders:
      columns: {qty: {type: integer, nullable: false}}
intents:
  order: ["order [2](qty)"]
tasks:
  order:
    policy: frame
    triggers: [order]
    slots: [{slot: qty}]
    confirm: confirm_order
    on_complete:
      - insert: {table: orders, values: {qty: "{{ slots.qty if slots.qty < 100 else none }}"}}
      - respond: ordered
responses:
  ask_qty: How many?
  confirm_order: "{{ slots.qty }}, right?"
  ordered: Ordered.
"""


def test_a_value_changed_after_a_failed_completion_is_confirmed_again(conversation) -> None:
    orders = conversation(FAILING)
    orders.say('/order{"qty": 500}')
    assert orders.say("/affirm").responses == ["action_failed"]  # the store refuses the row: the task waits
    changed = orders.say('/order{"qty": 5}')
    assert changed.responses == ["corrected", "confirm_order"] and changed.text.endswith("5, right?")
    assert orders.say("/affirm").responses == ["ordered"]


def test_a_yes_after_a_failed_completion_tries_again_and_a_no_asks_what_to_change(conversation) -> None:
    orders = conversation(FAILING)
    orders.say('/order{"qty": 500}')
    assert orders.say("/affirm").responses == ["action_failed"]
    assert orders.say("/affirm").responses == ["action_failed"]  # tried again, not "Sorry, I didn't understand"
    assert orders.say("/deny").responses == ["confirm_denied"]


TABLES_TAKEN = {"19:30"}


@register("tests.availability")
def availability(view):
    """The business's answer: is a table free at the asked time; if not, why, and times that are."""
    from dialogue.dm.services.python import Results

    time = view.args["time"]
    if time == "23:00":
        raise ConnectionError("the booking system is down")
    free = time not in TABLES_TAKEN
    return [Results("availability", [{"free": free, "reason": f"{view.slots['restaurant']} is full at {time}"}]),
            Results("alternatives", [] if free else [{"time": "19:00"}, {"time": "20:15"}])]


CHECKED = """\
version: 1
name: booking
slots:
  restaurant: {type: text}
  time: {type: text}
intents:
  book: [book]
  inform: ["[19:00](time)"]
tasks:
  book:
    policy: frame
    triggers: [book]
    slots:
      - slot: restaurant
      - slot: time
        check:
          - python: {function: tests.availability, args: {time: "{{ slots.time }}"},
                     results: [availability, alternatives]}
        accept: results.availability[0].free
        on_refused:
          - respond: taken
          - offer: {result: alternatives, ask: offer_times, size: 2, fill: {time: time}}
    confirm: confirm_booking
    on_complete: [respond: booked]
responses:
  ask_restaurant: Where?
  ask_time: When?
  taken: "Sorry, {{ results.availability[0].reason }}."
  offer_times: "I can do {{ offered.rows | map(attribute='time') | join(' or ') }}."
  confirm_booking: "{{ slots.restaurant }} at {{ slots.time }}?"
  booked: Booked.
"""


def test_a_checked_answer_the_business_refuses_is_taken_back_and_its_alternatives_offered(conversation) -> None:
    booking = conversation(CHECKED)
    refused = booking.say('/book{"restaurant": "Roma", "time": "19:30"}')
    assert refused.responses == ["taken", "offer_times"]  # and no "When?" on top
    assert refused.text == "Sorry, Roma is full at 19:30.\nI can do 19:00 or 20:15."
    assert "time" not in refused.state.slots
    assert refused.state.requested_slot == "time"  # the alternatives ask for it, though "When?" was never said
    assert booking.say('/inform{"time": "20:15"}').text == "Roma at 20:15?"  # a new request replaces it


def test_an_alternative_is_taken_from_the_offer_and_an_accepted_answer_goes_on(conversation) -> None:
    booking = conversation(CHECKED)
    booking.say('/book{"restaurant": "Roma", "time": "19:30"}')
    assert booking.say("/affirm").text == "Which one would you like: 19:00 or 20:15?"
    assert booking.say('/inform{"time": "19:00"}').text == "Roma at 19:00?"
    assert conversation(CHECKED).say('/book{"restaurant": "Roma", "time": "18:00"}').text == "Roma at 18:00?"


def test_a_check_that_cannot_run_takes_back_its_answer_only(conversation) -> None:
    booking = conversation(CHECKED)
    failed = booking.say('/book{"restaurant": "Roma", "time": "23:00"}')
    assert failed.responses == ["action_failed", "ask_time"]  # the restaurant and the task are kept
    assert failed.state.slots.get("restaurant") == "Roma" and "time" not in failed.state.slots
    assert (failed.state.active_task, failed.state.requested_slot) == ("book", "time")
    for _ in range(3):  # the business's failure is not counted against the user's attempts
        assert booking.say('/inform{"time": "23:00"}').responses == ["action_failed", "ask_time"]
    assert booking.say('/inform{"time": "20:15"}').text == "Roma at 20:15?"
    on_error = CHECKED.replace("results: [availability, alternatives]}",
                               "results: [availability, alternatives], on_error: [respond: down]}")
    failed = conversation(on_error + "  down: The booking system is down.\n").say(
        '/book{"restaurant": "Roma", "time": "23:00"}')
    assert failed.responses == ["down", "ask_time"] and failed.state.slots.get("restaurant") == "Roma"


ASKED = (CHECKED  # each check writes down what it asked first
         .replace("slots:\n  restaurant", "memory:\n  tables:\n    asked:\n      columns: {what: {type: text}}\n"
                  "slots:\n  restaurant", 1)
         .replace("      - slot: restaurant\n", "      - slot: restaurant\n        check: [insert: {table: asked, "
                  "values: {what: \"{{ slots.restaurant }}\"}}]\n        accept: \"true\"\n")
         .replace("        check:\n          - python:", "        check:\n          - insert: {table: asked, values: "
                  "{what: \"{{ slots.time }}\"}}\n          - python:"))


def test_a_check_that_cannot_run_undoes_its_own_table_writes_only(domain_from, db_url: str) -> None:
    engine = Engine(domain_from(ASKED), store=SqlStore(db_url))
    failed = engine.handle("s", '/book{"restaurant": "Roma", "time": "23:00"}')
    assert failed.state.slots == {"restaurant": "Roma"}
    assert [row["what"] for row in engine.tables.select("asked", {})] == ["Roma"]
    assert engine.handle("s", '/inform{"time": "20:15"}').text == "Roma at 20:15?"
    assert [row["what"] for row in engine.tables.select("asked", {})] == ["Roma", "20:15"]


def test_check_and_accept_go_together(domain_from) -> None:
    with pytest.raises(DomainError, match="`check` and `accept` go together"):
        domain_from(CHECKED.replace("        accept: results.availability[0].free\n", ""))


TABLE = """
version: 1
name: tables
slots:
  party_size: {type: integer, min: 1, max: 20}
  time: {type: time}
intents:
  book: [book a table]
  inform: ["[4](party_size)", "at [8pm](time)"]
tasks:
  book:
    policy: frame
    triggers: [book]
    slots:
      - slot: party_size
      - {slot: time, validate: "'12:00' <= value <= '22:00'", invalid: closed}
    on_complete: [respond: booked]
responses:
  ask_party_size: How many?
  ask_time: What time?
  closed: We are open from noon to ten.
  booked: "{{ slots.party_size }} at {{ slots.time }}."
"""


class NumbersAsPartySize:
    """A model that tags every number as the party size (as a model that reads a message alone would)."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        number = re.search(r"\d+|two|eight", text)
        if number is None:
            return Interpretation(intent="book", confidence=0.9, text=text)
        value = {"two": 2, "eight": 8}.get(number.group()) or int(number.group())
        span = EntitySpan(slot="party_size", text=number.group(), value=value, start=number.start(), end=number.end(),
                          normalised=True, source="model")
        return Interpretation(intent="inform", confidence=0.9, text=text, entities={"party_size": value}, spans=[span])


@pytest.mark.parametrize(("said", "understood", "reply"), [
    ("8", {"time": "20:00"}, "4 at 20:00."),  # a bare number, asked the time: 08:00 is closed
    ("at eight please", {"time": "20:00"}, "4 at 20:00."),
    ("two", {"time": "14:00"}, "4 at 14:00."),
    ("actually, can we do 7 instead?", {"time": "19:00"}, "4 at 19:00."),  # said as a change: still the time
    ("neither, what about 7?", {"time": "19:00"}, "4 at 19:00."),  # times turned down: still the time
    ("how about half eight?", {"time": "20:30"}, "4 at 20:30."),  # "half" left out of the span: read with it
    ("8 people", {"party_size": 8}, "Got it, I've updated that.\nWhat time?"),  # words around it say which slot
    ("we are 7", {"party_size": 7}, "Got it, I've updated that.\nWhat time?"),
    ("30", {"party_size": 30}, "Sorry, that isn't a valid answer.\nWhat time?"),  # no time: the model's slot
])
def test_a_bare_answer_is_read_as_the_slot_asked(tmp_path, said: str, understood: dict, reply: str) -> None:
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=NumbersAsPartySize())
    engine.handle("s", UserInput(text="book a table"))
    assert engine.handle("s", UserInput(text="4")).text == "What time?"  # asked the party size: it is one
    result = engine.handle("s", UserInput(text=said))
    assert (result.understood.entities, result.text) == (understood, reply)


class PlacesNothing:
    """A model that could not place a message, nor tagged anything in it."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return Interpretation(intent="nlu_fallback", confidence=0.4, text=text)


@pytest.mark.parametrize(("said", "understood", "reply"), [
    ("neither, what about 9?", {"time": "21:00"}, "4 at 21:00."),  # the words around a bare value: the value
    ("how about 9 for four of us", {}, "Sorry, I didn't understand that.\nWhat time?"),  # more than a value
    ("no", {}, "Sorry, I didn't understand that.\nWhat time?"),
])
def test_a_bare_value_the_model_tagged_nothing_in_is_read_as_the_slot_asked(
        tmp_path, said: str, understood: dict, reply: str) -> None:
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=PlacesNothing())
    assert engine.handle("s", UserInput.parse('/book{"party_size": 4}')).text == "What time?"
    result = engine.handle("s", UserInput(text=said))
    assert (result.understood.entities, result.text) == (understood, reply)


class BareHoursAsMorning:
    """A model that tags a bare hour as the time and reads it as the morning's, as the time type does first."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        hour = re.search(r"\d+", text)
        if hour is None:
            return Interpretation(intent="book", confidence=0.9, text=text)
        value = f"{int(hour.group()):02d}:00"
        span = EntitySpan(slot="time", text=hour.group(), value=value, start=hour.start(), end=hour.end(),
                          normalised=True, source="model")
        return Interpretation(intent="inform", confidence=0.9, text=text, entities={"time": value}, spans=[span])


@pytest.mark.parametrize(("said", "understood", "reply"), [
    ("8", {"time": "20:00"}, "4 at 20:00."),  # 08:00 is closed: the evening's
    ("11", {"time": "11:00"}, "We are open from noon to ten.\nWhat time?"),  # 23:00 is closed too
    ("13", {"time": "13:00"}, "4 at 13:00."),
])
def test_a_time_validate_refuses_is_read_the_other_way_it_may_be_said(tmp_path, said: str, understood: dict,
                                                                       reply: str) -> None:
    """"8" tagged as the time, 08:00, when the restaurant opens at noon: the time asked was refused, though
    20:00 is what a caller means."""
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=BareHoursAsMorning())
    engine.handle("s", '/book{"party_size": 4}')
    result = engine.handle("s", UserInput(text=said))
    assert (result.understood.entities, result.text) == (understood, reply)


class TimesOnly:
    """A model that tags times ("at 8pm") but never a head count."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        time = re.search(r"at (\d+)pm", text)
        if time is None:
            return Interpretation(intent="book" if text == "book a table" else "inform", confidence=0.9, text=text)
        value = f"{int(time.group(1)) + 12}:00"
        span = EntitySpan(slot="time", text=time.group(), value=value, start=time.start(), end=time.end(),
                          normalised=True, source="model")
        return Interpretation(intent="inform", confidence=0.9, text=text, entities={"time": value}, spans=[span])


@pytest.mark.parametrize(("said", "understood", "reply"), [
    ("there will be two of us", {"party_size": 2}, "What time?"),
    ("for one person at 8pm", {"time": "20:00", "party_size": 1}, "1 at 20:00."),
    ("a small one is fine", {}, "Sorry, I didn't understand that.\nHow many?"),  # a pick, not a count
    ("two or three", {}, "Sorry, I didn't understand that.\nHow many?"),  # two numbers: neither
    ("thirty of us", {}, "Sorry, I didn't understand that.\nHow many?"),  # not a valid count
])
def test_the_one_untagged_number_answers_a_count_asked(tmp_path, said: str, understood: dict, reply: str) -> None:
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=TimesOnly())
    assert engine.handle("s", UserInput(text="book a table")).text == "How many?"
    result = engine.handle("s", UserInput(text=said))
    assert (result.understood.entities, result.text) == (understood, reply)


def test_a_time_said_when_a_name_is_asked_is_the_time_not_the_name(tmp_path) -> None:
    """"at 8pm" when the name (free text) was asked: a value its own slot's type read is no name."""
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE.replace("  time: {type: time}", "  time: {type: time}\n  name: {type: text}").replace(
        "      - slot: party_size", "      - slot: name\n      - slot: party_size").replace(
        "  ask_party_size:", "  ask_name: Your name?\n  ask_party_size:"), encoding="utf-8")
    engine = Engine(load_domain(path), nlu=TimesOnly())
    assert engine.handle("s", UserInput(text="book a table")).text == "Your name?"
    result = engine.handle("s", UserInput(text="at 8pm"))
    assert (result.understood.entities, result.text) == ({"time": "20:00"}, "Your name?")


class UnsureOfCounts(TimesOnly):
    """The same model, not sure of anything but asking for a table."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        read = super().parse(text, now=now, expecting=expecting)
        return read if read.intent == "book" else read.model_copy(update={"intent": "nlu_fallback", "confidence": 0.3})


def test_a_count_asked_is_read_from_a_message_the_nlu_could_not_place(tmp_path) -> None:
    path = tmp_path / "tables.yaml"
    path.write_text(TABLE, encoding="utf-8")
    engine = Engine(load_domain(path), nlu=UnsureOfCounts())
    engine.handle("s", UserInput(text="book a table"))
    counted = engine.handle("s", UserInput(text="there will be two of us"))
    assert (counted.understood.intent, counted.understood.entities, counted.text) == (
        "inform", {"party_size": 2}, "What time?")
    engine.handle("s2", UserInput(text="book a table"))
    unread = engine.handle("s2", UserInput(text="a small one is fine"))
    assert unread.text == "Sorry, I didn't understand that.\nHow many?"


SEATS = """
version: 1
name: seats
slots:
  city: {type: text}
  seating: {type: category, values: [inside, outside]}
  guest: {type: text}
intents:
  book: [book a table]
  inform: ["[outside](seating)"]
tasks:
  book:
    policy: frame
    triggers: [book]
    slots: [{slot: city}, {slot: seating}]
    on_complete: [respond: booked]
responses:
  ask_city: Which city?
  ask_seating: Inside or outside?
  booked: "{{ slots.city }}, {{ slots.seating }}."
"""


class OneWordTagger:
    """A model that tags the message's last word as the slot `tags` maps it to."""

    def __init__(self, tags: dict[str, str]):
        self.tags = tags

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        word = text.split()[-1]
        if word not in self.tags:
            return Interpretation(intent="book", confidence=0.9, text=text)
        start = text.rindex(word)
        span = EntitySpan(slot=self.tags[word], text=word, value=word, start=start, end=start + len(word),
                          normalised=True, source="model")
        return Interpretation(intent="inform", confidence=0.9, text=text, entities={span.slot: word}, spans=[span])


def test_a_bare_value_its_own_slot_knows_is_no_answer_to_a_text_slot(domain_from) -> None:
    """"Just outside" when the city was asked: a seating, not a city named "outside"; a name the model gave a text
    slot that lists nothing still answers."""
    engine = Engine(domain_from(SEATS), nlu=OneWordTagger({"outside": "seating", "Lyon": "guest"}))
    engine.handle("s", UserInput(text="book a table"))
    seated = engine.handle("s", UserInput(text="just outside"))
    assert (seated.understood.entities, seated.text) == ({"seating": "outside"}, "Which city?")
    assert engine.handle("s", UserInput(text="Lyon")).text == "Lyon, outside."
