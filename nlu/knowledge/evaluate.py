"""How well the knowledge answers questions: a domain's held-out questions, or a labelled dataset made into an FAQ.

For each question: the search's ranking (recall@1, recall@5, MRR against the item that answers it) and what the
engine would answer it from: the FAQ entry the NLU's answer head is sure of (with the domain's trained model);
else the FAQ entry the search ranks first, above its threshold; else, with `nlg.knowledge`, the passage the LLM is
given first (whether the LLM's answer then passes the grounding check is not measured here); else nothing
(`no_answer`). Each question is taken as one (`ask`), whatever intent the NLU reads in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dialogue.domains.interpretation import Found
from dialogue.domains.schema import Domain
from dialogue.domains.schema.knowledge import FaqEntry
from dialogue.nlu.data import read_jointbert
from dialogue.nlu.knowledge.build import build_index
from dialogue.nlu.knowledge.index import KnowledgeIndex, index_folder, items_of, knowledge_hash

if TYPE_CHECKING:
    from dialogue.nlu.understander import Understander

RANKED = 5
THRESHOLDS = [round(t, 2) for t in np.arange(0.2, 0.8, 0.01)]
"""The thresholds tried on a dataset's dev split."""


def question_figures(index: KnowledgeIndex, domain: Domain, nlu: Understander | None = None,
                     tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """Ranking and answer figures of the domain's held-out questions, with each question's outcome; with `nlu`,
    FAQ entries its answer head is sure of answer first."""
    outcomes = []
    for question in domain.questions:
        found = index.search(question.ask, RANKED)
        passages = domain.knowledge.grounding(found) if domain.nlg.knowledge else []
        known = nlu.faq_answer(question.ask) if nlu is not None else None
        known = None if known is not None and index.points_elsewhere(known, question.ask) else known  # as a turn
        answer = known or domain.knowledge.answering(found) or (passages[0] if passages else None)
        outcomes.append({"ask": question.ask, "expect": question.expect, "answer": answer.id if answer else None,
                         "by": answer.by if answer else None, "found": [hit.model_dump() for hit in found]})
        tick()
    answerable = [o for o in outcomes if o["expect"] is not None]
    ranks = [_rank(o["expect"], o["found"]) for o in answerable]
    share = _share(len(outcomes))
    return {
        "questions": len(outcomes), "answerable": len(answerable),
        "recall_at_1": _share(len(ranks))(sum(rank == 1 for rank in ranks)),
        "recall_at_5": _share(len(ranks))(sum(rank is not None and rank <= RANKED for rank in ranks)),
        "mrr": round(sum(1 / rank for rank in ranks if rank) / len(ranks), 4) if ranks else None,
        "answer_accuracy": share(sum(o["answer"] == o["expect"] for o in outcomes)),
        "no_answer_rate": share(sum(o["answer"] is None for o in outcomes)),
        "wrong_answer_rate": share(sum(o["answer"] not in (None, o["expect"]) for o in outcomes)),
        "answered_by_nlu": share(sum(o["by"] == "nlu" for o in outcomes)),
        "outcomes": outcomes,
    }


def dataset_faq(dataset: Path, per_intent: int, seed: int, out_of_scope: str) -> list[FaqEntry]:
    """An FAQ entry per intent of the dataset's train split: `per_intent` of its utterances (drawn with the seed),
    the first as the question, the rest as paraphrases."""
    by_intent: dict[str, list[str]] = {}
    for utterance in read_jointbert(dataset, "train"):
        if utterance.intent != out_of_scope:
            by_intent.setdefault(utterance.intent, []).append(" ".join(utterance.words))
    rng = random.Random(seed)
    entries = []
    for intent, texts in sorted(by_intent.items()):
        drawn = rng.sample(texts, min(per_intent, len(texts)))
        entries.append(FaqEntry(id=intent, question=drawn[0], paraphrases=drawn[1:], answer=[intent]))
    return entries


def dataset_figures(dataset: Path, root: Path, *, per_intent: int, seed: int, out_of_scope: str,
                    tick: Callable[[], None] = lambda: None) -> dict[str, Any]:
    """The dataset's intents as an FAQ (`dataset_faq`), indexed under `root` (built there once); its dev questions
    choose the threshold (most in-scope questions answered right plus out-of-scope ones turned away), its test
    questions are measured at it."""
    faq = dataset_faq(dataset, per_intent, seed, out_of_scope)
    items, texts = items_of(faq, [])
    digest = knowledge_hash(items, texts)
    folder = build_index(index_folder(root, f"dataset-{dataset.name}-{per_intent}", digest), items, texts, root)
    index = KnowledgeIndex(folder)
    searched: dict[str, list[tuple[Found, str]]] = {"dev": [], "test": []}
    for split, found in searched.items():
        for utterance in read_jointbert(dataset, split):
            found.append((index.search(" ".join(utterance.words), 1)[0], utterance.intent))
            tick()
    chosen = max(THRESHOLDS, key=lambda t: _at(searched["dev"], t, out_of_scope)["balanced"])
    return {"dataset": dataset.name, "faq_entries": len(faq), "texts_per_entry": per_intent, "seed": seed,
            "threshold_from_dev": chosen, "index": str(folder),
            "dev": _at(searched["dev"], chosen, out_of_scope), "test": _at(searched["test"], chosen, out_of_scope)}


def _at(searched: list[tuple[Found, str]], threshold: float, out_of_scope: str) -> dict[str, Any]:
    """Figures of searched questions at a threshold: ranking (top-1, no threshold) and answers."""
    inside = [(found, intent) for found, intent in searched if intent != out_of_scope]
    outside = [found for found, intent in searched if intent == out_of_scope]
    top1 = sum(found.id == intent for found, intent in inside)
    right = sum(found.id == intent and found.score >= threshold for found, intent in inside)
    refused = sum(found.score < threshold for found in outside)
    figures = {"in_scope": len(inside), "out_of_scope": len(outside),
               "top1_accuracy": _share(len(inside))(top1), "answered_right": _share(len(inside))(right),
               "in_scope_no_answer": _share(len(inside))(sum(found.score < threshold for found, _ in inside)),
               "out_of_scope_no_answer": _share(len(outside))(refused)}
    figures["balanced"] = round((figures["answered_right"] or 0) + (figures["out_of_scope_no_answer"] or 0), 4)
    return figures


def _rank(expected: str, found: list[dict[str, Any]]) -> int | None:
    return next((place for place, hit in enumerate(found, start=1) if hit["id"] == expected), None)


def _share(total: int) -> Callable[[int], float | None]:
    return lambda count: round(count / total * 100, 2) if total else None
