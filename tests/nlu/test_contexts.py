"""Training utterances placed in the dialogue states where a user can say them (dialogue.nlu.contexts)."""

from __future__ import annotations

from collections import Counter

from dialogue.domains import load_domain
from dialogue.domains.builtin import ENTITY_ONLY_INTENT
from dialogue.domains.interpretation import Expectation
from dialogue.nlu.contexts import BARE_VALUES, NOW, THANKS, asked_slots, placed
from dialogue.nlu.data import TaggedUtterance, augment, domain_examples, tag_example
from dialogue.nlu.entities import EntityNormaliser

RESTAURANT = load_domain("restaurant")
YES_NO, CHOICE = Expectation(kind="yes_no").words(), Expectation(kind="choice").words()


def training() -> list[TaggedUtterance]:
    return [tag_example(intent, example) for intent, example in augment(domain_examples(RESTAURANT), RESTAURANT, 0)]


def test_the_state_reads_as_words_after_the_message() -> None:
    assert Expectation(kind="slot", slot="party_size").words() == ("asked", "party", "size")
    assert YES_NO == ("yes", "or", "no", "question")
    assert CHOICE == ("choose", "an", "offer")


def test_the_asked_slots_are_the_frame_tasks_slots_each_once() -> None:
    asked = asked_slots(RESTAURANT)
    assert {"party_size", "time", "date", "name"} <= set(asked)
    assert len(asked) == len(set(asked))


def test_yes_and_no_are_placed_mostly_after_a_yes_no_question_or_an_offer() -> None:
    utterances = training()
    kept = [u for u in placed(utterances, RESTAURANT, 0)[:len(utterances)] if RESTAURANT.yes_or_no(u.intent)]
    where = Counter(u.context for u in kept)
    assert where[YES_NO] > where[CHOICE] > 0
    assert 0.6 * len(kept) < where[YES_NO] + where[CHOICE] < 0.9 * len(kept)
    assert where[()] > 0 and any(context[:1] == ("asked",) for context in where)


def test_values_alone_are_placed_mostly_after_the_question_of_a_slot_they_give() -> None:
    utterances = training()
    informs = [u for u in placed(utterances, RESTAURANT, 0)[:len(utterances)]
               if u.intent == ENTITY_ONLY_INTENT and any(tag != "O" for tag in u.tags)]
    answering = [u for u in informs if u.context[:1] == ("asked",) and f"B-{'_'.join(u.context[1:])}" in u.tags]
    assert 0.6 * len(informs) < len(answering) < 0.9 * len(informs)


def test_other_requests_are_mostly_placed_after_nothing_but_sometimes_after_any_question() -> None:
    others = [u for u in placed(training(), RESTAURANT, 0)
              if u.intent not in (ENTITY_ONLY_INTENT, "affirm", "deny")]
    after_nothing = sum(not u.context for u in others)
    assert 0.6 * len(others) < after_nothing < 0.8 * len(others)


def bare_values(utterances: list[TaggedUtterance]) -> list[TaggedUtterance]:
    """The values said alone that `placed` adds."""
    return [u for u in placed(utterances, RESTAURANT, 0)[len(utterances):] if u.intent == ENTITY_ONLY_INTENT]


def test_bare_values_teach_that_the_same_number_answers_the_question_asked() -> None:
    utterances = training()
    added = bare_values(utterances)
    assert all(u.context[0] == "asked" for u in added)
    assert all(u.tags == (u.tags[0], *["I-" + u.tags[0][2:]] * (len(u.words) - 1)) for u in added)
    tagged = {(u.context, u.words): u.tags[0] for u in added}
    after_time = {words for (context, words), tag in tagged.items() if context == ("asked", "time") and tag == "B-time"}
    after_size = {words for (context, words), tag in tagged.items()
                  if context == ("asked", "party", "size") and tag == "B-party_size"}
    assert after_time & after_size, "some bare number is a time after one question and a head count after another"
    per_question = Counter(u.context for u in added)
    assert per_question[("asked", "time")] > BARE_VALUES


def test_a_value_that_cannot_answer_the_question_keeps_its_own_slot() -> None:
    added = bare_values(training())
    elsewhere = [u for u in added if u.tags[0][2:] != "_".join(u.context[1:])]
    assert elsewhere
    normaliser = EntityNormaliser(RESTAURANT)
    for utterance in elsewhere:  # "54" after "What time?" stays a head count: it is no time
        asked = "_".join(utterance.context[1:])
        assert not normaliser.normalise(asked, " ".join(utterance.words), NOW)[1], utterance


def test_each_yes_and_no_is_added_with_thanks_after_a_question_it_answers() -> None:
    utterances = training()
    answers = [u for u in utterances if RESTAURANT.yes_or_no(u.intent) is not None]
    added = [u for u in placed(utterances, RESTAURANT, 0)[len(utterances):] if u.intent != ENTITY_ONLY_INTENT]
    assert len(added) == len(answers) and {u.intent for u in added} == {"affirm", "deny"}
    assert all(u.context in (YES_NO, CHOICE) for u in added), {u.context for u in added}
    for utterance in added:
        text = " ".join(utterance.words).lower()
        assert any(text.startswith(f"{thanks} ,") or text.endswith(f", {thanks}") for thanks in THANKS), text
        assert len(utterance.tags) == len(utterance.words)


def test_held_out_utterances_get_states_but_nothing_added() -> None:
    utterances = training()[:50]
    assert len(placed(utterances, RESTAURANT, 0, added=False)) == 50


def test_the_same_seed_places_the_same_way() -> None:
    utterances = training()
    assert placed(utterances, RESTAURANT, 3) == placed(utterances, RESTAURANT, 3)
    assert placed(utterances, RESTAURANT, 3) != placed(utterances, RESTAURANT, 4)
