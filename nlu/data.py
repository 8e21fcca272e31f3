"""Training data: a domain's annotated examples (or a JointBERT dataset) as words with BIO tags.

Slot values are augmented: each annotated value is swapped for other values of its slot
(the canonical values and synonyms of a category, and typical phrasings of numbers, dates
and times), so a value seen once in the YAML is recognised in other sentences too.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from dialogue.domains.annotations import Example, Span, parse_example
from dialogue.domains.schema import Domain
from dialogue.domains.slot_types import slot_type
from dialogue.nlu.text import clean, split_words

OUTSIDE = "O"
NO_ENTRY = "(none)"
"""The answer head's last class: the text asks no FAQ entry (what the domain's other intents and its documents
say). No entry id can be it: ids are names."""
DOCUMENT_SENTENCES = 500
"""Sentences of the documents the answer head reads as asking no FAQ entry, at most (drawn with the seed)."""
AUGMENTATION = 8
"""Version of the augmentation below; part of the data hash, so a change retrains the models."""


@dataclass(frozen=True)
class TaggedUtterance:
    """An utterance as words, the BIO tag of each word, and its intent; and the words of the dialogue state it
    answers (`Expectation.words()`; empty: none, or a model that reads no state)."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str
    context: tuple[str, ...] = ()
    answer: str | None = None
    """The FAQ entry an `ask` utterance is a phrasing of, or NO_ENTRY (what the model's answer head learns); None:
    the head does not learn from it. An utterance without an `intent` ("") teaches the answer head only."""


@dataclass(frozen=True)
class Labels:
    intents: tuple[str, ...]
    tags: tuple[str, ...]
    reads_context: bool = False
    """The model was trained to read the dialogue state after the message (domain models are)."""
    answers: tuple[str, ...] = ()
    """The FAQ entries the answer head tells apart (a domain with an FAQ)."""

    @classmethod
    def for_domain(cls, domain: Domain) -> Labels:
        slots = sorted(domain.slots)
        return cls(tuple(sorted(domain.intents)),
                   (OUTSIDE, *[f"{prefix}-{slot}" for slot in slots for prefix in ("B", "I")]), reads_context=True,
                   answers=(*[entry.id for entry in domain.knowledge.faq], NO_ENTRY) if domain.knowledge.faq else ())

    @classmethod
    def for_utterances(cls, utterances: list[TaggedUtterance]) -> Labels:
        slots = sorted({tag[2:] for u in utterances for tag in u.tags if tag != OUTSIDE})
        return cls(tuple(sorted({u.intent for u in utterances})),
                   (OUTSIDE, *[f"{prefix}-{slot}" for slot in slots for prefix in ("B", "I")]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"intents": self.intents, "tags": self.tags, "reads_context": self.reads_context,
                                    "answers": self.answers}, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Labels:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(tuple(data["intents"]), tuple(data["tags"]), data.get("reads_context", False),
                   tuple(data.get("answers", ())))


def tag_example(intent: str, example: Example, answer: str | None = None) -> TaggedUtterance:
    """Split an annotated example into words and tag each word B-/I-<slot> or O."""
    words = split_words(example.text)
    tags, previous = [], None
    for word in words:
        span = next((s for s in example.spans if s.start <= word.start and word.end <= s.end), None)
        tags.append(OUTSIDE if span is None else f"{'I' if span is previous else 'B'}-{span.slot}")
        previous = span
    return TaggedUtterance(tuple(w.text for w in words), tuple(tags), intent, answer=answer)


def faq_answers(domain: Domain) -> dict[str, str]:
    """Each FAQ phrasing (cleaned, as `domain_examples` gives it) -> the id of its entry."""
    return {clean(text): entry.id for entry in domain.knowledge.faq for text in entry.phrasings}


def document_sentences(domain: Domain, seed: int) -> list[TaggedUtterance]:
    """Sentences of the domain's documents as utterances that ask no FAQ entry, for the answer head alone (no
    intent, no tags): a question about what only the documents say ("where is my PUK code") then does not look like
    the entry nearest in words ("what is a PAC code"). At most DOCUMENT_SENTENCES, drawn with `seed`."""
    said = _document_texts(domain)
    drawn = random.Random(seed).sample(said, min(DOCUMENT_SENTENCES, len(said)))
    return [TaggedUtterance(words, (OUTSIDE,) * len(words), "", answer=NO_ENTRY)
            for words in (tuple(word.text for word in split_words(sentence)) for sentence in drawn) if words]


def _document_texts(domain: Domain) -> list[str]:
    """The sentences of the domain's documents the answer head may learn from: none without an FAQ, or when the
    documents cannot be read."""
    from dialogue.domains.documents import DocumentError
    from dialogue.nlu.knowledge.passages import domain_passages, sentences

    if not domain.knowledge.faq:
        return []
    try:
        return [sentence for passage in domain_passages(domain) for sentence in sentences(clean(passage.text))]
    except DocumentError:
        return []


def domain_examples(domain: Domain) -> list[tuple[str, Example]]:
    """Every example of every intent (built-ins included), cleaned and parsed."""
    return [(intent, parse_example(clean(text))) for intent, spec in sorted(domain.intents.items())
            for text in spec.examples]


def split_holdout(items: list[tuple[str, Example]], fraction: float,
                  seed: int) -> tuple[list[tuple[str, Example]], list[tuple[str, Example]]]:
    """Hold out `fraction` of each intent's examples (at least one kept for training)."""
    by_intent: dict[str, list[tuple[str, Example]]] = defaultdict(list)
    for item in items:
        by_intent[item[0]].append(item)
    rng = random.Random(seed)
    train, held = [], []
    for intent in sorted(by_intent):
        group = by_intent[intent][:]
        rng.shuffle(group)
        count = int(len(group) * fraction) if len(group) > 1 else 0
        held += group[:count]
        train += group[count:]
    return train, held


def augment(items: list[tuple[str, Example]], domain: Domain, seed: int,
            copies: int = 3) -> list[tuple[str, Example]]:
    """The examples plus `copies` variants of each annotated one with other slot values swapped in;
    every form of every category and text slot appears at least twice. Regex slots get strings drawn from their
    pattern; text slots, which have no typical forms, swap among the values annotated for them and
    their words recombined."""
    rng = random.Random(seed)
    annotated_values: dict[str, set[str]] = defaultdict(set)
    for _, example in items:
        for span in example.spans:
            annotated_values[span.slot].add(span.text)
    language = domain.settings.language
    pools = {name: slot_type(spec).forms(spec, language, rng) or _recombined(sorted(annotated_values[name]))
             for name, spec in domain.slots.items()}
    out = list(items)
    annotated = [(intent, ex) for intent, ex in items if any(pools.get(s.slot) for s in ex.spans)]
    for intent, example in annotated:
        for _ in range(copies):
            choice = {i: rng.choice(pools[s.slot]) for i, s in enumerate(example.spans) if pools.get(s.slot)}
            out.append((intent, substitute(example, choice)))
    seen = Counter((span.slot, span.text) for _, example in out for span in example.spans)
    for slot, spec in domain.slots.items():
        hosts = [(intent, ex) for intent, ex in annotated if any(s.slot == slot for s in ex.spans)]
        kind = slot_type(spec)
        if not (kind.closed or kind.lookup) or not hosts:
            continue
        for form in pools[slot]:
            for _ in range(2 - seen[(slot, form)]):
                intent, example = rng.choice(hosts)
                index = next(i for i, s in enumerate(example.spans) if s.slot == slot)
                out.append((intent, substitute(example, {index: form})))
    return out


def _recombined(values: list[str]) -> list[str]:
    """Annotated values plus their words recombined: the first word of one with the rest of another
    ("Ana Lopez", "Jo Park" -> "Ana Park", "Jo Lopez"), so the words of a multi-word value are learnt
    as part of a value in other company too."""
    heads = sorted({v.split()[0] for v in values if len(v.split()) > 1})
    tails = sorted({" ".join(v.split()[1:]) for v in values if len(v.split()) > 1})
    return values + sorted({f"{head} {tail}" for head in heads for tail in tails} - set(values))


def swap_values(utterances: list[TaggedUtterance], seed: int, copies: int) -> list[TaggedUtterance]:
    """The utterances plus `copies` variants of each tagged one, with every slot value replaced by
    another value of the same slot seen in the data (for datasets, which come without a domain)."""
    values: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for utterance in utterances:
        for slot, words in runs(utterance):
            values[slot].append(words)
    rng = random.Random(seed)
    out = list(utterances)
    for utterance in utterances:
        pieces = runs(utterance)
        if not any(slot for slot, _ in pieces):
            continue
        for _ in range(copies):
            words: list[str] = []
            tags: list[str] = []
            for slot, run in pieces:
                chosen = rng.choice(values[slot]) if slot else run
                words += chosen
                tags += [OUTSIDE] * len(chosen) if not slot else [f"B-{slot}"] + [f"I-{slot}"] * (len(chosen) - 1)
            out.append(TaggedUtterance(tuple(words), tuple(tags), utterance.intent))
    return out


def runs(utterance: TaggedUtterance) -> list[tuple[str, tuple[str, ...]]]:
    """The utterance as runs of words: (slot, words) for values, ("", words) for the rest."""
    runs: list[tuple[str, list[str]]] = []
    for word, tag in zip(utterance.words, utterance.tags):
        slot = "" if tag == OUTSIDE else tag[2:]
        if runs and runs[-1][0] == slot and not tag.startswith("B-"):
            runs[-1][1].append(word)
        else:
            runs.append((slot, [word]))
    return [(slot, tuple(words)) for slot, words in runs]


def substitute(example: Example, replacements: dict[int, str]) -> Example:
    """The example with the text of some spans replaced."""
    parts, spans, position, shift = [], [], 0, 0
    for index, span in enumerate(example.spans):
        text = replacements.get(index, span.text)
        parts += [example.text[position:span.start], text]
        start = span.start + shift
        spans.append(Span(start, start + len(text), span.slot, text, None))
        shift += len(text) - len(span.text)
        position = span.end
    parts.append(example.text[position:])
    return Example("".join(parts), tuple(spans))


def read_jointbert(folder: Path, split: str) -> list[TaggedUtterance]:
    """A split (train, dev, test) of a dataset in JointBERT's format: seq.in, seq.out, label."""
    base = folder / split
    lines = {name: (base / name).read_text(encoding="utf-8").splitlines() for name in ("seq.in", "seq.out", "label")}
    if not len(lines["seq.in"]) == len(lines["seq.out"]) == len(lines["label"]):
        raise ValueError(f"{base}: seq.in, seq.out and label have different numbers of lines")
    utterances = []
    for number, (words, tags, intent) in enumerate(zip(lines["seq.in"], lines["seq.out"], lines["label"]), 1):
        words_, tags_ = words.split(), tags.split()
        if len(words_) != len(tags_):
            raise ValueError(f"{base}: line {number} has {len(words_)} words but {len(tags_)} tags")
        utterances.append(TaggedUtterance(tuple(words_), tuple(tags_), intent.strip()))
    return utterances


def nlu_data_hash(domain: Domain) -> str:
    """A hash of everything in a domain that training learns from."""
    data = {
        "language": domain.settings.language,
        "augmentation": AUGMENTATION,
        "intents": {name: spec.examples for name, spec in sorted(domain.intents.items())},
        "answers": faq_answers(domain),
        "documents": _document_texts(domain),
        "slots": {name: spec.model_dump(mode="json", exclude={"lookup"})  # read at each turn, not learnt
                  for name, spec in sorted(domain.slots.items())},
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
