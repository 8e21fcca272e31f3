"""Questions answered from the knowledge: the FAQ answer as written, `no_answer`, and a question mid-task as a
digression. The search's hits come from a stand-in parser here (tests/nlu/knowledge has the real index)."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.dm.events import KnowledgeAnswered
from dialogue.domains.interpretation import Expectation, Found, Interpretation
from dialogue.engine import Engine

DOMAIN = """\
version: 1
name: shop
slots:
  size: {type: category, values: [small, large]}
intents:
  order: [I want a coffee]
tasks:
  order:
    policy: frame
    triggers: [order]
    slots: [{slot: size}]
    on_complete: [respond: done]
knowledge:
  faq_threshold: 0.5
  faq:
    - id: wifi
      question: do you have wifi
      answer:
        - text: "Yes, the password is on your receipt."
          voice: <speak>Yes. The password is on your receipt.</speak>
    - id: late
      question: are you open late
      when: user.member
      answer: Members may stay until midnight.
memory:
  variables:
    member: {type: boolean, default: false}
responses:
  ask_size: Small or large?
  done: "A {{ slots.size }} coffee, coming up."
"""


class Scripted:
    """A stand-in NLU: each text's interpretation, given by the test."""

    def __init__(self, readings: dict[str, Interpretation]):
        self.readings = readings

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return self.readings[text].model_copy(update={"text": text})


def question(intent: str, *hits: tuple[str, float]) -> Interpretation:
    return Interpretation(intent=intent, confidence=0.9, source="nlu",
                          knowledge=[Found(kind="faq", id=id, score=score) for id, score in hits])


READINGS = {
    "is there wifi": question("ask", ("wifi", 0.8), ("late", 0.3)),
    "wifi maybe?": question("ask", ("wifi", 0.45)),
    "open late?": question("ask", ("late", 0.9), ("wifi", 0.51)),
    "who won the match": question("out_of_scope", ("wifi", 0.1)),
    "wifi in here?": question("out_of_scope", ("wifi", 0.7)),
    "wifi password pls": question("nlu_fallback", ("wifi", 0.7)),
    "blah": question("nlu_fallback", ("wifi", 0.3)),
    "blah blah": question("nlu_fallback", ("wifi", 0.1)),
    "coffee": question("order"),
}


@pytest.fixture
def engine(domain_from) -> Engine:
    return Engine(domain_from(DOMAIN), nlu=Scripted(READINGS))


def say(engine: Engine, text: str, session: str = "s", **options):
    return engine.handle(session, text, user_id="u", **options)


def test_a_question_the_faq_answers_gets_its_answer_as_written(engine: Engine) -> None:
    result = say(engine, "is there wifi")
    assert result.responses == ["faq.wifi"]
    assert result.text == "Yes, the password is on your receipt."
    assert [(s.kind, s.id, s.score) for s in result.sources] == [("faq", "wifi", 0.8)]
    assert result.actions == ["respond:faq.wifi", "knowledge:faq:wifi"]  # action guards see what answered
    logged = [e for e in engine.store.events[("shop", "s")] if isinstance(e, KnowledgeAnswered)]
    assert [s.id for e in logged for s in e.sources] == ["wifi"]


def test_the_voice_channel_speaks_the_answers_voice_variant(engine: Engine) -> None:
    result = say(engine, "is there wifi", channel="voice")
    assert result.messages[0].ssml == "<speak>Yes. The password is on your receipt.</speak>"


def test_a_question_below_the_threshold_gets_no_answer(engine: Engine) -> None:
    result = say(engine, "wifi maybe?")
    assert result.responses == ["no_answer"] and result.sources == []


def test_an_entry_whose_condition_fails_is_passed_over(engine: Engine) -> None:
    assert say(engine, "open late?").responses == ["faq.wifi"]
    engine.store.remember("shop", "member", {"member": True})
    assert engine.handle("m", "open late?", user_id="member").responses == ["faq.late"]


def test_out_of_scope_input_is_answered_when_the_knowledge_can(engine: Engine) -> None:
    assert say(engine, "wifi in here?").responses == ["faq.wifi"]
    assert say(engine, "who won the match", session="t").responses == ["out_of_scope"]


def test_input_no_intent_took_is_answered_when_the_knowledge_can(engine: Engine) -> None:
    assert say(engine, "wifi password pls").responses == ["faq.wifi"]


def test_input_like_no_intent_and_nothing_in_the_knowledge_is_out_of_scope(engine: Engine) -> None:
    assert say(engine, "blah blah").responses == ["out_of_scope"]
    assert say(engine, "blah", session="t").responses == ["fallback"]  # near a passage: not understood, asked again


def test_a_domains_own_no_match_levels_still_run(domain_from) -> None:
    """A phone line's way to a person is not cut off: its no-match levels run for unrelated input too."""
    with_levels = DOMAIN.replace("responses:\n", "ivr:\n  no_match: [say_again, [respond: transfer, handoff: true]]\n"
                                 "responses:\n  say_again: Sorry, say that again?\n  transfer: One moment.\n")
    engine = Engine(domain_from(with_levels), nlu=Scripted(READINGS))
    assert say(engine, "blah blah").responses == ["say_again"]
    result = say(engine, "blah blah")
    assert result.responses == ["transfer"] and result.handoff
