"""The knowledge index with the real sentence encoder (all-MiniLM-L6-v2 in ONNX): built, loaded and searched."""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.domains.interpretation import Found
from dialogue.domains.schema.knowledge import FaqEntry
from dialogue.nlu.knowledge.build import build_domain_index, build_index
from dialogue.nlu.knowledge.index import (
    ENCODER,
    SEARCH_THREADS,
    KnowledgeIndex,
    domain_index,
    index_folder,
    items_of,
    knowledge_hash,
    shared_index,
)
from dialogue.nlu.knowledge.passages import split

FAQ = [
    FaqEntry(id="reset", question="how do I reset my router",
             paraphrases=["the internet box needs a restart", "restart the modem"], answer="Hold the button."),
    FaqEntry(id="bill", question="why is my bill so high", paraphrases=["I was charged too much"], answer="..."),
    FaqEntry(id="roaming", question="can I use my phone abroad", answer="..."),
]
GUIDE = """\
# Lights

A red light on the Zyxel box means there is no signal on the line.

# Speed

Speeds drop in the evening when many neighbours are online.
"""


@pytest.fixture(scope="module")
def index(bundled_models, tmp_path_factory) -> KnowledgeIndex:
    items, texts = items_of(FAQ, split(GUIDE, "guide.md"))
    folder = tmp_path_factory.mktemp("index") / "knowledge"
    return KnowledgeIndex(build_index(folder, items, texts, bundled_models))


def test_the_encoder_gives_unit_vectors_that_put_paraphrases_close(index: KnowledgeIndex) -> None:
    vectors = index.encoder.embed(["reset the router", "restart my modem", "what is the weather in Paris"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_text_embeds_alike_alone_and_beside_others(index: KnowledgeIndex) -> None:
    """The int8 encoder embeds each text in a call of its own: a question that repeats an FAQ phrasing, indexed
    with many others, meets it at 1."""
    texts = ["how do I reset my router", "hi", "what are your opening hours on public holidays and at christmas"]
    alone = index.encoder.embed(texts[:1])[0]
    assert index.encoder.quantized
    assert np.array_equal(index.encoder.embed(texts)[0], alone)
    assert np.array_equal(index.encoder.embed(texts[::-1])[2], alone)


def test_a_paraphrase_finds_its_faq_entry_first(index: KnowledgeIndex) -> None:
    found = index.search("my router needs resetting, how?")
    assert found[0].kind == "faq" and found[0].id == "reset"
    assert found[0].score > 0.6
    assert index.search("they charged me way too much this month")[0].id == "bill"


def test_a_question_a_passage_answers_finds_it_with_its_place(index: KnowledgeIndex) -> None:
    found = index.search("what does the red light mean")
    assert (found[0].kind, found[0].id, found[0].source) == ("passage", "guide.md#lights-1", "guide.md:3")
    assert index.item(found[0]).text.startswith("A red light on the Zyxel box")


def test_a_rare_word_only_bm25_knows_still_finds_its_passage(index: KnowledgeIndex) -> None:
    assert index.search("zyxel")[0].id == "guide.md#lights-1"


def test_a_rare_word_another_item_holds_doubts_an_answer(index: KnowledgeIndex) -> None:
    """An FAQ entry given for a question (by the NLU's answer head) is doubted when the question says a word of the
    knowledge that only other items hold: "zyxel" is the passage's; words the entry holds, common words and words
    the knowledge does not have doubt nothing."""
    reset = Found(kind="faq", id="reset", score=0.9, by="nlu")
    assert index.points_elsewhere(reset, "my zyxel router needs a restart")
    assert not index.points_elsewhere(reset, "my router needs a restart please")
    assert not index.points_elsewhere(reset, "how do I reset my fritzbox")


def test_an_unrelated_question_scores_low(index: KnowledgeIndex) -> None:
    assert index.search("who painted the mona lisa")[0].score < 0.3


@pytest.mark.parametrize("text", ["the", "?!", "a " * 2000])
def test_any_text_gets_a_ranking(index: KnowledgeIndex, text: str) -> None:
    found = index.search(text, k=2)
    assert len(found) == 2 and all(-1 <= hit.score <= 1 for hit in found)


def test_the_hash_follows_what_is_searched_not_the_answers() -> None:
    items, texts = items_of(FAQ, [])
    same = items_of([FAQ[0].model_copy(update={"answer": FAQ[1].answer}), *FAQ[1:]], [])
    other = items_of([FAQ[0].model_copy(update={"paraphrases": ["reboot"]}), *FAQ[1:]], [])
    assert knowledge_hash(items, texts) == knowledge_hash(*same)
    assert knowledge_hash(items, texts) != knowledge_hash(*other)


def test_a_domain_index_is_built_once_and_found_again(bundled_models, tmp_path, write_domain) -> None:
    from dialogue.domains import load_domain

    domain = load_domain(write_domain("""\
        version: 1
        name: telco
        knowledge:
          faq:
            - {id: reset, question: how do I reset my router, answer: Hold the button for ten seconds.}
        """))
    root = tmp_path / "models"
    root.mkdir()
    (root / "sentence-encoder").symlink_to(bundled_models / "sentence-encoder")  # not exported again here
    assert domain_index(domain, root) is None
    folder = build_domain_index(domain, root)
    assert folder == index_folder(root, "telco", knowledge_hash(*items_of(domain.knowledge.faq, [])))
    assert (folder / ENCODER / "model.int8.onnx").exists()
    built = (folder / "manifest.json").stat().st_mtime_ns
    assert build_domain_index(domain, root) == folder and (folder / "manifest.json").stat().st_mtime_ns == built
    loaded = domain_index(domain, root)
    assert loaded is domain_index(domain, root) is shared_index(folder, SEARCH_THREADS)  # loaded once
    assert loaded.search("reset router")[0].id == "reset"


def test_a_domain_without_knowledge_has_no_index(bundled_models, write_domain) -> None:
    from dialogue.domains import load_domain
    from tests.dialogue.test_cli_knowledge import PLAIN

    plain = load_domain(write_domain(PLAIN))
    assert build_domain_index(plain, bundled_models) is None
    assert domain_index(plain, bundled_models) is None
