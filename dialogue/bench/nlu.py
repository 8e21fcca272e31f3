"""`dialogue bench nlu`: NLU latency on SNIPS test utterances, one at a time, the whole parse included.

Each variant runs the same Understander pipeline (cleaning, word split, tokenizer, model,
BIO decoding, value normalisation and gazetteer); only the model differs: ONNX Runtime
fp32 or int8, 6 or 3 layers, and the same 6-layer model in PyTorch eager as the baseline.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from dialogue.domains.interpretation import Expectation
from dialogue.domains.schema import Domain, Settings, SlotSpec
from dialogue.nlu.data import Labels, domain_examples, read_jointbert
from dialogue.nlu.runtime import OnnxJointModel
from dialogue.nlu.understander import Understander
from dialogue.stats import percentile

SLOT_TYPES = {"party_size_number": "integer", "best_rating": "number", "rating_value": "number", "year": "integer",
              "timeRange": "date"}
"""Types of SNIPS slots, so that numbers and dates are normalised as a domain would have them."""
NOW = dt.datetime(2026, 11, 25, 10, 0)


def dataset_domain(labels: Labels) -> Domain:
    """A stand-in domain whose slots are the dataset's (SNIPS names are not domain names, so no validation)."""
    spec = TypeAdapter(SlotSpec)
    slots = {tag[2:]: spec.validate_python({"type": SLOT_TYPES.get(tag[2:], "text")})
             for tag in labels.tags if tag.startswith("B-")}
    return Domain.model_construct(version=1, name="bench", slots=slots, settings=Settings())


BLOCK = 50
"""Texts a variant parses in one go before the next variant takes its turn."""
SETTLE = 5
"""Parses, not timed, with which a variant starts each turn: the thread pool of the variant before it may still
be spinning."""


def latencies(parsers: dict[str, Callable[[str], Any]], texts: list[str]) -> dict[str, dict[str, float]]:
    """Each parser's latency per text, the variants taking turns on blocks of texts (the order rotating from block
    to block), so that the machine's load changes reach every variant alike."""
    names = list(parsers)
    for name in names:
        for text in texts[:50]:
            parsers[name](text)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index, begin in enumerate(range(0, len(texts), BLOCK)):
        block = texts[begin:begin + BLOCK]
        for name in names[index % len(names):] + names[:index % len(names)]:
            for text in block[:SETTLE]:
                parsers[name](text)
            for text in block:
                started = time.perf_counter()
                parsers[name](text)
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: {"p50_ms": round(statistics.median(taken), 3), "p99_ms": round(percentile(taken, 0.99), 3),
                   "mean_ms": round(statistics.fmean(taken), 3)} for name, taken in samples.items()}


def throughput(understander: Understander, texts: list[str], batch: int) -> float:
    started = time.perf_counter()
    for begin in range(0, len(texts), batch):
        understander.parse_batch(texts[begin:begin + batch], now=NOW)
    return round(len(texts) / (time.perf_counter() - started), 1)


def load_to_first_parse(folder: Path, domain: Domain, text: str) -> float:
    """Seconds from nothing loaded (imports done) to the first parse's answer."""
    started = time.perf_counter()
    Understander(domain, OnnxJointModel(folder)).parse(text, now=NOW)
    return round(time.perf_counter() - started, 3)


def cli_cold_start(domain: str, models: Path, text: str) -> float | None:
    """Seconds for `python -m dialogue parse DOMAIN TEXT` in a new process, or None if it fails."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dialogue", "parse", domain, text, "--models", str(models)],
                          capture_output=True, text=True, check=False)
    return round(time.perf_counter() - started, 3) if done.returncode == 0 else None


def in_context(understander: Understander, texts: list[str]) -> dict[str, dict[str, float]]:
    """A domain model's latency per text read alone, after a slot's question and after a yes/no question (the
    state's word pieces are what the two cost more)."""
    slot = next(iter(understander.domain.slots), None)
    asked = Expectation(kind="slot", slot=slot) if slot else None
    yes_no = Expectation(kind="yes_no")
    return latencies({"alone": lambda text: understander.parse(text, now=NOW),
                      f"after asked {slot}": lambda text: understander.parse(text, now=NOW, expecting=asked),
                      "after a yes/no question": lambda text: understander.parse(text, now=NOW, expecting=yes_no)},
                     texts)


def domain_texts(domain: Domain, count: int) -> list[str]:
    """`count` texts of the domain's examples, shuffled (seeded), repeated as needed."""
    texts = [example.text for _, example in domain_examples(domain)]
    random.Random(0).shuffle(texts)
    return (texts * (count // max(len(texts), 1) + 1))[:count]


def snips_texts(dataset: Path, limit: int | None) -> list[str]:
    texts = [" ".join(u.words) for u in read_jointbert(dataset, "test")]
    return texts[:limit] if limit else texts
