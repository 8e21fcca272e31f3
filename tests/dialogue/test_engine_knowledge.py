"""Knowledge answers end to end on the real index (all-MiniLM-L6-v2 in ONNX): the FAQ said as written without
the LLM, an LLM answer from the passages only when it passes the grounding check, `no_answer` otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogue.dm.events import KnowledgeAnswered
from dialogue.domains import load_domain
from dialogue.domains.interpretation import Expectation, Found, Interpretation
from dialogue.engine import Engine
from dialogue.nlu.knowledge.build import build_domain_index
from dialogue.nlu.knowledge.index import domain_index
from tests.nlg.scripted import ScriptedBackend

DOMAIN = """\
version: 1
name: telco
slots:
  plan: {type: category, values: [basic, plus]}
intents:
  upgrade: [upgrade my plan]
tasks:
  upgrade:
    policy: frame
    triggers: [upgrade]
    slots: [{slot: plan}]
    on_complete: [respond: upgraded]
knowledge:
  faq:
    - id: opening
      question: when are your shops open
      paraphrases: [what are the shop opening hours]
      answer: Our shops open from 9 to 6, Monday to Saturday.
  documents: [guide.md]
nlg:
  knowledge: true
  llm: {timeout_ms: 500}
responses:
  ask_plan: Basic or plus?
  upgraded: Done.
"""
GUIDE = """\
# Lights

A red light on the Zyxel box means there is no signal on the line. Restart the box and wait two minutes.

# Billing

Bills are sent on the 3rd of each month. A late payment costs 5 pounds.
"""


class Asks:
    """Every text is a question (`ask`), but "upgrade": the index is what is real here."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        intent = "upgrade" if text == "upgrade" else "ask"
        return Interpretation(intent=intent, confidence=0.9, text=text, source="nlu")


@pytest.fixture(scope="module")
def domain(tmp_path_factory):
    folder = tmp_path_factory.mktemp("telco")
    (folder / "guide.md").write_text(GUIDE, encoding="utf-8")
    (folder / "telco.yaml").write_text(DOMAIN, encoding="utf-8")
    return load_domain(folder / "telco.yaml")


@pytest.fixture(scope="module")
def index(domain, bundled_models, tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    (root / "sentence-encoder").symlink_to(bundled_models / "sentence-encoder")
    build_domain_index(domain, root)
    return domain_index(domain, root)


def engine_with(domain, index, reply) -> tuple[Engine, ScriptedBackend]:
    backend = ScriptedBackend(reply)
    return Engine(domain, nlu=Asks(), knowledge=index, llm=backend), backend


def test_an_faq_answer_is_said_as_written_and_the_llm_is_not_asked(domain, index) -> None:
    engine, backend = engine_with(domain, index, "unused")
    result = engine.handle("s", "what time do your shops open")
    assert result.responses == ["faq.opening"] and result.messages[0].source == "template"
    assert [s.id for s in result.sources] == ["opening"]
    assert backend.requests == []


def test_an_llm_answer_from_the_passages_goes_out_when_grounded(domain, index) -> None:
    engine, backend = engine_with(domain, index, "A red light means there is no signal on the line [1].")
    result = engine.handle("s", "what does a red light on my router mean", channel="voice")
    assert result.responses == ["knowledge_answer"]
    assert result.text == "A red light means there is no signal on the line."
    assert result.messages[0].source == "llm"
    assert result.messages[0].ssml == "<speak>A red light means there is no signal on the line.</speak>"
    assert [(s.kind, s.id, s.source) for s in result.sources] == [("passage", "guide.md#lights-1", "guide.md:3")]
    prompt = backend.requests[0].messages
    assert "[1] Lights: A red light on the Zyxel box" in prompt[0]["content"]
    assert prompt[-1]["content"] == "what does a red light on my router mean"
    logged = [e for e in engine.store.events[("telco", "s")] if isinstance(e, KnowledgeAnswered)]
    assert [s.id for e in logged for s in e.sources] == ["guide.md#lights-1"]


@pytest.mark.parametrize(("reply", "note"), [
    ("A late payment costs 7 pounds [1].", "'7' is not in the passages"),
    ("NO_ANSWER", "the LLM found no answer in the passages"),
    ("", "the answer is empty"),
])
def test_an_answer_that_fails_the_check_leaves_no_answer(domain, index, reply: str, note: str) -> None:
    engine, _ = engine_with(domain, index, reply)
    result = engine.handle("s", "how much is a late payment")
    assert result.responses == ["no_answer"] and result.sources == []
    assert note in (result.messages[0].note or "")


def test_a_slow_llm_leaves_no_answer_within_the_budget(domain, index) -> None:
    engine = Engine(domain, nlu=Asks(), knowledge=index, llm=ScriptedBackend("Bills are sent on the 3rd.", delay=2))
    result = engine.handle("s", "when are bills sent")
    assert result.responses == ["no_answer"]
    assert result.latency_ms["total"] < 1500


def test_without_an_llm_a_question_the_faq_does_not_answer_gets_no_answer(domain, index) -> None:
    engine = Engine(domain, nlu=Asks(), knowledge=index)
    assert engine.handle("s", "when are bills sent").responses == ["no_answer"]
    assert engine.handle("t", "when do the shops open").responses == ["faq.opening"]


def test_a_question_nothing_answers_is_not_sent_to_the_llm(domain, index) -> None:
    engine, backend = engine_with(domain, index, "unused")
    assert engine.handle("s", "who painted the mona lisa").responses == ["no_answer"]
    assert backend.requests == []


def test_a_question_mid_task_is_answered_from_a_passage_and_the_task_resumes(domain, index) -> None:
    engine, _ = engine_with(domain, index, "Bills are sent on the 3rd of each month [1].")
    assert engine.handle("s", "upgrade").responses == ["ask_plan"]
    result = engine.handle("s", "when do you send the bills")
    assert result.responses == ["knowledge_answer", "ask_plan"]
    assert result.state.active_task == "upgrade"


class Counted:
    """The real index, its searches counted."""

    def __init__(self, index):
        self.index, self.searched = index, []

    def search(self, text: str, k: int = 5):
        self.searched.append(text)
        return self.index.search(text, k)

    def __getattr__(self, name: str):
        return getattr(self.index, name)


@pytest.mark.parametrize(("model_threshold", "by", "searches"), [(0.8, "nlu", 0), (1.0, "search", 1)])
def test_an_faq_entry_the_nlu_is_sure_of_is_answered_without_a_search(bundled_models, model_threshold: float,
                                                                        by: str, searches: int) -> None:
    """The bundled restaurant, its real model and index: the answer head's entry is the answer and the question is
    not embedded again; with `knowledge.model_threshold` 1 the search answers it, as before the head."""
    from dialogue.nlu.understander import Understander

    bundled = load_domain("restaurant")
    domain = bundled.model_copy(update={"knowledge": bundled.knowledge.model_copy(
        update={"model_threshold": model_threshold})})
    index = Counted(domain_index(domain, bundled_models))
    engine = Engine(domain, nlu=Understander.for_domain(domain, bundled_models), knowledge=index)
    result = engine.handle("s", "is there parking")
    assert result.responses == ["faq.parking"]
    assert [(s.kind, s.id, s.by) for s in result.sources] == [("faq", "parking", by)]
    assert len(index.searched) == searches
    assert [event.sources[0].by for event in engine.store.events[("restaurant", "s")]
            if isinstance(event, KnowledgeAnswered)] == [by]


class SureOfOpening(Asks):
    """An answer head sure that every question asks the opening hours' entry."""

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        read = super().parse(text, now=now, expecting=expecting)
        return read.model_copy(update={"knowledge": [Found(kind="faq", id="opening", score=0.95, by="nlu")]})


def test_an_faq_entry_the_nlu_gave_is_searched_again_when_a_rare_word_points_elsewhere(domain, index) -> None:
    """"where do I find my PUK code", given the PAC code's entry by a retrained answer head: a word of the question
    that only another item holds (here "Zyxel", the guide's) sends the question to the search, which finds the
    passage; a question without such a word keeps the head's entry, unsearched."""
    counted = Counted(index)
    engine = Engine(domain, nlu=SureOfOpening(), knowledge=counted,
                    llm=ScriptedBackend("A red light means there is no signal on the line [1]."))
    kept = engine.handle("s", "when do the shops open")
    assert kept.responses == ["faq.opening"] and counted.searched == []
    question = "what does the red light on the Zyxel box mean"
    doubted = engine.handle("s", question)
    assert doubted.responses == ["knowledge_answer"] and counted.searched == [question]
    assert [(s.kind, s.id) for s in doubted.sources] == [("passage", "guide.md#lights-1")]
