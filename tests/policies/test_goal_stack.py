"""Goal stack semantics: interruption and resume, cancel, corrections, digressions, routing modes."""

from __future__ import annotations

import pytest

from tests.policies.unsure_nlu import UnsureNlu

BANK = """\
version: 1
name: bank
settings: {routing: ROUTING}
slots:
  amount: {type: number, min: 0.01}
  payee: {type: category, values: [alice, bob]}
  account: {type: category, values: [checking, savings]}
intents:
  transfer: [send money]
  balance: [my balance]
  hours: [opening hours]
  inform: ["[5](amount)"]
tasks:
  transfer:
    policy: frame
    triggers: [transfer]
    slots:
      - slot: amount
        help: amount_help
      - slot: payee
    confirm: confirm_transfer
    resume: back_to_transfer
    on_complete: [respond: sent]
  balance:
    policy: frame
    triggers: [balance]
    slots: [{slot: account}]
    on_complete: [respond: balance_is]
  hours:
    policy: frame
    triggers: [hours]
    digression: true
    on_complete: [respond: open_hours]
responses:
  ask_amount: How much?
  ask_payee: To whom?
  ask_account: Which account?
  amount_help: Say an amount in pounds.
  confirm_transfer: "Send {{ slots.amount }} to {{ slots.payee }}?"
  back_to_transfer: Back to your transfer.
  sent: Sent.
  balance_is: "Your {{ slots.account }} balance is 100."
  open_hours: We're open 9 to 5.
"""


@pytest.fixture
def bank(conversation):
    def start(routing: str = "flow"):
        return conversation(BANK.replace("ROUTING", routing))

    return start


def test_interruption_pushes_and_resume_reprompts_the_right_slot(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    chat.say('/inform{"amount": 50}')
    pushed = chat.say("/balance")
    assert pushed.responses == ["ask_account"]
    assert pushed.state.stack == ["transfer", "balance"]
    resumed = chat.say('/inform{"account": "savings"}')
    assert resumed.responses == ["balance_is", "back_to_transfer", "ask_payee"]
    assert resumed.state.stack == ["transfer"]
    assert resumed.state.slots == {"amount": 50}


def test_interruption_at_confirmation_resumes_with_the_confirmation(bank) -> None:
    chat = bank()
    chat.say('/transfer{"amount": 5, "payee": "bob"}')
    chat.say('/balance{"account": "checking"}')
    assert chat.say("/affirm").responses == ["sent"]


def test_resume_after_a_one_turn_interruption(bank) -> None:
    chat = bank()
    chat.say('/transfer{"amount": 5, "payee": "bob"}')
    result = chat.say('/balance{"account": "checking"}')
    assert result.responses == ["balance_is", "back_to_transfer", "confirm_transfer"]


def test_cancel_ends_only_the_inner_task(bank) -> None:
    chat = bank()
    chat.say('/transfer{"amount": 5}')
    chat.say("/balance")
    result = chat.say("/cancel")
    assert result.responses == ["cancelled", "back_to_transfer", "ask_payee"]
    assert result.state.stack == ["transfer"]
    assert result.state.slots == {"amount": 5}
    final = chat.say("/cancel")
    assert final.state.stack == [] and final.state.slots == {}
    assert chat.say("/cancel").responses == ["nothing_to_cancel"]


RECALL = (BANK.replace("ROUTING", "flow")
          .replace("  hours: [opening hours]\n", "  hours: [opening hours]\n  recall: [recall my transfer]\n")
          .replace("tasks:\n", """tasks:
  recall:
    policy: frame
    triggers: [recall]
    undoes: [transfer]
    confirm: confirm_recall
    on_complete: [respond: recalled]
""")
          .replace("responses:\n", "responses:\n  confirm_recall: Recall your last transfer?\n  recalled: Recalled.\n"))


def test_cancel_after_a_task_completed_starts_the_task_that_undoes_it(conversation) -> None:
    """"Cancel it" just after a transfer recalls it, as if the recall's trigger had been said; a cancel with nothing
    just completed, or after a task that nothing undoes, has nothing to cancel."""
    chat = conversation(RECALL)
    assert chat.say("/cancel").responses == ["nothing_to_cancel"]
    chat.say('/transfer{"amount": 5, "payee": "bob"}')
    assert chat.say("/affirm").responses == ["sent"]
    undoing = chat.say("/cancel")
    assert undoing.responses == ["confirm_recall"] and undoing.understood.intent == "recall"
    assert undoing.state.stack == ["recall"]
    assert chat.say("/affirm").responses == ["recalled"]
    assert chat.say("/cancel").responses == ["nothing_to_cancel"]  # the recall itself is undone by nothing


def test_the_task_to_undo_is_the_last_one_completed_with_none_since(conversation) -> None:
    chat = conversation(RECALL)
    chat.say('/transfer{"amount": 5, "payee": "bob"}')
    chat.say("/affirm")
    chat.say("/balance")
    assert chat.say("/cancel").responses == ["cancelled"]  # the balance asked, then cancelled
    assert chat.say("/cancel").responses == ["nothing_to_cancel"]
    chat.say('/transfer{"amount": 5, "payee": "bob"}')
    chat.say("/affirm")
    chat.say('/balance{"account": "savings"}')
    assert chat.say("/cancel").responses == ["nothing_to_cancel"]


ACCOUNTS = """\
version: 1
name: accounts
slots:
  account: {type: category, values: {current: [current account], savings: [savings account]}}
  from_account: {type: category, values: {current: [current account], savings: [savings account]}}
  amount: {type: number, min: 0.01}
intents:
  balance: [my balance]
  transfer: [send money]
tasks:
  balance:
    policy: frame
    triggers: [balance]
    slots: [{slot: account}]
    on_complete: [respond: balance_is]
  transfer:
    policy: frame
    triggers: [transfer]
    slots: [{slot: amount}, {slot: from_account}]
    on_complete: [respond: sent]
responses:
  ask_account: Which account?
  ask_amount: How much?
  ask_from_account: From which account?
  balance_is: "Your {{ slots.account }} balance is 100."
  sent: Sent.
"""


class _TaggedAs:
    """An NLU that reads one text as `inform` with one value, tagged for the slot given."""

    def __init__(self, text: str, slot: str, value: str):
        self.text, self.slot, self.value = text, slot, value

    def parse(self, text, *, now, expecting=None):
        from dialogue.domains.interpretation import EntitySpan, Interpretation

        start = text.index(self.text)
        span = EntitySpan(slot=self.slot, text=self.text, value=self.value, start=start, end=start + len(self.text),
                          normalised=True, source="model")
        return Interpretation(intent="inform", entities={self.slot: self.value}, spans=[span], text=text, source="nlu")


def test_values_after_a_task_completed_ask_it_again_read_as_its_own(conversation) -> None:
    """"And in my current account?" after a balance, the account tagged as a transfer's, is the balance of that
    account, not a transfer from it; with no task just completed, the one task that takes the value starts."""
    chat = conversation(ACCOUNTS)
    chat.engine.nlu = _TaggedAs("current account", "from_account", "current")
    assert chat.say('/balance{"account": "savings"}').responses == ["balance_is"]
    again = chat.say("and in my current account?")
    assert again.responses == ["balance_is"] and "current balance" in again.messages[0].text
    assert again.understood.entities == {"account": "current"}
    fresh = conversation(ACCOUNTS)
    fresh.engine.nlu = chat.engine.nlu
    assert fresh.say("and in my current account?").responses == ["ask_amount"]  # the transfer takes it


def test_a_question_answered_aside_notes_no_values(bank) -> None:
    """"What time do you open?" gave `change_what` = time (its word "time"), which the next change of a booking
    took without asking what to change: the words of a question a digression answers are about the question."""
    chat = bank()
    assert chat.say('/hours{"account": "savings"}').responses == ["open_hours"]
    assert chat.say("/balance").responses == ["ask_account"]


def test_correction_of_a_slot_in_a_frame_below(bank) -> None:
    chat = bank()
    chat.say('/transfer{"amount": 5}')
    chat.say("/balance")
    result = chat.say('/inform{"amount": 70}')
    assert result.responses == ["corrected", "ask_account"]
    assert result.state.stack == ["transfer", "balance"]
    assert result.state.slots["amount"] == 70


def test_digression_answers_without_pushing(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    result = chat.say("/hours")
    assert result.responses == ["open_hours", "ask_amount"]
    assert result.state.stack == ["transfer"]


def test_help_for_the_asked_slot(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    assert chat.say("/help").responses == ["amount_help", "ask_amount"]


def test_retrigger_of_the_active_task_just_reprompts(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    result = chat.say("/transfer")
    assert result.responses == ["ask_amount"]
    assert result.state.stack == ["transfer"]


def test_flow_ignores_a_trigger_of_a_task_below(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    chat.say("/balance")
    result = chat.say("/transfer")
    assert result.state.stack == ["transfer", "balance"]
    assert result.responses == ["fallback", "ask_account"]


def test_host_raises_a_task_from_below(bank) -> None:
    chat = bank("host")
    chat.say("/transfer")
    chat.say("/balance")
    result = chat.say('/transfer{"amount": 9}')
    assert result.state.stack == ["balance", "transfer"]
    assert result.responses == ["ask_payee"]
    assert result.state.slots == {"amount": 9}
    back = chat.say('/inform{"payee": "alice"}')
    assert back.responses == ["confirm_transfer"]


def test_reverse_hands_unusable_input_to_the_task_below(bank) -> None:
    chat = bank("reverse")
    chat.say("/transfer")
    chat.say("/balance")
    result = chat.say('/inform{"payee": "bob"}')
    assert result.state.stack == ["transfer"]
    assert result.responses == ["ask_amount"]
    assert result.state.slots == {"payee": "bob"}
    assert "abandon_task:balance" in result.actions


def test_flow_takes_a_value_for_a_task_below_without_leaving_the_active_one(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    chat.say("/balance")
    result = chat.say('/inform{"payee": "bob"}')
    assert result.state.stack == ["transfer", "balance"]
    assert result.responses == ["ask_account"]
    assert result.state.slots == {"payee": "bob"}


def test_after_goodbye_the_next_turn_starts_afresh(bank) -> None:
    chat = bank()
    chat.say('/transfer{"amount": 5}')
    assert chat.say("/goodbye").ended
    fresh = chat.say("/balance")
    assert not fresh.ended
    assert fresh.state.stack == ["balance"]
    assert fresh.state.slots == {}


class TwoMindsNlu:
    """A stand-in NLU that cannot decide between two intents (the real one is tested in tests/nlu)."""

    def __init__(self, first: str, second: str, gap: float, entities: dict | None = None):
        self.first, self.second, self.gap, self.entities = first, second, gap, entities or {}

    def parse(self, text, *, now, expecting=None):
        from dialogue.domains.interpretation import IntentScore, Interpretation

        top = 0.5 + self.gap / 2
        ranking = [IntentScore(name=self.first, confidence=top), IntentScore(name=self.second, confidence=1 - top)]
        return Interpretation(intent=self.first, confidence=top, ranking=ranking, ambiguous=self.gap < 0.1,
                              entities=self.entities, text=text, source="nlu")


def test_an_ambiguous_turn_asks_which_task_was_meant(bank) -> None:
    chat = bank()
    chat.engine.nlu = TwoMindsNlu("transfer", "balance", gap=0.02)
    result = chat.say("money money")
    assert result.responses == ["clarify"]
    assert result.text == "Sorry, did you want to transfer or balance?"
    assert result.state.stack == []
    chat.engine.nlu = TwoMindsNlu("transfer", "balance", gap=0.5)
    assert chat.say("send money").state.stack == ["transfer"]


def test_the_values_of_an_ambiguous_turn_go_to_the_task_the_answer_chooses(bank) -> None:
    """"20 to send or something", asked which task was meant: the amount waits for the transfer chosen next."""
    chat = bank()
    chat.engine.nlu = TwoMindsNlu("transfer", "balance", gap=0.02, entities={"amount": 20})
    assert chat.say("20 money").responses == ["clarify"]
    chosen = chat.say("/transfer")
    assert chosen.state.stack == ["transfer"] and chosen.state.slots["amount"] == 20
    assert chosen.responses == ["ask_payee"]


def test_an_intent_that_means_nothing_here_gives_way_to_the_next_ranked_task(conversation) -> None:
    """"Can you help me look for apartments?" read as asking for another of the rows offered, when none are."""
    dining = conversation(CARRIED.replace("  sounds_good: [sounds good]", "  sounds_good: [sounds good]\n"
                                          "  another: [something else]"))
    dining.engine.nlu = TwoMindsNlu("another", "search", gap=0.8)
    started = dining.say("can you help me look for a restaurant?")
    assert started.responses == ["ask_city"] and started.understood.intent == "search"
    dining.engine.nlu = TwoMindsNlu("another", "greet", gap=0.8)  # nothing ranked next starts a task
    assert dining.say("something else").responses == ["fallback", "ask_city"]  # the search going asks on
    other = conversation(CARRIED.replace("  sounds_good: [sounds good]", "  another: [something else]"))
    other.engine.nlu = TwoMindsNlu("another", "greet", gap=0.8)
    assert other.say("something else").responses == ["fallback"]


def test_an_inform_that_gives_no_value_gives_way_to_the_next_ranked_task_and_one_with_values_does_not(
        conversation) -> None:
    """"I'm looking for a restaurant" read as `inform` 0.58 with no value: it informs nothing, so the search ranked
    next starts; an `inform` with values is read as the values it gives."""
    dining = conversation(CARRIED)
    dining.engine.nlu = TwoMindsNlu("inform", "search", gap=0.2)
    started = dining.say("I'm looking for a restaurant")
    assert started.responses == ["ask_city"] and started.understood.intent == "search"
    other = conversation(CARRIED)
    other.engine.nlu = TwoMindsNlu("inform", "search", gap=0.2, entities={"people": 2})
    assert other.say("for 2 people").understood.intent == "inform"


def test_an_interrupting_task_gives_shared_slots_back_when_it_ends() -> None:
    """Changing a booking in the middle of making one: both use party_size, date and time; the new
    booking gets its own values back (found by the simulator: they leaked into the task below)."""
    from dialogue.domains import load_domain
    from dialogue.engine import Engine
    from tests.conftest import NOW

    engine = Engine(load_domain("restaurant"))
    engine.tables.insert("bookings", {"reference": "ABC123", "user_id": "u1", "party_size": 2, "date": "2026-12-01",
                                      "time": "19:00", "status": "confirmed"})

    def say(text: str):
        return engine.handle("s1", text, user_id="u1", now=NOW)

    say('/book_table{"cuisine": "italian", "party_size": 4}')
    say('/change_booking{"booking_ref": "ABC123"}')
    say('/inform{"change_what": "party_size"}')
    changed = say('/inform{"party_size": 6}')
    assert changed.state.active_task == "change_booking" and changed.state.slots["party_size"] == 6
    done = say("/affirm")
    assert "complete_task:change_booking" in done.actions
    assert done.state.active_task == "book_table"
    assert done.state.slots["party_size"] == 4
    assert done.state.slots["booking_ref"] == "ABC123"  # persisted: "and cancel it" is about the booking changed
    assert engine.tables.select("bookings", {"reference": "ABC123"})[0]["party_size"] == 6


CARRIED = """\
version: 1
name: dining
slots:
  city: {type: text}
  cuisine: {type: text}
  people: {type: integer}
intents:
  search: [find food]
  book: [book a table]
  inform: ["[2](people)"]
  sounds_good: [sounds good]
tasks:
  search:
    policy: frame
    triggers: [search]
    slots: [{slot: city}, {slot: cuisine}]
    persisted_slots: [city]
    on_complete:
      - respond: found
      - propose_task: {task: book, ask: offer_booking}
  book:
    policy: frame
    triggers: [book]
    slots: [{slot: city}, {slot: cuisine}, {slot: people}]
    on_complete: [respond: booked]
responses:
  ask_city: Where?
  ask_cuisine: What food?
  ask_people: How many?
  found: Found some.
  offer_booking: Shall I book a table there?
  booked: "Booked in {{ slots.city }}."
"""


class _RankedWithValues:
    """An NLU that reads every text as `inform` with the values and the ranking given."""

    def __init__(self, entities: dict, ranking: dict[str, float]):
        self.entities, self.ranking = entities, ranking

    def parse(self, text, *, now, expecting=None):
        from dialogue.domains.interpretation import IntentScore, Interpretation

        ranking = [IntentScore(name=name, confidence=score) for name, score in self.ranking.items()]
        return Interpretation(intent="inform", confidence=ranking[0].confidence, entities=self.entities,
                              ranking=ranking, text=text, source="nlu")


@pytest.mark.parametrize("ranking, responses, task", [
    ({"inform": 0.8, "book": 0.1, "search": 0.06}, ["ask_cuisine"], "book"),
    ({"inform": 0.8, "greet": 0.1, "search": 0.06}, ["ask_cuisine"], "search"),
    ({"inform": 0.8, "greet": 0.1, "sounds_good": 0.06}, ["fallback"], None),
    ({"inform": 0.95, "greet": 0.04, "book": 0.01}, ["fallback"], None),  # 1%: noise a batch of texts moves
])
def test_values_several_tasks_take_start_the_one_the_nlu_ranks_first(conversation, ranking, responses, task) -> None:
    """"Would you look in San Jose for some movies?" with nothing going: finding movies and buying tickets both
    take the city, and the NLU ranks finding movies second; with neither in its top three, or ranked below
    RANKED_AT_LEAST, nothing starts."""
    dining = conversation(CARRIED)
    dining.engine.nlu = _RankedWithValues({"city": "Lyon"}, ranking)
    answered = dining.say("in Lyon please")
    assert answered.responses == responses and answered.state.active_task == task
    assert answered.understood.intent == (task or "inform")


def test_persisted_slots_outlive_their_task_and_the_next_task_has_them(conversation) -> None:
    dining = conversation(CARRIED)
    dining.say("/search")
    done = dining.say('/inform{"city": "Lyon", "cuisine": "thai"}')
    assert done.responses == ["found", "offer_booking"] and done.state.slots == {"city": "Lyon"}  # not cuisine
    assert dining.say("/book").responses == ["ask_cuisine"]  # the city is not asked again
    booked = dining.say('/inform{"cuisine": "thai", "people": 2}')
    assert booked.text == "Booked in Lyon." and booked.state.slots == {}  # book persists nothing


@pytest.mark.parametrize("answer, responses, task", [
    ("/affirm", ["ask_cuisine"], "book"),
    ('/affirm{"cuisine": "thai"}', ["ask_people"], "book"),
    ("/sounds_good", ["ask_cuisine"], "book"),
    ("/deny", ["proposal_declined"], None),
    ("/cancel", ["proposal_declined"], None),
    ("/search", ["ask_cuisine"], "search"),
    ('/inform{"people": 2}', ["ask_cuisine"], "book"),  # values of the proposed task: taken as a yes
    ('/nlu_fallback{"cuisine": "thai"}', ["ask_people"], "book"),  # so from a message the NLU could not place
    ('/deny{"people": 2}', ["proposal_declined"], None),
])
def test_a_proposed_task_starts_on_yes_and_is_passed_over_otherwise(conversation, answer: str,
                                                                    responses: list[str], task: str | None) -> None:
    dining = conversation(CARRIED.replace("  sounds_good: [sounds good]", "  sounds_good:\n    examples: [sounds good]"
                                                                        "\n    means: affirm"))
    dining.say("/search")
    dining.say('/inform{"city": "Lyon", "cuisine": "thai"}')
    answered = dining.say(answer)
    assert answered.responses == responses and answered.state.active_task == task
    if task == "search":  # passed over: a later yes no longer starts the booking
        assert dining.say("/affirm").state.stack == ["search"]


def test_asking_for_the_proposed_task_accepts_it(conversation) -> None:
    dining = conversation(CARRIED)
    dining.say("/search")
    dining.say('/inform{"city": "Lyon", "cuisine": "thai"}')
    answered = dining.say('/book{"people": 2}')  # "yes, book me a table for two" after "shall I book a table?"
    assert answered.responses == ["ask_cuisine"] and answered.understood.intent == "affirm"
    assert answered.state.slots == {"city": "Lyon", "people": 2}


@pytest.mark.parametrize("ranking, accepted", [
    ({"book": 0.3, "affirm": 0.28, "search": 0.2}, True),   # a yes or asking for the booking: a yes either way
    ({"search": 0.3, "affirm": 0.28, "book": 0.2}, False),  # likeliest is something else
])
def test_a_turn_unsure_between_a_yes_and_asking_for_the_proposed_task_accepts_it(
        conversation, ranking: dict[str, float], accepted: bool) -> None:
    """"Can you book a visit to the apartment?" after "shall I schedule a visit?": `affirm` 0.32, `schedule_visit`
    0.30, each below the threshold, together above it."""
    dining = conversation(CARRIED)
    dining.say("/search")
    dining.say('/inform{"city": "Lyon", "cuisine": "thai"}')
    dining.engine.nlu = UnsureNlu({"could you do so for me": ranking})
    answered = dining.say("could you do so for me")
    assert (answered.state.active_task == "book") is accepted
    assert answered.understood.intent == ("affirm" if accepted else "nlu_fallback")
    if accepted:
        assert answered.responses == ["ask_cuisine"] and answered.state.slots == {"city": "Lyon"}


@pytest.mark.parametrize("ranking, sent", [
    ({"transfer": 0.3, "affirm": 0.25, "balance": 0.2}, True),
    ({"affirm": 0.3, "balance": 0.25, "transfer": 0.1}, False),  # 0.4 together: below the threshold
])
def test_a_turn_unsure_between_a_yes_and_asking_for_the_task_being_confirmed_confirms_it(
        bank, ranking: dict[str, float], sent: bool) -> None:
    chat = bank()
    chat.say("/transfer")
    assert chat.say('/inform{"amount": 50, "payee": "bob"}').responses == ["confirm_transfer"]
    chat.engine.nlu = UnsureNlu({"go on and send it": ranking})
    answered = chat.say("go on and send it")
    assert (answered.responses == ["sent"]) is sent
    if not sent:
        assert answered.state.stack == ["transfer"] and chat.say("/affirm").responses == ["sent"]


def test_a_question_answered_on_the_side_leaves_a_proposed_task_open_and_asks_it_again(conversation) -> None:
    """The proposal is asked again after the answer, whether the question came in a message of its own or after
    the yes that led to the proposal ("Sounds good. When are you open?"): the user is left with what to answer."""
    hours = ("  hours:\n    policy: frame\n    triggers: [ask_hours]\n    digression: true\n"
             "    on_complete: [respond: hours]\nresponses:\n  hours: Noon to eleven.")
    dining = conversation(CARRIED.replace("  sounds_good: [sounds good]", "  sounds_good: [sounds good]\n"
                                          "  ask_hours: [when are you open]").replace("responses:", hours))
    dining.say("/search")
    dining.say('/inform{"city": "Lyon", "cuisine": "thai"}')
    assert dining.say("/ask_hours").responses == ["hours", "offer_booking"]
    assert dining.say("/affirm").state.active_task == "book"


def test_persisted_slots_are_slots_of_the_domain(write_domain) -> None:
    from dialogue.domains import load_domain
    from dialogue.domains.errors import DomainError

    with pytest.raises(DomainError, match="unknown slot 'town'"):
        load_domain(write_domain(CARRIED.replace("persisted_slots: [city]", "persisted_slots: [town]")))


def test_a_no_with_nothing_asked_and_no_task_going_is_a_goodbye(conversation) -> None:
    dining = conversation(CARRIED)
    dining.say('/book{"city": "Lyon", "cuisine": "thai", "people": 2}')
    done = dining.say("/deny")  # "no, thanks" after the booking
    assert done.responses == ["goodbye"] and done.ended and done.understood.intent == "goodbye"


def test_a_bare_no_when_asked_for_a_value_declines_the_value_not_the_task(conversation) -> None:
    """"No" when asked where: the task with what it holds goes on and the question is asked again, nothing counts
    as misunderstood, but each no is one of the slot's attempts: the third reaches its escalation (a no that also
    takes leave stops the task: tests/dialogue/test_engine.py)."""
    dining = conversation(CARRIED)
    dining.say('/book{"cuisine": "thai"}')
    declined = dining.say("/deny")
    assert declined.responses == ["ask_city"] and "escalate:no_match" not in declined.actions
    assert declined.state.active_task == "book" and declined.state.slots["cuisine"] == "thai"
    assert dining.say("/deny").responses == ["ask_city"]
    exhausted = dining.say("/deny")
    assert exhausted.responses == ["exhausted"] and exhausted.handoff


def test_a_yes_when_asked_for_a_value_asks_again_without_apology(conversation) -> None:
    """"Yes, please!" when asked where (answering a question the user expected): the question stands, and nothing
    counts as misunderstood. A no with a value at it is an answer, as a yes with one is."""
    dining = conversation(CARRIED)
    dining.say("/book")
    acknowledged = dining.say("/affirm")
    assert acknowledged.responses == ["ask_city"] and "escalate:no_match" not in acknowledged.actions
    assert dining.say('/deny{"city": "Lyon"}').responses == ["ask_cuisine"]


def test_a_task_pushed_on_the_search_for_it_keeps_what_was_searched_for(conversation) -> None:
    """Buying tickets asked for while the search for a movie is going (in Oakland, show still asked): the purchase
    starts with the search's city, as that search is for it; a task the search does not lead to starts without."""
    cinema = CINEMA.replace("  tickets: {type: integer}", "  tickets: {type: integer}\n  show: {type: text}").replace(
        "    slots: [{slot: city}]\n    on_complete:\n      - select", "    slots: [{slot: city}, {slot: show}]\n"
        "    on_complete:\n      - select").replace(
        "slots: [{slot: movie}, {slot: tickets}]", "slots: [{slot: movie}, {slot: city}, {slot: tickets}]").replace(
        "  ask_tickets: How many?", "  ask_tickets: How many?\n  ask_show: Which show?")
    chat = conversation(cinema)
    chat.say('/find{"city": "Oakland"}')
    buying = chat.say('/buy{"tickets": 2}')
    assert buying.state.stack == ["find", "buy"] and buying.state.slots["city"] == "Oakland"
    assert buying.responses == ["ask_movie"]
    chat = conversation(cinema, session="s2")
    chat.say('/find{"city": "Oakland"}')
    weather = chat.say("/weather")
    assert weather.state.stack == ["find", "weather"] and weather.state.slots.get("city") is None


def test_values_only_a_search_takes_start_the_search_before_the_task_it_leads_to(conversation) -> None:
    """"Buy two tickets for something in Oakland": the city is the search's alone, so the search runs and its offer
    leads to the purchase, which keeps the values only it takes. Values the purchase takes all of start it."""
    chat = conversation(CINEMA)
    searched = chat.say('/buy{"city": "Oakland", "tickets": 2}')
    assert searched.understood.intent == "find" and searched.responses == ["offer_films"]
    assert searched.state.stack == [] and chat.say("/affirm").responses == ["shall_i"]
    bought = chat.say("/affirm")
    assert bought.responses == ["bought"] and bought.text == "Bought 2 for Dumbo."
    plain = conversation(CINEMA, session="s2")
    assert plain.say('/buy{"tickets": 2}').understood.intent == "buy"
    offered = conversation(CINEMA, session="s3")
    offered.say('/find{"city": "Oakland"}')
    taken = offered.say('/buy{"city": "Oakland", "tickets": 2}')  # a row on offer: the offer reads the turn
    assert taken.understood.intent != "find" and "offer_films" not in taken.responses


def test_a_yes_with_nothing_asked_and_no_task_going_asks_what_else(conversation) -> None:
    """"Great, thanks" after a booking: nothing to say yes to, and no misunderstanding either (no escalation)."""
    dining = conversation(CARRIED)
    dining.say('/book{"city": "Lyon", "cuisine": "thai", "people": 2}')
    thanked = dining.say("/affirm")
    assert thanked.responses == ["anything_else"] and not thanked.ended
    assert "escalate:no_match" not in thanked.actions
    assert dining.say("/search").responses == ["ask_city"]


@pytest.mark.parametrize("message, responses, task", [
    ('/inform{"account": "savings"}', ["balance_is"], None),  # "savings, please": the balance task, done at once
    ('/inform{"amount": 20}', ["ask_payee"], "transfer"),
    ('/affirm{"amount": 20, "payee": "bob"}', ["confirm_transfer"], "transfer"),  # whatever the intent
    ('/inform{"amount": 20, "account": "savings"}', ["fallback"], None),  # no one task takes both
    ('/goodbye{"amount": 20}', ["goodbye"], None),
])
def test_values_with_no_task_going_start_the_one_task_that_takes_them(bank, message: str, responses: list[str],
                                                                      task: str | None) -> None:
    answered = bank().say(message)
    assert answered.responses == responses and answered.state.active_task == task


def test_values_two_tasks_take_start_neither_and_a_new_value_after_a_booking_books_again(conversation) -> None:
    dining = conversation(CARRIED)
    assert dining.say('/inform{"city": "Lyon"}').responses == ["fallback"]  # search and book both take a city
    dining.say("/book")
    dining.say('/inform{"city": "Lyon", "cuisine": "thai", "people": 2}')
    again = dining.say('/deny{"people": 4}')  # "no, make it four" once the first booking is made
    assert again.responses == ["ask_city"] and again.state.active_task == "book"
    assert again.state.slots == {"people": 4}


def test_values_for_the_task_going_with_another_tasks_intent_answer_it(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    answered = chat.say('/balance{"amount": 20}')  # "I'd like to move 20 from my balance": the balance takes no amount
    assert answered.responses == ["ask_payee"] and answered.state.stack == ["transfer"]
    assert answered.understood.intent == "inform" and answered.state.slots["amount"] == 20
    pushed = chat.say('/balance{"account": "savings"}')  # values the transfer does not take: a request of its own
    assert pushed.responses == ["balance_is", "back_to_transfer", "ask_payee"]


def test_the_slot_asked_given_with_another_tasks_intent_answers_the_task_going(conversation) -> None:
    chat = conversation("""\
version: 1
name: cinema
slots:
  movie: {type: text}
  city: {type: text}
intents:
  buy: [buy tickets]
  find: [find a movie]
tasks:
  buy: {policy: frame, triggers: [buy], slots: [{slot: movie}, {slot: city}], on_complete: [respond: bought]}
  find: {policy: frame, triggers: [find], slots: [{slot: city}], on_complete: [respond: found]}
responses:
  ask_movie: Which movie?
  ask_city: Which city?
  bought: "Bought, {{ slots.movie }} in {{ slots.city }}."
  found: Found some.
""")
    chat.say('/buy{"movie": "Dumbo"}')
    answered = chat.say('/find{"city": "Oakland"}')  # "I want to see it in Oakland" after "Which city?"
    assert answered.text == "Bought, Dumbo in Oakland." and answered.understood.intent == "inform"
    chat.say('/buy')
    pushed = chat.say('/find{"city": "Oakland"}')  # the movie was asked: finding one is a request of its own
    assert pushed.text.startswith("Found some.")


def test_a_trigger_of_the_task_going_with_its_values_is_understood_as_giving_them(bank) -> None:
    chat = bank()
    chat.say("/transfer")
    given = chat.say('/transfer{"amount": 20}')  # "I want to send 20" while sending money
    assert given.responses == ["ask_payee"] and given.understood.intent == "inform"
    again = chat.say("/transfer")  # no values: the request said again
    assert again.responses == ["ask_payee"] and again.understood.intent == "transfer"


def test_a_persisted_value_fills_the_slot_the_task_below_had_no_value_for(conversation) -> None:
    dining = conversation(CARRIED)
    dining.say("/book")  # the booking asks the city; the user asks for a search first
    dining.say("/search")
    dining.say('/inform{"city": "Rome"}')
    found = dining.say('/inform{"cuisine": "thai"}')
    assert found.state.stack == ["book"] and found.state.slots["city"] == "Rome"  # the search's city stays
    assert found.responses[0] == "found" and "offer_booking" not in found.responses  # the booking goes on
    assert found.state.slots.get("cuisine") is None  # not persisted: the booking's own (none) comes back


def test_a_value_no_task_going_takes_is_noted_for_the_next_task_that_does(conversation) -> None:
    """"Two of us, in Lyon" while searching (which has no head count): the count is kept for the booking, which
    does not ask it again; a value that is not one of its slot's type is not kept."""
    dining = conversation(CARRIED)
    dining.say("/search")
    searching = dining.say('/inform{"city": "Lyon", "people": 2}')
    assert searching.responses == ["ask_cuisine"] and searching.state.slots == {"city": "Lyon"}
    done = dining.say('/inform{"cuisine": "thai"}')
    assert done.responses == ["found", "offer_booking"]
    assert dining.say("/affirm").responses == ["ask_cuisine"]  # the city persisted, the head count noted
    booked = dining.say('/inform{"cuisine": "thai"}')
    assert booked.text == "Booked in Lyon." and booked.state.slots == {}
    dining.say("/search")
    dining.say('/inform{"people": "lots"}')  # not a number: nothing to keep
    dining.say('/inform{"city": "Oslo", "cuisine": "thai"}')
    dining.say("/affirm")
    assert dining.say('/inform{"cuisine": "thai"}').responses == ["ask_people"]


def test_the_value_said_last_is_the_one_noted(conversation) -> None:
    dining = conversation(CARRIED.replace('booked: "Booked in', 'booked: "Booked for {{ slots.people }} in'))
    dining.say('/search{"people": 2}')
    dining.say('/inform{"people": 3, "city": "Lyon"}')
    dining.say('/inform{"cuisine": "thai"}')
    dining.say("/affirm")
    assert dining.say('/inform{"cuisine": "thai"}').text == "Booked for 3 in Lyon."


def test_values_no_one_task_takes_are_noted_though_the_turn_was_not_understood(conversation) -> None:
    """"Somewhere in Lyon" with nothing going: searching and booking both take a city, so it starts neither, but
    the booking asked for next has it."""
    dining = conversation(CARRIED)
    assert dining.say('/inform{"city": "Lyon"}').responses == ["fallback"]
    assert dining.say("/book").responses == ["ask_cuisine"]


CINEMA = """\
version: 1
name: cinema
slots:
  city: {type: text}
  movie: {type: text}
  tickets: {type: integer}
intents:
  find: [find a movie]
  buy: [buy tickets]
  weather: [what's the weather]
memory:
  tables:
    films:
      columns: {movie: text, city: text}
      seed: [{movie: Dumbo, city: Oakland}]
tasks:
  find:
    policy: frame
    triggers: [find]
    slots: [{slot: city}]
    on_complete:
      - select: {table: films, where: {city: "{{ slots.city }}"}, result: films}
      - offer:
          result: films
          ask: offer_films
          fill: {movie: movie}
          on_select: [{propose_task: {task: buy, ask: shall_i}}]
  buy:
    policy: frame
    triggers: [buy]
    slots: [{slot: movie}, {slot: tickets}]
    on_complete: [respond: bought]
  weather:
    policy: frame
    triggers: [weather]
    slots: [{slot: city}]
    on_complete: [respond: sunny]
responses:
  ask_city: Which city?
  ask_movie: Which movie?
  ask_tickets: How many?
  offer_films: "{{ offered.rows[0].movie }}?"
  shall_i: Buy tickets?
  bought: "Bought {{ slots.tickets }} for {{ slots.movie }}."
  sunny: Sunny.
"""


def test_a_task_done_ends_the_search_below_that_leads_to_it_and_resumes_any_other(conversation) -> None:
    """Finding a movie, interrupted by buying tickets: once they are bought, the search is not resumed ("Let's get
    back to where we were. Which city?"); a task whose offers do not lead to the purchase is."""
    chat = conversation(CINEMA)
    chat.say("/find")
    done = chat.say('/buy{"movie": "Dumbo", "tickets": 2}')
    assert done.responses == ["bought"] and done.state.stack == []
    chat = conversation(CINEMA, session="s2")
    chat.say("/weather")
    done = chat.say('/buy{"movie": "Dumbo", "tickets": 2}')
    assert done.responses == ["bought", "resume", "ask_city"] and done.state.stack == ["weather"]


def test_a_search_for_the_task_going_that_cannot_find_what_it_asked_gives_it_values(conversation) -> None:
    """Buying tickets for a movie chosen already, "I'd like to see it in Berkeley" read as finding a movie gives the
    purchase its city; while the purchase asks which movie, the same words are a search for one."""
    cinema = CINEMA.replace("slots: [{slot: movie}, {slot: tickets}]", "slots: [{slot: movie}, {slot: city}, "
                            "{slot: tickets}]")
    chat = conversation(cinema)
    chat.say('/buy{"movie": "Dumbo", "city": "Oakland"}')
    given = chat.say('/find{"city": "Berkeley"}')
    assert given.understood.intent == "inform" and given.state.stack == ["buy"]
    assert given.state.slots["city"] == "Berkeley" and given.responses[-1] == "ask_tickets"
    chat = conversation(cinema, session="s2")
    chat.say('/buy{"city": "Oakland"}')
    searched = chat.say('/find{"city": "Oakland"}')
    assert searched.understood.intent == "find" and searched.responses[0] == "offer_films"
