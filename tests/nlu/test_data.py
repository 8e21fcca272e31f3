from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dialogue.domains import load_domain
from dialogue.domains.annotations import parse_example
from dialogue.nlu.data import (
    NO_ENTRY,
    Labels,
    _recombined,
    augment,
    document_sentences,
    domain_examples,
    faq_answers,
    nlu_data_hash,
    read_jointbert,
    split_holdout,
    substitute,
    tag_example,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_tag_example_bio() -> None:
    tagged = tag_example("book", parse_example("table for [4](n) at [dim sum](c:cantonese)'s place"))
    assert tagged.words == ("table", "for", "4", "at", "dim", "sum", "'", "s", "place")
    assert tagged.tags == ("O", "O", "B-n", "O", "B-c", "I-c", "O", "O", "O")


def test_adjacent_spans_of_one_slot_stay_apart() -> None:
    tagged = tag_example("x", parse_example("[red](c) [blue](c)"))
    assert tagged.tags == ("B-c", "B-c")


def test_substitute_moves_the_spans() -> None:
    example = parse_example("for [4](n) at [noon](t) ok")
    changed = substitute(example, {0: "twenty two"})
    assert changed.text == "for twenty two at noon ok"
    assert [changed.text[s.start:s.end] for s in changed.spans] == ["twenty two", "noon"]


def test_augmentation_covers_every_category_form(restaurant) -> None:
    items = domain_examples(restaurant)
    augmented = augment(items, restaurant, seed=1)
    annotated = sum(1 for _, example in items if example.spans)
    assert len(augmented) >= len(items) + 3 * annotated
    seen = Counter(span.text for _, example in augmented for span in example.spans if span.slot == "cuisine")
    forms = [f for canonical, synonyms in restaurant.slots["cuisine"].values.items() for f in (canonical, *synonyms)]
    assert all(seen[form] >= 2 for form in forms), [f for f in forms if seen[f] < 2]
    assert augment(items, restaurant, seed=1) == augmented


def test_text_slots_swap_among_their_annotated_values_and_their_words_recombined(restaurant) -> None:
    items = domain_examples(restaurant)
    annotated = {span.text for _, example in items for span in example.spans if span.slot == "name"}
    augmented = augment(items, restaurant, seed=1)
    names = Counter(span.text for _, example in augmented for span in example.spans if span.slot == "name")
    assert len(annotated) >= 2
    assert annotated <= set(names)
    words = {word for name in annotated for word in name.split()}
    assert all(set(name.split()) <= words for name in names)  # recombined from the annotated words only
    assert "Ana Park" in _recombined(["Ana Lopez", "Jo Park", "Sam"]) and "Sam" in _recombined(["Sam"])
    assert sum(names.values()) >= 4 * len(annotated), "each example with a name is copied with other names"


def test_holdout_is_stratified_and_repeatable(restaurant) -> None:
    items = domain_examples(restaurant)
    train, held = split_holdout(items, 0.2, seed=3)
    assert len(train) + len(held) == len(items)
    assert {intent for intent, _ in held} == {intent for intent, _ in items}
    assert split_holdout(items, 0.2, seed=3) == (train, held)


def test_data_hash_follows_the_examples(restaurant) -> None:
    changed = restaurant.model_copy(deep=True)
    changed.intents["book_table"].examples.append("one more way to book")
    assert nlu_data_hash(restaurant) == nlu_data_hash(restaurant.model_copy(deep=True))
    assert nlu_data_hash(changed) != nlu_data_hash(restaurant)


def test_labels(restaurant, tmp_path) -> None:
    labels = Labels.for_domain(restaurant)
    assert labels.tags[0] == "O" and "B-cuisine" in labels.tags and "I-cuisine" in labels.tags
    assert labels.answers == (*[entry.id for entry in restaurant.knowledge.faq], NO_ENTRY)
    labels.save(tmp_path / "l.json")
    assert Labels.load(tmp_path / "l.json") == labels
    (tmp_path / "old.json").write_text('{"intents": ["a"], "tags": ["O"]}')  # a model trained before answer heads
    assert Labels.load(tmp_path / "old.json").answers == ()


def test_each_faq_phrasing_names_its_entry(restaurant) -> None:
    answers = faq_answers(restaurant)
    asked = [(intent, example.text) for intent, example in domain_examples(restaurant) if intent == "ask"]
    assert asked and all(text in answers for _, text in asked)
    assert answers["where can I park"] == "parking" and answers["are dogs allowed"] == "dogs"
    assert tag_example("ask", parse_example("where can I park"), "parking").answer == "parking"
    moved = restaurant.model_copy(deep=True)  # the same phrasings, another entry's: the model must learn again
    moved.knowledge.faq[0].paraphrases, moved.knowledge.faq[1].paraphrases = (moved.knowledge.faq[1].paraphrases,
                                                                              moved.knowledge.faq[0].paraphrases)
    assert nlu_data_hash(moved) != nlu_data_hash(restaurant)


def test_the_documents_sentences_teach_the_answer_head_that_they_ask_no_entry(tmp_path) -> None:
    domain = tmp_path / "shop.yaml"
    domain.write_text("version: 1\nname: shop\nknowledge:\n  documents: [guide.md]\n  faq:\n    - id: hours\n"
                      "      question: when are you open\n      answer: From 9.\n")
    (tmp_path / "guide.md").write_text("# SIM\n\nYour PUK code is in the app. It unlocks the SIM!\n\nAsk us why.\n")
    loaded = load_domain(domain)
    drawn = document_sentences(loaded, seed=0)
    assert sorted(" ".join(u.words) for u in drawn) == ["Ask us why .", "It unlocks the SIM !",
                                                        "Your PUK code is in the app ."]
    assert all(u.intent == "" and u.answer == NO_ENTRY and set(u.tags) == {"O"} for u in drawn)
    before = nlu_data_hash(loaded)
    (tmp_path / "guide.md").write_text("# SIM\n\nYour PUK code is on the card.\n")
    assert nlu_data_hash(load_domain(domain)) != before  # the head learns from them: a change trains again
    without_faq = loaded.model_copy(update={"knowledge": loaded.knowledge.model_copy(update={"faq": []})})
    assert document_sentences(without_faq, seed=0) == []  # no FAQ, no answer head


@pytest.mark.skipif(not DATA.exists(), reason="the shared SNIPS/ATIS data is not next to the project")
def test_read_jointbert() -> None:
    utterances = read_jointbert(DATA / "snips", "test")
    assert len(utterances) == 700
    assert all(len(u.words) == len(u.tags) for u in utterances)


def test_read_jointbert_reports_misaligned_lines(tmp_path) -> None:
    split = tmp_path / "train"
    split.mkdir()
    (split / "seq.in").write_text("a b\nc\n")
    (split / "seq.out").write_text("O O\nO O\n")
    (split / "label").write_text("x\ny\n")
    with pytest.raises(ValueError, match="line 2 has 1 words but 2 tags"):
        read_jointbert(tmp_path, "train")


def test_swap_values_keeps_tags_aligned() -> None:
    from dialogue.nlu.data import TaggedUtterance, swap_values

    data = [TaggedUtterance(("play", "the", "beatles", "now"), ("O", "B-artist", "I-artist", "O"), "Play"),
            TaggedUtterance(("play", "adele"), ("O", "B-artist"), "Play"),
            TaggedUtterance(("hello",), ("O",), "Greet")]
    swapped = swap_values(data, seed=0, copies=3)
    assert swapped[:3] == data and len(swapped) == 3 + 2 * 3
    for utterance in swapped[3:]:
        assert len(utterance.words) == len(utterance.tags) and utterance.intent == "Play"
        assert utterance.tags[0] == "O" and utterance.tags[1] == "B-artist"
        artist = utterance.words[1:1 + sum(t.endswith("artist") for t in utterance.tags)]
        assert artist in (("the", "beatles"), ("adele",))
