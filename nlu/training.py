"""From data to a model folder: split, augment, fit, export to ONNX, measure, write the manifest."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialogue.domains.schema import Domain
from dialogue.nlu.artifacts import MANIFEST, model_folder, read_manifest, write_manifest
from dialogue.nlu.data import (
    Labels,
    TaggedUtterance,
    augment,
    domain_examples,
    nlu_data_hash,
    read_jointbert,
    split_holdout,
    swap_values,
    tag_example,
)
from dialogue.nlu.evaluate import predict_all, score
from dialogue.nlu.runtime import OnnxJointModel

Progress = Callable[[int, int, float], None]


@dataclass
class TrainingReport:
    folder: Path
    reused: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def train_domain(domain: Domain, root: Path, config: Any, *, holdout: float = 0.2,
                 progress: Progress | None = None) -> TrainingReport:
    """Train a domain's model, unless one was already trained on the same data and settings."""
    settings = {**config.as_dict(), "holdout": holdout}
    data_hash = nlu_data_hash(domain)
    folder = model_folder(root, domain.name, data_hash, settings)
    if (folder / MANIFEST).exists():
        manifest = read_manifest(folder)
        return TrainingReport(folder, True, manifest["metrics"], manifest["counts"])
    train, held = split_holdout(domain_examples(domain), holdout, config.seed)
    utterances = [tag_example(intent, example)
                  for intent, example in augment(train, domain, config.seed, config.copies)]
    evaluation = [tag_example(intent, example) for intent, example in held]
    counts = {"examples": len(train) + len(held), "held_out": len(held), "training_utterances": len(utterances)}
    labels = Labels.for_domain(domain)
    return _build(utterances, evaluation, labels, config, folder, progress, counts,
                  name=domain.name, data_hash=data_hash, settings=settings)


def held_out(domain: Domain, folder: Path) -> list[TaggedUtterance]:
    """The examples a domain's model was not trained on (its training settings say which)."""
    settings = read_manifest(folder)["settings"]
    held = split_holdout(domain_examples(domain), settings["holdout"], settings["seed"])[1]
    return [tag_example(intent, example) for intent, example in held]


def train_dataset(dataset: Path, folder: Path, config: Any, progress: Progress | None = None) -> TrainingReport:
    """Train on a JointBERT-format dataset's train split and measure on its dev split.

    The PyTorch weights are kept too (model.pt), for the eager baseline of `dialogue bench nlu`.
    """
    original, dev = read_jointbert(dataset, "train"), read_jointbert(dataset, "dev")
    train = swap_values(original, config.seed, config.copies)
    counts = {"train_split": len(original), "training_utterances": len(train), "dev": len(dev)}
    return _build(train, dev, Labels.for_utterances(original), config, folder, progress, counts, keep_torch=True,
                  judge_on=dev, name=dataset.name, data_hash="", settings=config.as_dict())


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
        metrics = {}
        if evaluation:
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
