"""One round of `dialogue nlu review`, simulated on real conversations (`eval-conversations --review-round N`).

The first half of the conversations is the deployment: replayed on the domain's model, its event logs give the
proposals (dialogue.nlu.review). An author who knows what each user meant (the dataset's labels) reviews the
first N: accepts a proposal that says it, fixes one that does not (the intent the dataset gives, each value the
user gave marked where the words hold it), rejects a turn the dataset gives no intent for. The accepted examples
go into a copy of the domain, which is trained as `dialogue train` trains; both models then replay the second
half, which neither saw.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dialogue.corpus.formats import RealConversation, UserTurn
from dialogue.corpus.replay import Replayer, replay_all, scores
from dialogue.domains import Domain, load_domain
from dialogue.domains.editing import add_examples
from dialogue.domains.references import example_problems
from dialogue.nlu.base import Parser
from dialogue.nlu.review import Proposal, annotate, find_words, proposals

Progress = Callable[[str, int, int], None]
"""(stage, done, total)."""


def review_round(domain: Domain, path: Path, conversations: list[RealConversation], nlu: Parser, reviewed: int,
                 train: Callable[[Domain], Parser], progress: Progress, *, below: float = 0.7) -> dict[str, Any]:
    """The figures of both models on the second half, and what the author decided. `path`: the domain's file (its
    folder is copied); `train`: the trained NLU of a domain; `below`: as `dialogue nlu review --below`."""
    half = len(conversations) // 2
    deployed, unseen = conversations[:half], conversations[half:]
    replayer = Replayer(domain, nlu)
    results = replay_all(replayer, deployed, lambda n: progress("deployment", n, len(deployed)))
    sessions = [{"session_id": result.id, "events": [event.model_dump(mode="json") for event in result.events]}
                for result in results]
    every = proposals(sessions, below=below)
    found = every[:reviewed]
    said = {conversation.id: conversation.turns for conversation in deployed}
    decisions: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for proposal in found:
        decision, intent, example = author(domain, proposal, said[proposal.session_id])
        decisions[decision] += 1
        if intent is not None and example is not None:
            examples.setdefault(intent, []).append(example)
    with tempfile.TemporaryDirectory(prefix="review-round-") as scratch:
        copy = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, copy)
        added = add_examples(copy / path.name, examples)
        learned = train(load_domain(copy / path.name))
    before = scores(replay_all(replayer, unseen, lambda n: progress("unseen, before", n, len(unseen))))
    after = scores(replay_all(Replayer(domain, learned), unseen,
                              lambda n: progress("unseen, after", n, len(unseen))))
    return {"below": below, "deployment_conversations": len(deployed), "unseen_conversations": len(unseen),
            "proposals_found": len(every), "reviewed": len(found),
            "reasons": dict(Counter(proposal.reason for proposal in found)), "decisions": dict(decisions),
            "examples_added": added,
            "before": before, "after": after,
            "intent_accuracy_gain": round(after["intent_accuracy"] - before["intent_accuracy"], 4),
            "slot_f1_gain": round(after["slot_f1"] - before["slot_f1"], 4)}


def author(domain: Domain, proposal: Proposal, turns: list[UserTurn]) -> tuple[str, str | None, str | None]:
    """What an author who knows the dataset's labels decides: ("accept" | "fix", intent, example) or
    ("reject", None, None)."""
    meant = next((turn for turn in turns if turn.text == proposal.text), None)
    if meant is None or meant.intent is None:
        return "reject", None, None
    example = annotate(proposal.text, _spans(domain, proposal, meant))
    same = meant.intent == proposal.intent and example == proposal.example
    return "accept" if same else "fix", meant.intent, example


def _spans(domain: Domain, proposal: Proposal, meant: UserTurn) -> list[tuple[int, int, str]]:
    """The proposal's spans, corrected: each value the user gave is marked where the words hold it (as said, or
    else as the dataset writes it), replacing what the model marked there or for that slot. A span of the model
    that no label contradicts is kept: the dataset does not label every value a turn names again."""
    spans = list(proposal.spans)
    for slot, value in meant.slots.items():
        if slot not in domain.slots:
            continue
        for words in (meant.said.get(slot), str(value)):
            at = find_words(proposal.text, words) if words else None
            if at and _readable(domain, slot, proposal.text[at[0]:at[1]]):
                spans = [span for span in spans if span[2] != slot and not (span[0] < at[1] and at[0] < span[1])]
                spans.append((*at, slot))
                break
    return sorted(span for span in spans if _readable(domain, span[2], proposal.text[span[0]:span[1]]))


def _readable(domain: Domain, slot: str, words: str) -> bool:
    """Whether the domain takes the words marked for the slot as they are (a category's must be one of its values
    or synonyms)."""
    return not example_problems(domain, f"[{words}]({slot})")
