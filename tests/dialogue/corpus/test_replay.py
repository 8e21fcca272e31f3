"""Replaying real conversations: the figures from the turns, and a replay on a trained model and real services."""

from __future__ import annotations

import pytest

from dialogue.corpus.formats import CorpusError, RealConversation, UserTurn
from dialogue.corpus.replay import ConversationScore, Replayer, TurnScore, replay_all, same_value, scores
from dialogue.domains import load_domain
from dialogue.nlu.understander import Understander
from tests.conftest import NOW


def turn(expected_intent, intent, expected, understood) -> TurnScore:
    right = [slot for slot, value in expected.items() if same_value(value, understood.get(slot))]
    return TurnScore("text", expected_intent, intent, expected, understood, right)


def test_the_figures_count_turns_values_and_tasks() -> None:
    conversations = [
        ConversationScore("a", [turn("book", "book", {"city": "Paris", "guests": 2}, {"city": "paris,", "guests": 2}),
                                turn("inform", "nlu_fallback", {"date": "2019-03-05"}, {"date": "2019-05-03"}),
                                turn(None, "affirm", {}, {"rating": 4.0})],
                          "book", counted=True, success=True),
        ConversationScore("b", [turn("affirm", "affirm", {}, {"colour": "red"})], "book", counted=True),
        ConversationScore("d", [TurnScore("the 5th", None, None, {"date": "2019-03-05"}, {},
                                          read={"date": True, "time": False})], None, counted=False),
        ConversationScore("c", [turn("search", "book", {"city": "Rome"}, {})], None, counted=False),
    ]
    figures = scores(conversations)
    assert figures["user_turns"] == 6 and figures["intent_turns"] == 4
    assert figures["intent_accuracy"] == 0.5  # book, affirm right; nlu_fallback, book wrong
    assert figures["fallback_rate"] == round(1 / 6, 4)
    assert figures["not_understood_rate"] == 0.0
    assert figures["value_reading"] == 0.5
    # right: city, guests; wrong: the date (a false positive and a miss); missed: Rome and the 5th; rating and
    # colour are not values the conversations ever give, so they are not scored
    assert (figures["slot_precision"], figures["slot_recall"]) == (round(2 / 3, 4), 0.4)
    assert figures["slot_f1"] == round(2 * (2 / 3) * 0.4 / (2 / 3 + 0.4), 4)
    assert figures["per_slot"]["city"] == {"slot_precision": 1.0, "slot_recall": 0.5, "slot_f1": round(2 / 3, 4),
                                           "slot_support": 2}
    assert figures["per_intent"]["book"] == {"accuracy": 1.0, "support": 1}
    assert (figures["task_conversations"], figures["task_success"]) == (2, 0.5)


def test_the_nlus_own_reading_is_scored_apart_from_the_engines() -> None:
    turns = [TurnScore("three tickets", "inform", "inform", {}, {}, model_intent="buy"),  # the task going took them
             TurnScore("buy tickets", "buy", "buy", {}, {}, model_intent="buy")]
    figures = scores([ConversationScore("a", turns, None, counted=False)])
    assert (figures["intent_accuracy"], figures["model_intent_accuracy"]) == (1.0, 0.5)


def test_a_turn_of_several_acts_read_as_any_of_them_is_right_by_the_any_act_figure() -> None:
    turns = [TurnScore("no, make it the 12th", "deny", "inform", {}, {}, also_intents=("inform",)),
             TurnScore("no thanks", "goodbye", "affirm", {}, {}, also_intents=("deny",)),
             TurnScore("yes", "affirm", "affirm", {}, {})]
    figures = scores([ConversationScore("a", turns, None, counted=False)])
    assert (figures["intent_accuracy"], figures["intent_accuracy_any_act"]) == (round(1 / 3, 4), round(2 / 3, 4))


def test_values_compare_after_normalisation() -> None:
    assert same_value("3.70", 3.7) and same_value(4, "4") and same_value("New York", "new york.")
    assert same_value(True, "True") and not same_value(True, "False")
    assert not same_value("Paris", "Paris, France") and not same_value("2", None)


def test_a_conversation_replayed_on_the_trained_model_books_through_the_service(bundled_models) -> None:
    """The restaurant domain, its trained model and the real example service: every turn scored, and the task
    judged done from the booking (its row and what the service acknowledged)."""
    restaurant = load_domain("restaurant")
    said = [("can I reserve a table for 4 people", "book_table", {"party_size": 4}),
            ("italian sounds good", "inform", {"cuisine": "italian"}),
            ("tomorrow", "inform", {}),
            ("at 7pm", "inform", {"time": "19:00"}),
            ("my name is Ana Lopez", "inform", {"name": "Ana Lopez"}),
            ("it's 07700 900123", "inform", {"phone": "07700900123"}),
            ("yes", "affirm", {})]
    conversation = RealConversation("r1", [UserTurn(*turn) for turn in said], NOW, task="book_table",
                                    final={"party_size": "4", "cuisine": "italian", "time": "19:00",  # "4": typed
                                           "name": "Ana Lopez"}, complete=True)
    score = Replayer(restaurant, Understander.for_domain(restaurant, bundled_models)).replay(conversation)
    assert [t.intent for t in score.turns] == [t[1] for t in said]
    assert score.turns[0].model_intent == "book_table" and all(t.model_intent for t in score.turns)  # from the log
    assert all(set(t.right) == set(t.expected) for t in score.turns), [(t.expected, t.understood) for t in score.turns]
    assert score.counted and score.success, score.reasons
    assert "booked" in score.turns[-1].reply
    wrong = RealConversation("r2", conversation.turns, NOW, task="book_table", final={"party_size": 5},
                             complete=True)
    score = Replayer(restaurant, Understander.for_domain(restaurant, bundled_models)).replay(wrong)
    assert not score.success and "slot 'party_size' held 4, the user wanted 5" in score.reasons[0]


def test_a_turn_the_assistant_did_not_understand_counts_whatever_the_nlu_read(domain_from) -> None:
    """Asking for other shops while a city is asked, with none offered, is the intent the user meant, and still not
    understood by the assistant (the city then given for the search going is understood as `inform`)."""
    shops = domain_from(SHOPS)
    said = [UserTurn("/find", "find"), UserTurn("/another", "another"), UserTurn('/find{"city": "Oslo"}', "inform")]
    score = Replayer(shops, None).replay(RealConversation("y", said, NOW))
    assert [t.not_understood for t in score.turns] == [False, True, False]
    assert score.turns[1].intent == "another" and score.turns[1].reply.startswith("Sorry")
    figures = scores([score])
    assert (figures["intent_accuracy"], figures["not_understood_rate"]) == (1.0, round(1 / 3, 4))


def test_results_that_do_not_fit_the_domains_table_are_named() -> None:
    restaurant = load_domain("restaurant")
    conversation = RealConversation("r9", [UserTurn("/greet", None)], NOW,
                                    rows={"bookings": [{"party_size": "lots"}]})
    with pytest.raises(CorpusError, match=r"conversation r9: a row of its results does not fit the domain's table: "
                                          r"bookings\.party_size"):
        Replayer(restaurant, None).replay(conversation)


def test_a_turn_the_engine_cannot_take_is_understood_as_nothing() -> None:
    restaurant = load_domain("restaurant")  # no model: free text cannot be understood
    score = Replayer(restaurant, None).replay(RealConversation("r8", [UserTurn("a table please", "book_table")], NOW))
    [only] = score.turns
    assert only.intent is None and only.reply.startswith("error: text: free text needs a trained NLU")
    assert scores([score])["intent_accuracy"] == 0.0


SHOPS = """\
version: 1
name: shops
slots:
  city: {type: text}
intents:
  find: [find a shop]
  another: [any other shops?]
memory:
  tables:
    shops:
      columns: {name: text, city: text}
tasks:
  find:
    policy: frame
    triggers: [find]
    slots: [{slot: city}]
    on_complete:
      - select: {table: shops, where: {city: "{{ slots.city }}"}, result: found}
      - respond: found
responses:
  ask_city: Where?
  found: "{% for row in results.found %}{{ row.name }}; {% endfor %}"
"""


def test_each_conversation_is_replayed_with_the_catalogue_its_own_rows_first(domain_from) -> None:
    """The rows every replayed conversation was shown are the business's catalogue: a conversation whose user names
    what only another one's search returned still finds it; its own rows come first, each row once."""
    shops = domain_from(SHOPS)
    asking = [UserTurn('/find{"city": "Oslo"}', "find")]
    first = RealConversation("a", asking, NOW, rows={"shops": [{"name": "Ruby", "city": "Oslo"},
                                                               {"name": "Jade", "city": "Rome"}]})
    second = RealConversation("b", asking, NOW, rows={"shops": [{"name": "Opal", "city": "Oslo"},
                                                                {"name": "Ruby", "city": "Oslo"}]})
    third = RealConversation("c", asking, NOW)
    replies = [score.turns[0].reply for score in replay_all(Replayer(shops, None), [first, second, third])]
    assert replies == ["Ruby; Opal;", "Opal; Ruby;", "Ruby; Opal;"]
    alone = Replayer(shops, None).replay(third)
    assert alone.turns[0].reply == ""  # on its own, nothing
