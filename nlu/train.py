"""Fine-tune the joint model on tagged utterances (PyTorch; training only)."""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from dialogue.nlu.data import Labels, TaggedUtterance
from dialogue.nlu.encoding import IGNORE, encode, load_tokenizer, piece_labels
from dialogue.nlu.model import JointModel, encoder_folder
from dialogue.nlu.train_config import TrainConfig


@dataclass
class _Feature:
    ids: list[int]
    segments: list[int]
    tags: list[int]
    intent: int
    answer: int = IGNORE
    """What the answer head learns of it (an index of `Labels.answers`: an FAQ entry, or NO_ENTRY), IGNORE: nothing."""
    teacher: tuple[np.ndarray, np.ndarray] | None = None  # the teacher's intent and tag logits


def fit(utterances: list[TaggedUtterance], labels: Labels, config: TrainConfig,
        progress: Callable[[int, int, float], None] | None = None,
        judge: Callable[[JointModel], float] | None = None) -> JointModel:
    """Train from the encoder's weights; `progress(step, total, loss)` is called after each step.

    The weights kept are an exponential moving average of the trained ones (steadier than the
    last step's); with `judge` (a score on held-out data, higher is better) the best epoch's.
    """
    torch.manual_seed(config.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    folder = encoder_folder(config.encoder)
    tokenizer = load_tokenizer(folder / "tokenizer.json", config.max_tokens)
    features = _features(utterances, labels, tokenizer)
    if config.teacher is not None:
        _teach(features, Path(config.teacher), labels)
    model = JointModel.from_encoder(folder, len(labels.intents), len(labels.tags), config.layers,
                                    answers=len(labels.answers))
    model.train()
    steps_per_epoch = math.ceil(len(features) / config.batch_size)
    total = max(steps_per_epoch * config.epochs, config.min_steps) if config.max_steps is None else config.max_steps
    heads = [parameter for name, parameter in model.named_parameters() if not name.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": model.encoder.parameters(), "lr": config.learning_rate},
                                   {"params": heads, "lr": config.head_learning_rate}], weight_decay=0.01,
                                  fused=True)  # one kernel for all the weights: a step 7x faster on the CPU
    warmup = max(1, int(total * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    rng = random.Random(config.seed)
    average = _Average(model, config.ema_decay)
    half = config.bf16 and torch.cpu._is_avx512_bf16_supported()
    best: tuple[float, dict] | None = None
    step = 0
    while step < total:
        for batch in _batches(features, config.batch_size, rng):
            ids, mask, segments, tags, intents = _tensors(batch)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=half):
                outputs = model(ids, mask, segments)
            intent_logits, tag_logits = outputs[0].float(), outputs[1].float()
            answers = torch.tensor([f.answer for f in batch])
            loss = _loss(intent_logits, intents) + _loss(tag_logits.reshape(-1, tag_logits.shape[-1]), tags.reshape(-1))
            if len(outputs) > 3:
                loss = loss + _loss(_answer_logits(model, outputs, answers, len(labels.answers) - 1), answers)
            if config.teacher is not None:
                loss = loss + config.distill_weight * _distillation(batch, intent_logits, tag_logits, tags,
                                                                   config.temperature)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            average.update(step)
            step += 1
            if progress is not None:
                progress(step, total, loss.item())
            if step >= total:
                break
        if judge is not None:
            best = _keep_best(model, average, judge, best)
    average.apply()
    if best is not None:
        model.load_state_dict(best[1])
    model.eval()
    return model


def _answer_logits(model: JointModel, outputs: tuple[torch.Tensor, ...], answers: torch.Tensor,
                   no_entry: int) -> torch.Tensor:
    """The answer head's logits, those of rows that ask no entry (`no_entry`: the other intents' examples, the
    documents' sentences) from the sentence vector detached: they teach the head what asks nothing, and the encoder
    nothing, which learns the FAQ entries from their phrasings and the intents as it did without the head."""
    assert model.answer_head is not None
    apart = model.answer_head(model.dropout(outputs[2].detach().float()))
    return torch.where((answers == no_entry).unsqueeze(1), apart, outputs[3].float())


def _loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the labelled rows (IGNORE: none); 0 when a batch has none (a batch of document sentences
    has no intents)."""
    if not (labels != IGNORE).any():
        return logits.sum() * 0.0
    return functional.cross_entropy(logits, labels, ignore_index=IGNORE)


class _Average:
    """An exponential moving average of the weights, with a short memory at the start."""

    def __init__(self, model: JointModel, decay: float):
        self.model, self.decay = model, decay
        self.shadow = {name: p.detach().clone() for name, p in model.named_parameters()}

    @torch.no_grad()
    def update(self, step: int) -> None:
        decay = min(self.decay, (1 + step) / (10 + step))
        names, parameters = zip(*self.model.named_parameters())
        torch._foreach_lerp_([self.shadow[name] for name in names], [p.detach() for p in parameters], 1 - decay)

    @torch.no_grad()
    def apply(self) -> None:
        for name, parameter in self.model.named_parameters():
            parameter.copy_(self.shadow[name])


def _keep_best(model: JointModel, average: _Average, judge: Callable[[JointModel], float],
               best: tuple[float, dict] | None) -> tuple[float, dict]:
    """Score the averaged weights; keep them if they beat the best so far. Training goes on from the raw ones."""
    raw = {name: p.detach().clone() for name, p in model.named_parameters()}
    average.apply()
    model.eval()
    score = judge(model)
    if best is None or score > best[0]:
        best = (score, {k: v.detach().clone() for k, v in model.state_dict().items()})
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_(raw[name])
    model.train()
    return best


def _teach(features: list[_Feature], folder: Path, labels: Labels) -> None:
    """Keep the teacher's logits for every feature (its fp32 ONNX model, on the same word pieces)."""
    from dialogue.nlu.runtime import OnnxJointModel

    teacher = OnnxJointModel(folder, quantized=False)
    if teacher.labels != labels:
        raise ValueError(f"the teacher in {folder} was trained on other intents or slots")
    order = sorted(range(len(features)), key=lambda i: len(features[i].ids))
    for begin in range(0, len(order), 64):
        batch = [features[i] for i in order[begin:begin + 64]]
        ids, mask, segments, _, _ = _tensors(batch)
        intent_logits, tag_logits = teacher.infer(ids.numpy(), mask.numpy(), segments.numpy())[:2]
        for row, feature in enumerate(batch):
            feature.teacher = (intent_logits[row], tag_logits[row, :len(feature.ids)])


def _distillation(batch: list[_Feature], intent_logits: torch.Tensor, tag_logits: torch.Tensor,
                  tags: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL divergence to the teacher's softened outputs, on the intent and on each word's first piece."""
    teacher_intents = torch.from_numpy(np.stack([f.teacher[0] for f in batch]))
    teacher_tags = torch.zeros_like(tag_logits)
    for row, feature in enumerate(batch):
        teacher_tags[row, :len(feature.ids)] = torch.from_numpy(feature.teacher[1])
    words = tags != IGNORE

    def kl(student: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return functional.kl_div(functional.log_softmax(student / temperature, -1),
                                 functional.softmax(target / temperature, -1), reduction="batchmean")

    return temperature**2 * (kl(intent_logits, teacher_intents) + kl(tag_logits[words], teacher_tags[words]))


def _features(utterances: list[TaggedUtterance], labels: Labels, tokenizer) -> list[_Feature]:
    tag_index = {tag: i for i, tag in enumerate(labels.tags)}
    intent_index = {intent: i for i, intent in enumerate(labels.intents)}
    answer_index = {answer: i for i, answer in enumerate(labels.answers)}
    encodings = encode(tokenizer, [list(u.words) for u in utterances], [u.context for u in utterances])
    return [_Feature(encoding.ids, encoding.type_ids,
                     piece_labels(encoding, [tag_index.get(t, 0) for t in u.tags]) if u.intent else
                     [IGNORE] * len(encoding.ids),
                     intent_index[u.intent] if u.intent else IGNORE, answer_index.get(u.answer or "", IGNORE))
            for u, encoding in zip(utterances, encodings)]


def _batches(features: list[_Feature], size: int, rng: random.Random) -> list[list[_Feature]]:
    """Batches of similar lengths (less padding), in random order."""
    order = list(range(len(features)))
    rng.shuffle(order)
    chunk = size * 50
    batches = []
    for begin in range(0, len(order), chunk):
        part = sorted(order[begin:begin + chunk], key=lambda i: len(features[i].ids))
        batches += [[features[i] for i in part[at:at + size]] for at in range(0, len(part), size)]
    rng.shuffle(batches)
    return batches


def _tensors(batch: list[_Feature]) -> tuple[torch.Tensor, ...]:
    length = max(len(f.ids) for f in batch)
    ids = torch.zeros((len(batch), length), dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    segments = torch.zeros((len(batch), length), dtype=torch.long)
    tags = torch.full((len(batch), length), IGNORE, dtype=torch.long)
    for row, feature in enumerate(batch):
        ids[row, :len(feature.ids)] = torch.tensor(feature.ids)
        mask[row, :len(feature.ids)] = 1
        segments[row, :len(feature.segments)] = torch.tensor(feature.segments)
        tags[row, :len(feature.tags)] = torch.tensor(feature.tags)
    return ids, mask, segments, tags, torch.tensor([f.intent for f in batch])
