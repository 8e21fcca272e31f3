"""The `knowledge:` section: FAQ entries become the `ask` intent's examples and responses; documents are checked."""

from __future__ import annotations

import pytest

from dialogue.domains import check_domain
from dialogue.domains.builtin import ASK_INTENT
from dialogue.domains.interpretation import Found
from dialogue.domains.schema.knowledge import FaqEntry, Knowledge

DOMAIN = """\
version: 1
name: cafe
intents:
  order: [a coffee please]
knowledge:
  faq:
    - id: wifi
      question: do you have wifi
      paraphrases: [is there internet, what is the wifi password]
      answer: "Yes: the network is Cafe and the password is on your receipt."
    - id: toilets
      question: where are the toilets
      answer:
        - text: Downstairs, on the left.
          voice: <speak>Downstairs, <break time="200ms"/> on the left.</speak>
      when: channel == 'voice' or true
  documents: [menu.md]
"""


def located_errors(found: list) -> list[str]:
    return [str(problem) for problem in found if problem.severity == "error"]


@pytest.fixture
def cafe(write_domain, tmp_path):
    (tmp_path / "menu.md").write_text("# Drinks\n\nFlat white, 3 pounds.\n", encoding="utf-8")
    return write_domain(DOMAIN)


def test_the_faq_teaches_the_ask_intent_and_its_answers_are_responses(cafe) -> None:
    from dialogue.domains import load_domain

    domain = load_domain(cafe)
    assert domain.intents[ASK_INTENT].examples == ["do you have wifi", "is there internet",
                                                   "what is the wifi password", "where are the toilets"]
    answers = domain.knowledge.responses()
    assert answers["faq.wifi"][0].text.startswith("Yes: the network")
    assert answers["faq.toilets"][0].voice.startswith("<speak>")
    assert "no_answer" in domain.responses


def test_a_loaded_domain_dumped_loads_again(cafe) -> None:
    from dialogue.domains import load_domain

    dumped = cafe.with_name("again.yaml")
    dumped.write_text(load_domain(cafe).model_dump_json(by_alias=True, exclude={"tests", "questions"}),
                      encoding="utf-8")
    assert load_domain(dumped).knowledge == load_domain(cafe).knowledge


def test_a_domain_without_an_faq_has_no_ask_intent(domain_from) -> None:
    domain = domain_from("version: 1\nname: plain\nintents: {order: [a coffee]}\n")
    assert ASK_INTENT not in domain.intents
    assert not domain.knowledge.present


def test_a_valid_knowledge_section_has_no_problems(cafe) -> None:
    assert located_errors(check_domain(cafe)) == []


def test_a_missing_document_is_an_error_at_its_line(write_domain) -> None:
    path = write_domain(DOMAIN.replace("documents: [menu.md]", "documents:\n    - menu.md\n    - faq/*.md"))
    errors = located_errors(check_domain(path))
    assert len(errors) == 2, errors
    assert ":18:" in errors[0] and "'menu.md' matches no file" in errors[0]
    assert ":19:" in errors[1] and "'faq/*.md' matches no file" in errors[1]


def test_a_document_that_is_not_text_is_an_error(cafe, tmp_path) -> None:
    (tmp_path / "menu.pdf").write_bytes(b"%PDF")
    path = cafe.with_name("pdf.yaml")
    path.write_text(DOMAIN.replace("menu.md", "menu.pdf"), encoding="utf-8")
    errors = located_errors(check_domain(path))
    assert len(errors) == 1 and "'menu.pdf' is not a Markdown or text file" in errors[0], errors


def test_faq_ids_must_be_unique(write_domain) -> None:
    errors = located_errors(check_domain(write_domain(DOMAIN.replace("id: toilets", "id: wifi"))))
    assert len(errors) == 1 and "FAQ id 'wifi' is used more than once" in errors[0], errors


def test_an_answer_template_is_checked_where_it_is(cafe) -> None:
    path = cafe.with_name("broken.yaml")
    path.write_text(DOMAIN.replace("password is on your receipt.", "password is {{ slots.wifi_code }}."),
                    encoding="utf-8")
    errors = located_errors(check_domain(path))
    assert len(errors) == 1 and ":10:" in errors[0] and "unknown slot 'wifi_code'" in errors[0], errors


def test_an_unknown_key_in_an_entry_names_the_keys_allowed_there(write_domain) -> None:
    errors = located_errors(check_domain(write_domain(DOMAIN.replace("paraphrases:", "paraphrase:"))))
    assert len(errors) == 1 and "unknown key 'paraphrase'" in errors[0] and "paraphrases" in errors[0], errors


def test_held_out_questions_come_from_the_tests_file(cafe) -> None:
    from dialogue.domains import load_domain

    cafe.with_name("domain.tests.yaml").write_text(
        "questions:\n  - {ask: can I get online here, expect: wifi}\n  - {ask: who won the match, expect: null}\n",
        encoding="utf-8")
    domain = load_domain(cafe)
    assert [(q.ask, q.expect) for q in domain.questions] == [("can I get online here", "wifi"),
                                                             ("who won the match", None)]


KNOWLEDGE = Knowledge(faq=[FaqEntry(id="wifi", question="wifi?", answer="yes"),
                           FaqEntry(id="late", question="open late?", answer="no", when="slots.night")],
                      faq_threshold=0.5)


def hit(id: str, score: float, kind: str = "faq") -> Found:
    return Found(kind=kind, id=id, score=score)


def test_the_answer_is_the_best_faq_entry_above_the_threshold() -> None:
    assert KNOWLEDGE.answering([hit("wifi", 0.7), hit("late", 0.6)]) == hit("wifi", 0.7)
    assert KNOWLEDGE.answering([hit("wifi", 0.49)]) is None
    assert KNOWLEDGE.answering([]) is None


def test_a_lower_ranked_entry_is_not_the_answer_when_the_best_is_below_the_threshold() -> None:
    assert KNOWLEDGE.answering([hit("wifi", 0.45), hit("late", 0.52)], holds=lambda _: True) is None


def test_a_passage_is_never_said_as_an_faq_answer() -> None:
    assert KNOWLEDGE.answering([hit("menu.md#drinks-1", 0.9, "passage"), hit("wifi", 0.6)]) == hit("wifi", 0.6)


def test_an_entry_whose_condition_fails_gives_way_to_the_next() -> None:
    found = [hit("late", 0.8), hit("wifi", 0.55)]
    assert KNOWLEDGE.answering(found, holds=lambda condition: condition is None) == hit("wifi", 0.55)
    assert KNOWLEDGE.answering(found, holds=lambda condition: True) == hit("late", 0.8)


def test_answers_from_documents_without_documents_are_a_warning(write_domain) -> None:
    found = check_domain(write_domain(DOMAIN.replace("  documents: [menu.md]\n", "") + "nlg: {knowledge: true}\n"))
    warnings = [str(problem) for problem in found if problem.severity == "warning"]
    assert len(warnings) == 1 and "nlg.knowledge is on, but the knowledge has no documents" in warnings[0], warnings
