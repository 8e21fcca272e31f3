"""From data to a model folder: split, augment, fit, export to ONNX, measure, write the manifest."""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dialogue.domains.annotations import Example
from dialogue.domains.builtin import ASK_INTENT
from dialogue.domains.schema import Domain
from dialogue.nlu.artifacts import MANIFEST, model_folder, read_manifest, write_manifest
from dialogue.nlu.calibration import expected_calibration_error, fit_temperature
from dialogue.nlu.contexts import placed
from dialogue.nlu.data import (
    NO_ENTRY,
    Labels,
    TaggedUtterance,
    augment,
    document_sentences,
    domain_examples,
    faq_answers,
    nlu_data_hash,
    read_jointbert,
    split_holdout,
    swap_values,
    tag_example,
)
from dialogue.nlu.decoding import log_softmax
from dialogue.nlu.evaluate import predict_all, score
from dialogue.nlu.knowledge.build import build_domain_index
from dialogue.nlu.novelty import fit_novelty
from dialogue.nlu.runtime import OnnxJointModel, unit_rows

Progress = Callable[[int, int, float], None]


@dataclass
class TrainingReport:
    folder: Path
    reused: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    knowledge: Path | None = None
    """The index of the domain's knowledge (none without knowledge)."""


def train_domain(domain: Domain, root: Path, config: Any, *, holdout: float = 0.2,
                 progress: Progress | None = None) -> TrainingReport:
    """Train a domain's model, unless one was already trained on the same data and settings, and index its
    knowledge, unless it was indexed already."""
    report = _train_nlu(domain, root, config, holdout, progress)
    report.knowledge = build_domain_index(domain, root)
    return report


def _train_nlu(domain: Domain, root: Path, config: Any, holdout: float, progress: Progress | None) -> TrainingReport:
    settings = {**config.as_dict(), "holdout": holdout}
    data_hash = nlu_data_hash(domain)
    folder = model_folder(root, domain.name, data_hash, settings)
    if (folder / MANIFEST).exists():
        manifest = read_manifest(folder)
        return TrainingReport(folder, True, manifest["metrics"], manifest["counts"])
    train, held = split_holdout(domain_examples(domain), holdout, config.seed)
    augmented = augment(train, domain, config.seed, config.copies)
    utterances = placed(_tagged(augmented, domain), domain, config.seed) + document_sentences(domain, config.seed)
    evaluation = _in_context(held, domain, config.seed)
    counts = {"examples": len(train) + len(held), "held_out": len(held), "training_utterances": len(utterances)}
    labels = Labels.for_domain(domain)
    return _build(utterances, evaluation, labels, config, folder, progress, counts,
                  name=domain.name, data_hash=data_hash, settings=settings)


def held_out(domain: Domain, folder: Path) -> list[TaggedUtterance]:
    """The examples a domain's model was not trained on (its training settings say which)."""
    settings = read_manifest(folder)["settings"]
    held = split_holdout(domain_examples(domain), settings["holdout"], settings["seed"])[1]
    return _in_context(held, domain, settings["seed"])


def _in_context(held: list[tuple[str, Example]], domain: Domain, seed: int) -> list[TaggedUtterance]:
    """Held-out examples, each in a dialogue state drawn for it (as training places its utterances)."""
    return placed(_tagged(held, domain), domain, seed, added=False)


def _tagged(examples: list[tuple[str, Example]], domain: Domain) -> list[TaggedUtterance]:
    """The examples tagged, with what the answer head learns of each (`TaggedUtterance.answer`), when the domain
    has an FAQ: the entry an FAQ phrasing asks, and no entry for the other intents' examples."""
    answers = faq_answers(domain)

    def answer(intent: str, text: str) -> str | None:
        if not answers:
            return None
        return answers.get(text) if intent == ASK_INTENT else NO_ENTRY

    return [tag_example(intent, example, answer(intent, example.text)) for intent, example in examples]


def train_dataset(dataset: Path, folder: Path, config: Any, progress: Progress | None = None, *,
                  out_of_scope: str | None = None, per_intent: int | None = None) -> TrainingReport:
    """Train on a JointBERT-format dataset's train split and measure on its dev split.

    `out_of_scope`: the label of utterances no intent covers; they are left out of training and measuring (the
    model learns no class for them; `nlu-eval --out-of-scope` measures how it tells them apart). `per_intent`:
    train on that many utterances of each intent only (drawn with the seed), as a real domain would have.
    The PyTorch weights are kept too (model.pt), for the eager baseline of `dialogue bench nlu`.
    """
    original = [u for u in read_jointbert(dataset, "train") if u.intent != out_of_scope]
    dev = [u for u in read_jointbert(dataset, "dev") if u.intent != out_of_scope]
    if per_intent is not None:
        original = per_intent_sample(original, per_intent, config.seed)
    train = swap_values(original, config.seed, config.copies)
    counts = {"train_split": len(original), "training_utterances": len(train), "dev": len(dev)}
    settings = {**config.as_dict(), "out_of_scope": out_of_scope, "per_intent": per_intent}
    return _build(train, dev, Labels.for_utterances(original), config, folder, progress, counts, keep_torch=True,
                  judge_on=dev, name=dataset.name, data_hash="", settings=settings)


def per_intent_sample(utterances: list[TaggedUtterance], count: int, seed: int) -> list[TaggedUtterance]:
    """At most `count` utterances of each intent, drawn with `seed`, in their original order."""
    by_intent: dict[str, list[int]] = {}
    for index, utterance in enumerate(utterances):
        by_intent.setdefault(utterance.intent, []).append(index)
    rng = random.Random(seed)
    kept = sorted(i for indices in by_intent.values() for i in rng.sample(indices, min(count, len(indices))))
    return [utterances[i] for i in kept]


def _build(train: list[TaggedUtterance], evaluation: list[TaggedUtterance], labels: Labels, config: Any,
           folder: Path, progress: Progress | None, counts: dict[str, int], keep_torch: bool = False,
           judge_on: list[TaggedUtterance] | None = None, **manifest: Any) -> TrainingReport:
    import torch

    from dialogue.nlu.encoding import load_tokenizer
    from dialogue.nlu.export import export
    from dialogue.nlu.model import encoder_folder
    from dialogue.nlu.runtime import MAX_TOKENS
    from dialogue.nlu.torch_runtime import TORCH_WEIGHTS, TorchJointModel
    from dialogue.nlu.train import fit

    tokenizer = load_tokenizer(encoder_folder(config.encoder) / "tokenizer.json", MAX_TOKENS)

    def judge(candidate: Any) -> float:
        """Mean of intent accuracy, slot F1 and sentence accuracy on the judging data."""
        measured = score(judge_on, predict_all(TorchJointModel(candidate, labels, tokenizer), judge_on), labels.intents)
        return (measured["intent_accuracy"] + measured["slot_f1"] + measured["sentence_accuracy"]) / 3

    model = fit(train, labels, config, progress, judge if judge_on else None)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        export(model, encoder_folder(config.encoder) / "tokenizer.json", labels, scratch)
        if keep_torch:
            torch.save(model.state_dict(), scratch / TORCH_WEIGHTS)
        metrics: dict[str, Any] = {}
        if evaluation:
            metrics["calibration"] = fit_confidence(scratch, train, evaluation, config.seed)
            for variant, quantized in (("fp32", False), ("int8", True)):
                runtime = OnnxJointModel(scratch, quantized=quantized)
                measured = score(evaluation, predict_all(runtime, evaluation), runtime.labels.intents)
                metrics[variant] = {k: v for k, v in measured.items() if k not in ("confusion", "per_slot")}
        write_manifest(scratch, **manifest, counts=counts, metrics=metrics)
        if folder.exists():
            shutil.rmtree(folder)
        scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return TrainingReport(folder, False, metrics, counts)


NOVELTY_PER_INTENT = 200
"""Training utterances of each intent whose sentence vectors make the intent's mean (and the shared covariance)."""


def fit_confidence(folder: Path, train: list[TaggedUtterance], held: list[TaggedUtterance],
                   seed: int) -> dict[str, float]:
    """Fit, on the model in `folder` (int8, as served on a CPU), the temperature of its intent scores and the
    intents' places among sentence vectors with the held-out distances to them (novelty.npz), and keep both there;
    the expected calibration error before and after."""
    runtime = OnnxJointModel(folder, quantized=True)
    index = {intent: i for i, intent in enumerate(runtime.labels.intents)}
    held = [u for u in held if u.intent in index]
    sample = per_intent_sample([u for u in train if u.intent in index], NOVELTY_PER_INTENT, seed)
    held_logits, held_vectors = _outputs(runtime, held)
    gold = np.array([index[u.intent] for u in held], dtype=np.int64)
    calibration = fit_temperature(held_logits, gold)
    calibration.save(folder)
    novelty = fit_novelty(_outputs(runtime, sample)[1], np.array([index[u.intent] for u in sample]), held_vectors)
    if novelty is not None:
        novelty.save(folder)
    right = held_logits.argmax(1) == gold

    def error(temperature: float) -> float:
        return round(100 * expected_calibration_error(np.exp(log_softmax(held_logits / temperature)).max(1), right), 2)

    return {"temperature": calibration.temperature, "ece_raw": error(1.0), "ece": error(calibration.temperature)}


def _outputs(runtime: OnnxJointModel, utterances: list[TaggedUtterance]) -> tuple[np.ndarray, np.ndarray]:
    """Intent logits and unit sentence vectors (rows) of utterances, in batches."""
    outputs = []
    for begin in range(0, len(utterances), 64):
        batch = utterances[begin:begin + 64]
        outputs += runtime.run(runtime.encode([list(u.words) for u in batch], [u.context for u in batch]))
    if not outputs:
        return np.empty((0, len(runtime.labels.intents))), np.empty((0, 0))
    return np.stack([output[0] for output in outputs]), unit_rows([output[2] for output in outputs])
