"""Knowledge: questions the assistant answers from the domain's FAQ and documents (docs/knowledge.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from dialogue.domains.interpretation import Found
from dialogue.domains.schema.base import Condition, Model, Name
from dialogue.domains.schema.responses import Response

FAQ_RESPONSE = "faq.{}"
"""The name of an FAQ entry's answer among the responses (a dot keeps it apart from the domain's own names)."""
PASSAGES_ANSWER = "knowledge_answer"
"""The response of an LLM's answer from passages (`nlg.knowledge`); `no_answer` is said when there is none."""
PASSAGES_GIVEN = 3
"""Passages an LLM answer may be written from, at most: the most similar ones above `passage_threshold`."""
ResponseName = Annotated[
    str,
    StringConstraints(pattern=r"^(faq\.)?[a-z][a-z0-9_]*$", max_length=68),
    Field(description="A response's name, or `faq.<id>` for an FAQ entry's answer."),
]


class FaqEntry(Model):
    """A question the assistant answers as written, whichever of its phrasings the user chose."""

    id: Name
    question: str = Field(min_length=1, max_length=1000)
    paraphrases: list[str] = Field([], description="Other ways users ask it; they also teach the NLU the `ask` "
                                                   "intent.")
    answer: Response = Field(description="What the assistant says: a template, or variations (a `voice` variant "
                                         "for the phone).")
    when: Condition | None = Field(None, description="Answer with this entry only when the condition holds.")

    @property
    def phrasings(self) -> list[str]:
        return [self.question, *self.paraphrases]


class KnowledgeQuestion(Model):
    """A held-out question for `dialogue knowledge-eval`: what a user asks, and what should answer it."""

    ask: str = Field(min_length=1, max_length=1000)
    expect: str | None = Field(description="The id of the FAQ entry or passage that answers it; null when nothing "
                                           "in the knowledge does (the answer should be `no_answer`).")


class Knowledge(Model):
    """The FAQ and the documents a question is searched in, and how sure a search must be."""

    faq: list[FaqEntry] = []
    documents: list[str] = Field([], description="Markdown (.md) or text files, or glob patterns, relative to the "
                                                 "domain's file; split into passages by heading and paragraph.")
    faq_threshold: float = Field(0.46, ge=0, le=1, description=(
        "An FAQ entry this similar to the question (cosine of sentence embeddings) is its answer, said as written. "
        "0.46 was chosen on CLINC150's dev split (BENCHMARKS.md)."))
    model_threshold: float = Field(0.8, ge=0, le=1, description=(
        "A question read as `ask` whose FAQ entry the NLU's answer head gives this probability is answered with it, "
        "without a search (an entry with a `when` is always searched; 1 searches every question)."))
    passage_threshold: float = Field(0.25, ge=0, le=1, description=(
        "Passages this similar to the question may ground an LLM answer (`nlg.knowledge`); below, and below the "
        "FAQ threshold, the answer is the `no_answer` response. Lower than the FAQ's: a passage is longer than a "
        "question, so it scores lower, and the grounding check still stands between it and the user."))

    @model_validator(mode="after")
    def _ids_unique(self) -> Knowledge:
        ids = [entry.id for entry in self.faq]
        twice = sorted({name for name in ids if ids.count(name) > 1})
        if twice:
            raise ValueError(f"FAQ id '{twice[0]}' is used more than once; each entry needs its own id")
        return self

    @property
    def present(self) -> bool:
        return bool(self.faq or self.documents)

    def answering(self, found: list[Found], holds: Callable[[str | None], bool] = lambda _: True) -> Found | None:
        """The FAQ entry that answers a question whose search found `found` (best first): the best-ranked entry whose
        condition `holds`, if it is as similar as `faq_threshold` or the NLU found it (sure of it by `model_threshold`);
        None otherwise (a lower-ranked entry is never the answer, even when more similar: the ranking weighs the words
        too)."""
        entries = {entry.id: entry for entry in self.faq}
        for hit in found:
            entry = entries.get(hit.id) if hit.kind == "faq" else None
            if entry is not None and holds(entry.when):
                return hit if hit.by == "nlu" or hit.score >= self.faq_threshold else None
        return None

    def grounding(self, found: list[Found]) -> list[Found]:
        """The passages an LLM answer may be written from, best first."""
        return [hit for hit in found if hit.kind == "passage" and hit.score >= self.passage_threshold][:PASSAGES_GIVEN]

    def responses(self) -> dict[str, Response]:
        """The FAQ answers, by response name."""
        return {FAQ_RESPONSE.format(entry.id): entry.answer for entry in self.faq}
