"""Questions answered from the domain's knowledge (docs/knowledge.md): the FAQ entry the search found, said as
written, when it is similar enough to the question and its condition holds; else, with `nlg.knowledge`, an LLM
answer from the most similar passages (written and checked by the NLG, which says `no_answer` if it fails)."""

from __future__ import annotations

from dialogue.dm.events import KnowledgeAnswered
from dialogue.dm.tracker import Tracker
from dialogue.domains.schema import Domain
from dialogue.domains.schema.knowledge import FAQ_RESPONSE, PASSAGES_ANSWER
from dialogue.policies.steps import Say, Step


class KnowledgeAnswers:
    def __init__(self, domain: Domain):
        self.knowledge = domain.knowledge
        self.from_passages = domain.nlg.knowledge

    def answer(self, tracker: Tracker) -> list[Step] | None:
        """The steps that answer the turn's question, or None when its search found nothing to say."""
        understood = tracker.turn.interpretation
        found = understood.knowledge if understood is not None else []
        entry = self.knowledge.answering(found, tracker.holds)
        if entry is not None:
            return [Say(FAQ_RESPONSE.format(entry.id)), KnowledgeAnswered(sources=[entry])]
        passages = self.knowledge.grounding(found) if self.from_passages else []
        if passages and understood is not None and understood.text:
            return [Say(PASSAGES_ANSWER, {"question": understood.text,
                                          "passages": [passage.model_dump() for passage in passages]})]
        return None

    def unrelated(self, tracker: Tracker) -> bool:
        """Whether the turn's text was searched and is like nothing in the knowledge (not even a passage worth
        giving an LLM): input that matches no intent and no passage is out of scope, not misunderstood."""
        understood = tracker.turn.interpretation
        found = understood.knowledge if understood is not None else []
        return bool(found) and found[0].score < self.knowledge.passage_threshold
