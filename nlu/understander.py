"""Free text to an Interpretation: clean, split, run the ONNX model, decode spans, normalise values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dialogue.domains.builtin import ASK_INTENT, ENTITY_ONLY_INTENT, NLU_FALLBACK
from dialogue.domains.interpretation import EntitySpan, Expectation, Found, IntentScore, Interpretation
from dialogue.domains.references import offers_lead_to
from dialogue.domains.schema import Domain
from dialogue.nlu import roles
from dialogue.nlu.artifacts import latest_model
from dialogue.nlu.clauses import clauses, hedged
from dialogue.nlu.counts import counted
from dialogue.nlu.data import OUTSIDE, nlu_data_hash
from dialogue.nlu.entities import EntityNormaliser
from dialogue.nlu.questions import asked_about, asks
from dialogue.nlu.runtime import OnnxJointModel, Outputs, Prediction
from dialogue.nlu.text import Word, clean, split_words

RANKED = 5
NO_REQUEST_OF_THEIR_OWN = frozenset({NLU_FALLBACK, ENTITY_ONLY_INTENT, "greet"})
"""Clauses that ask for nothing of their own: they join the request beside them ("Hi. I'd like a table")."""


class Understander:
    """The NLU of one domain. Loaded once per process and shared by all its sessions."""

    def __init__(self, domain: Domain, model: OnnxJointModel):
        self.domain = domain
        self.model = model
        self.entities = EntityNormaliser(domain)
        self.threshold = domain.settings.nlu.threshold
        self.margin = domain.settings.nlu.ambiguity_margin
        self.novelty = domain.settings.nlu.novelty
        self.searches_for = _searches_for(domain)
        self.faq = {entry.id: entry for entry in domain.knowledge.faq}
        self.entities.warm_up()
        self.model.predict([["hello"]])  # the first real parse then costs what every other one does

    @classmethod
    def for_domain(cls, domain: Domain, root: Path, *, threads: int | None = None) -> Understander | None:
        """The understander of the newest model trained on the domain's current data, if any.

        `threads`: the model's threads for one utterance (default: up to 4, as many as there are cores).
        """
        folder = latest_model(root, domain.name, nlu_data_hash(domain))
        return None if folder is None else cls(domain, shared_model(folder, threads))

    def parse(self, text: str, *, now: dt.datetime, expecting: Expectation | None = None) -> Interpretation:
        return self.parse_batch([text], now=now, expecting=[expecting])[0]

    def parse_batch(self, texts: list[str], *, now: dt.datetime,
                    expecting: list[Expectation | None] | None = None) -> list[Interpretation]:
        """Several utterances in one model call (the simulator and evaluation use this), each read with what the
        assistant asked before it (`expecting`; default: nothing in particular)."""
        job = self.job(texts, now=now, expecting=expecting)
        job.infer()
        return job.finish()

    def job(self, texts: list[str], *, now: dt.datetime, warnings: list[list[str]] | None = None,
            expecting: list[Expectation | None] | None = None) -> ParseJob:
        """`parse_batch` in steps (see ParseJob); `warnings` are added to each text's interpretation."""
        return ParseJob(self, texts, now, warnings or [[] for _ in texts], expecting or [None for _ in texts])

    def _nothing(self, text: str) -> Interpretation:
        return Interpretation(intent=NLU_FALLBACK, confidence=0.0, text=text, source="nlu",
                              warnings=["the text holds no words to understand"])

    def _interpret(self, text: str, words: list[Word], prediction: Prediction, now: dt.datetime,
                   clause: bool = False) -> Interpretation:
        """The model's reading of a text; of a whole message (not a `clause` of one), a reading unsure between a
        search and what it is for asks for the latter (`_goal_of_search`)."""
        warnings = []
        if prediction.cut_words:
            warnings.append(f"only the first {len(words) - prediction.cut_words} words were understood "
                            f"(the model reads {self.model.max_tokens} word pieces at most)")
        intents = self.model.labels.intents
        order = prediction.intent_scores.argsort()[::-1]
        ranking = [IntentScore(name=intents[i], confidence=round(float(prediction.intent_scores[i]), 4))
                   for i in order[:RANKED]]
        best = ranking[0]
        if any(self.domain.yes_or_no(score.name) for score in ranking[:2]) and asks(text, self.entities.language):
            best, ranking = self._no_yes_or_no(ranking)
            warnings.append("a question is no yes or no: read as the other intents")
        ambiguous = len(ranking) > 1 and best.confidence - ranking[1].confidence < self.margin
        intent = best.name if best.confidence >= self.threshold else NLU_FALLBACK
        confidence, goal = best.confidence, None if clause else self._goal_of_search(ranking)
        if goal is not None and (ambiguous or intent == NLU_FALLBACK):  # sure of the two together
            intent, ambiguous, confidence = goal, False, round(best.confidence + ranking[1].confidence, 4)
        if prediction.rarity is not None and prediction.rarity < self.novelty:
            intent = NLU_FALLBACK
            warnings.append(f"unlike every intent's examples: fewer than {self.novelty:.0%} of the held-out "
                            f"examples were as far from them ({prediction.rarity:.1%})")
        spans = self.entities.apart(self.entities.joined(counted(_spans(words, prediction.tags, self.domain), words,
                                                                 self.domain, now), text, now), text, now)
        found = self.entities.merge(roles.spread(spans, text, self.domain), text, words, now)
        for asked in [f for f in found if self.entities.types[f.slot].name == "boolean"
                      and asked_about(text, f.start, f.end, self.entities.language)]:
            found.remove(asked)
            warnings.append(f"'{text[asked.start:asked.end]}' is asked about, not given: {asked.slot} stays as it was")
        return Interpretation(
            intent=intent, confidence=confidence, ranking=ranking, ambiguous=ambiguous and intent != NLU_FALLBACK,
            entities={f.slot: f.value for f in found}, text=text, source="nlu", warnings=warnings,
            knowledge=self._answer(prediction) if intent == ASK_INTENT else [],
            spans=[EntitySpan(slot=f.slot, text=text[f.start:f.end], value=f.value, start=f.start, end=f.end,
                              normalised=f.normalised, source=f.source) for f in found])

    def faq_answer(self, question: str) -> Found | None:
        """The FAQ entry the model's answer head is sure a question asks, whatever intent the model reads in it."""
        words = [word.text for word in split_words(clean(question))]
        found = self._answer(self.model.predict([words or ["."]])[0])
        return found[0] if found else None

    def _answer(self, prediction: Prediction) -> list[Found]:
        """The FAQ entry a question asks, when the model's answer head is sure of it (`knowledge.model_threshold`)
        and it has no condition (those are left to the search, which ranks the next entry when one fails)."""
        if prediction.answer_scores is None:
            return []
        best = int(prediction.answer_scores.argmax())
        probability = float(prediction.answer_scores[best])
        entry = self.faq.get(self.model.labels.answers[best])
        if entry is None or entry.when is not None or probability < self.domain.knowledge.model_threshold:
            return []
        return [Found(kind="faq", id=entry.id, score=round(probability, 4), by="nlu")]

    def _no_yes_or_no(self, ranking: list[IntentScore]) -> tuple[IntentScore, list[IntentScore]]:
        """The ranking without the intents that mean yes or no, their probabilities shared out among the others in
        proportion ("Is it furnished?" after an offer: `affirm` 0.42, `ask_details` 0.33 is `ask_details` 0.57)."""
        others = [score for score in ranking if self.domain.yes_or_no(score.name) is None]
        left = 1 - sum(score.confidence for score in ranking if self.domain.yes_or_no(score.name) is not None)
        if not others or left <= 0:
            return ranking[0], ranking
        shared = [score.model_copy(update={"confidence": round(min(1.0, score.confidence / left), 4)})
                  for score in others]
        return shared[0], shared

    def _goal_of_search(self, ranking: list[IntentScore]) -> str | None:
        """Of the two intents ranked first, the one that asks for what the other's search is for, when they are
        such a pair and together sure enough ("I am looking to book movie tickets", read as finding movies and as
        buying tickets: the search would lead to buying them)."""
        if len(ranking) < 2 or ranking[0].confidence + ranking[1].confidence < self.threshold:
            return None
        first, second = ranking[0].name, ranking[1].name
        if second in self.searches_for.get(first, set()):
            return second
        return first if first in self.searches_for.get(second, set()) else None


class ParseJob:
    """Utterances parsed in one model call, in three steps, so that a server can run the model alone off its
    event loop: made here (texts cleaned, split into words and word pieces, and a text of several clauses into
    its clauses too: dialogue.nlu.clauses; each with the words of what it answers), `infer` (the model: ONNX
    Runtime, which releases the GIL, and nothing else), `finish` (tags decoded, values normalised, the clauses'
    readings told apart)."""

    def __init__(self, understander: Understander, texts: list[str], now: dt.datetime, warnings: list[list[str]],
                 expecting: list[Expectation | None]):
        self.understander, self.now, self.warnings, self.expecting = understander, now, warnings, expecting
        self.texts = [clean(text) for text in texts]
        several = understander.domain.settings.nlu.several_requests
        self.ranges = [clauses(text, understander.entities.language) if several else [(0, len(text))]
                       for text in self.texts]
        self.pieces = [text[start:end] for text, ranges in zip(self.texts, self.ranges) if len(ranges) > 1
                       for start, end in ranges]
        self.words = [split_words(text) for text in self.texts + self.pieces]
        words = [[w.text for w in ws] or ["."] for ws in self.words]
        contexts = [() if expected is None else expected.words() for expected in expecting]
        contexts += [context for context, ranges in zip(contexts, self.ranges) if len(ranges) > 1 for _ in ranges]
        self.encoded = understander.model.encode(words, contexts) if any(self.words) else None
        self.logits: list[Outputs] | None = None

    def infer(self) -> None:
        if self.encoded is not None:
            self.logits = self.understander.model.run(self.encoded)

    def finish(self) -> list[Interpretation]:
        nlu = self.understander
        if self.encoded is None:
            found = [nlu._nothing(text) for text in self.texts]
        else:
            assert self.logits is not None, "finish() before infer()"
            predictions = nlu.model.decode(self.encoded, self.logits)
            read = [nlu._interpret(text, ws, prediction, self.now, clause=number >= len(self.texts))
                    if ws else nlu._nothing(text)
                    for number, (text, ws, prediction) in enumerate(zip(self.texts + self.pieces, self.words,
                                                                        predictions))]
            pieces = iter(read[len(self.texts):])
            found = [told_apart(whole, ranges, [next(pieces) for _ in ranges], nlu.domain, answering,
                                nlu.searches_for)
                     if len(ranges) > 1 else whole
                     for whole, ranges, answering in zip(read, self.ranges, self.expecting)]
        for interpretation, warnings in zip(found, self.warnings):
            interpretation.warnings += warnings
        return found


@dataclass
class _Request:
    """Clauses of a message that ask for one thing: its intent (None: they ask nothing yet), the clause that
    says it, and where they are in the message."""

    intent: str | None
    piece: Interpretation
    start: int
    end: int


def told_apart(whole: Interpretation, ranges: list[tuple[int, int]], pieces: list[Interpretation],
               domain: Domain, answering: Expectation | None = None,
               searches_for: dict[str, set[str]] | None = None) -> Interpretation:
    """The message's interpretation as the model read it whole, unless its clauses (`pieces`, one per range)
    ask for different things: then the first thing, the others in its `also`, in the order said; or ask for one
    task the whole reading does not, or one thing the whole reading takes for the yes that hedged before it: then
    the whole reading, asking for that thing. Each thing's
    intent and text are its clauses'; its values are those the whole message's reading found in them.

    A clause asks nothing of its own when it gives values only, greets, or the model is unsure of it; and when it gives
    way to a request after it: a no or a goodbye to any other ("Thanks. Does it have parking?", "No, not that one.
    Anything else?"), but for a no that first answers a yes-or-no question or a slot's, before a goodbye ("No
    thanks, I'll book later. That's all" after "Shall I book it?" declines, then closes; "No, not now. That's all"
    after "And a phone number?" too); a yes that hedges to any other ("Possibly. What is their address?"); a yes to
    one that starts a task ("Sounds great. I want to book it"), unless the message answers a yes-or-no question
    (`answering`: "Yes, that's right. Is there a theater you'd recommend?" confirms, then asks); a yes to a goodbye
    when nothing was asked ("Great. Thanks for the help": the yes says yes to nothing, the message closes); and a
    call for help to a request, before or after it, that starts a task ("I need a salon in Oakland. Can you help
    me?"); and a search to a request after it for what the search is for ("I want to watch a movie. I'd like to buy
    tickets": one request, to buy them). Nor does a yes after a request that starts a task: it says yes to nothing
    the user has heard yet, it adds to the request ("Find me movies in Santa Rosa. A regular show would be good.").
    `searches_for`: the intents that start a search and those that ask for what it is for (`_searches_for`), when
    the caller has them already."""
    starting = {intent for task in domain.tasks.values() if not task.digression for intent in task.triggers}
    yes_given_way = starting if answering is None or answering.kind != "yes_no" else set()
    if searches_for is None:
        searches_for = _searches_for(domain)
    intents = [None if piece.intent in NO_REQUEST_OF_THEIR_OWN or piece.ambiguous else piece.intent
               for piece in pieces]
    gave_way: set[str | None] = set()  # yeses that said nothing of their own: hedging, or closing with nothing asked
    for number, (intent, piece) in enumerate(zip(intents, pieces)):
        earlier = set(intents[:number])
        later = {other for other in intents[number + 1:] if other not in (None, intent)}
        meaning = domain.yes_or_no(intent or "")
        hedges = later and meaning == "affirm" and hedged(piece.text or "")
        closes = meaning == "affirm" and answering is None and "goodbye" in later
        declines = meaning == "deny" and answering is not None and answering.kind != "choice" \
            and later == {"goodbye"} and not earlier - {None}
        if ((later and (intent == "goodbye" or (meaning == "deny" and not declines))) or hedges or closes
                or (meaning == "affirm" and (earlier & starting or later & yes_given_way))
                or (intent == "help" and set(intents) & starting) or later & searches_for.get(intent or "", set())):
            intents[number] = None
            if hedges or closes:
                gave_way.add(intent)
    requests: list[_Request] = []
    for (start, end), piece, intent in zip(ranges, pieces, intents):
        if requests and intent in (None, requests[-1].intent):  # the same request goes on, or a clause joins it
            requests[-1].end = end
        elif requests and requests[-1].intent is None:  # the first request, after clauses that ask nothing
            requests[-1] = _Request(intent, piece, requests[-1].start, end)
        else:
            requests.append(_Request(intent, piece, start, end))
    if len(requests) < 2:
        only = requests[0] if requests else None
        asked = only.piece if only is not None and only.intent not in (None, whole.intent) \
            and (only.intent in starting or (whole.intent in gave_way and (_asks(only.intent, domain)
                                                                          or only.intent == "goodbye"))) else None
        if asked is None:
            return whole
        # what was asked, the whole read as the yes before it: "Farewell is perfect. I want tickets", "Possibly.
        # What is their address?", "Okay. Goodbye." with nothing asked
        return whole.model_copy(update={"intent": asked.intent, "confidence": asked.confidence,
                                        "ranking": asked.ranking, "ambiguous": asked.ambiguous})
    text = whole.text or ""
    things = []
    for request in requests:
        spans = [span.model_copy(update={"start": span.start - request.start, "end": span.end - request.start})
                 for span in whole.spans if request.start <= span.start and span.end <= request.end]
        things.append(request.piece.model_copy(update={
            "entities": {span.slot: span.value for span in spans}, "spans": spans,
            "text": text[request.start:request.end], "warnings": []}))
    return things[0].model_copy(update={"warnings": whole.warnings, "also": things[1:]})


def _searches_for(domain: Domain) -> dict[str, set[str]]:
    """The intents that start a search -> the intents that ask for what its offers lead to."""
    return {intent: {asking for task in led for asking in domain.tasks[task].triggers}
            for search, led in offers_lead_to(domain).items() for intent in domain.tasks[search].triggers}


def _asks(intent: str | None, domain: Domain) -> bool:
    """Whether the intent asks for something: not a yes, a no or a goodbye."""
    return intent not in (None, "goodbye") and domain.yes_or_no(intent) is None


def _spans(words: list[Word], tags: list[str], domain: Domain) -> list[tuple[str, int, int]]:
    """Character spans (slot, start, end) of the B-/I- runs in a tag sequence."""
    spans: list[tuple[str, int, int]] = []
    for word, tag in zip(words, tags):
        if tag == OUTSIDE or tag[2:] not in domain.slots:
            continue
        slot = tag[2:]
        if tag.startswith("I-") and spans and spans[-1][0] == slot:
            spans[-1] = (slot, spans[-1][1], word.end)
        else:
            spans.append((slot, word.start, word.end))
    return spans


@cache
def shared_model(folder: Path, threads: int | None = None) -> OnnxJointModel:
    """One loaded model per folder (and number of threads) and process."""
    return OnnxJointModel(folder, threads=threads)
