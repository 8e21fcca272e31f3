"""The joint model at serve time: ONNX Runtime only (no torch), loaded once and shared.

CUDA when a GPU is there (fp32), the CPU otherwise (int8), with session options for the
latency of one utterance. An fp32 batch runs in groups of utterances of similar length, a model
call each, so that short utterances are not padded to the longest (`length_groups`). The int8
model runs each utterance in a call of its own: it quantizes its activations with one scale per
call, so in a batch each utterance's reading would depend on the others (and on their padding),
and a server batching several users' messages would read one user's words differently as
others' traffic changed (about 2% of SGD's user turns changed intent in a batch of 8).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Encoding, Tokenizer

from dialogue.nlu.artifacts import FP32, INT8, LABELS, TOKENIZER
from dialogue.nlu.calibration import Calibration
from dialogue.nlu.data import Labels
from dialogue.nlu.decoding import bio_constraints, log_softmax, viterbi
from dialogue.nlu.encoding import encode, first_pieces, load_tokenizer
from dialogue.nlu.novelty import Novelty

MAX_TOKENS = 128


@dataclass
class Prediction:
    intent_scores: np.ndarray
    tags: list[str]
    cut_words: int = 0
    """Words that did not fit in MAX_TOKENS word pieces (they get no tag)."""
    sentence: np.ndarray | None = None
    """The mean-pooled sentence vector, unit length (models exported before it was an output have none)."""
    rarity: float | None = None
    """The share of held-out in-scope utterances at least as far from every intent (see novelty.py); None for a
    model without novelty.npz."""
    answer_scores: np.ndarray | None = None
    """How likely each FAQ entry (`Labels.answers`) is the one asked, if the message asks one (softmax of the answer
    head); None for a model without one."""


Outputs = tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]
"""One utterance's (or a batch's) intent logits, tag logits (word pieces x tags), sentence vector and answer
logits (models without an answer head: None)."""


CALL_TOKENS = 7
"""What one model call costs on top of its word pieces, in word pieces (a fit of the int8 6-layer model's times on
one CPU thread: 0.69 ms a call, 0.10 ms a word piece, padding included)."""


@dataclass
class Encoded:
    """A batch of utterances (as words) in word pieces: the model's input, in groups of rows of similar length,
    each padded to its longest (`length_groups`)."""

    batch: list[list[str]]
    encodings: list[Encoding]
    groups: list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]
    """Rows of the batch, and their word pieces, attention mask and segments (1: the dialogue state's pieces)."""


def length_groups(lengths: list[int]) -> list[list[int]]:
    """The rows (indices of `lengths`) in the groups that cost the model least: a group costs a call
    (CALL_TOKENS) plus its rows times its longest row, since shorter rows are padded to that."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    least = [0.0] + [float("inf")] * len(order)
    first = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        longest = lengths[order[end - 1]]
        for start in range(end):
            cost = least[start] + CALL_TOKENS + (end - start) * longest
            if cost < least[end]:
                least[end], first[end] = cost, start
    groups, end = [], len(order)
    while end:
        groups.append(order[first[end]:end])
        end = first[end]
    return groups[::-1]


def gpu_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


class JointModelBase:
    """What every way of running the joint model shares: tokenizer, labels, and decoding."""

    def __init__(self, labels: Labels, tokenizer: Tokenizer, calibration: Calibration | None = None,
                 novelty: Novelty | None = None):
        self.labels = labels
        self.calibration = calibration or Calibration()
        self.novelty = novelty
        self.max_tokens = MAX_TOKENS
        self.tokenizer = tokenizer
        self.rows_alone = False
        """Whether each utterance runs in a model call of its own (the int8 model: see the module's docstring)."""
        self.transitions, self.start = bio_constraints(self.labels.tags)

    def infer(self, ids: np.ndarray, mask: np.ndarray, segments: np.ndarray) -> Outputs:
        """Intent logits (batch x intents), tag logits (batch x pieces x tags), sentence vectors (batch x hidden) and
        answer logits (batch x answers)."""
        raise NotImplementedError

    def predict(self, batch: list[list[str]], contexts: list[tuple[str, ...]] | None = None) -> list[Prediction]:
        """Intent scores (softmax) and BIO tags for each utterance, given as its words (and the words of the
        dialogue state it answers: `contexts`, for a model that `reads_context`)."""
        encoded = self.encode(batch, contexts)
        return self.decode(encoded, self.run(encoded))

    def encode(self, batch: list[list[str]], contexts: list[tuple[str, ...]] | None = None) -> Encoded:
        """The utterances' word pieces (each followed by its context's, when the model reads them), in groups of
        similar length (or one by one: `rows_alone`)."""
        encodings = encode(self.tokenizer, batch, contexts if self.labels.reads_context else None)
        groups = []
        lengths = [len(e.ids) for e in encodings]
        for rows in [[row] for row in range(len(lengths))] if self.rows_alone else length_groups(lengths):
            length = max(len(encodings[row].ids) for row in rows)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros((len(rows), length), dtype=np.int64)
            segments = np.zeros((len(rows), length), dtype=np.int64)
            for line, row in enumerate(rows):
                ids[line, :len(encodings[row].ids)] = encodings[row].ids
                mask[line, :len(encodings[row].ids)] = 1
                segments[line, :len(encodings[row].ids)] = encodings[row].type_ids
            groups.append((rows, ids, mask, segments))
        return Encoded(batch, encodings, groups)

    def run(self, encoded: Encoded) -> list[Outputs]:
        """The model on every group: each row's outputs, in the batch's order."""
        found: dict[int, Outputs] = {}
        for rows, ids, mask, segments in encoded.groups:
            intents, tags, sentences, answers = self.infer(ids, mask, segments)
            found.update({row: (intents[line], tags[line], None if sentences is None else sentences[line],
                                None if answers is None else answers[line]) for line, row in enumerate(rows)})
        return [found[row] for row in range(len(encoded.batch))]

    def decode(self, encoded: Encoded, outputs: list[Outputs]) -> list[Prediction]:
        """The model's outputs as intent scores (calibrated), the best BIO tags of each utterance's words, the
        unit-length sentence vector with its rarity, and the FAQ entries' probabilities."""
        intents = np.exp(log_softmax(np.stack([output[0] for output in outputs]) / self.calibration.temperature))
        units = unit_rows([output[2] for output in outputs])
        rarities = self.novelty.rarity(units) if self.novelty is not None and units is not None else None
        predictions = []
        for row, (words, encoding, (_, tag_logits, _, answers)) in enumerate(zip(encoded.batch, encoded.encodings,
                                                                                  outputs)):
            first = first_pieces(encoding, len(words))
            kept = [p for p in first if p >= 0]
            path = viterbi(log_softmax(tag_logits[kept]), self.transitions, self.start)
            tags = [self.labels.tags[i] for i in path] + ["O"] * (len(words) - len(kept))
            predictions.append(Prediction(intents[row], tags, len(words) - len(kept),
                                          None if units is None else units[row],
                                          None if rarities is None else float(rarities[row]),
                                          None if answers is None else np.exp(log_softmax(answers))))
        return predictions


def unit_rows(sentences: list[np.ndarray | None]) -> np.ndarray | None:
    """The sentence vectors (rows) scaled to unit length; None when the model gives none."""
    if not sentences or sentences[0] is None:
        return None
    stacked = np.stack(sentences)
    return stacked / np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)


def open_session(folder: Path, *, quantized: bool | None = None, threads: int | None = None) \
        -> tuple[ort.InferenceSession, bool]:
    """The ONNX model in `folder` (model.onnx, model.int8.onnx) for the latency of one input: CUDA and fp32 when a
    GPU is there, else int8 on the CPU (`quantized` chooses), on `threads` threads (default: up to 4). Returns the
    session and whether it is the int8 model."""
    providers = ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in ort.get_available_providers() and gpu_present():
        providers.insert(0, "CUDAExecutionProvider")
    quantized = providers[0] == "CPUExecutionProvider" if quantized is None else quantized
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    path = folder / (INT8 if quantized else FP32)
    return ort.InferenceSession(str(path), options, providers=providers), quantized


class OnnxJointModel(JointModelBase):
    def __init__(self, folder: Path, *, quantized: bool | None = None, threads: int | None = None):
        super().__init__(Labels.load(folder / LABELS), load_tokenizer(folder / TOKENIZER, MAX_TOKENS),
                         Calibration.load(folder), Novelty.load(folder))
        self.session, self.quantized = open_session(folder, quantized=quantized, threads=threads)
        self.rows_alone = self.quantized
        self.provider = self.session.get_providers()[0]
        self.segmented = any(given.name == "token_type_ids" for given in self.session.get_inputs())
        """Models exported before the dialogue state was read take no segments."""
        self.outputs = [output.name for output in self.session.get_outputs()]

    def infer(self, ids: np.ndarray, mask: np.ndarray, segments: np.ndarray) -> Outputs:
        given = {"input_ids": ids, "attention_mask": mask}
        if self.segmented:
            given["token_type_ids"] = segments
        named = dict(zip(self.outputs, self.session.run(None, given)))  # older models: no sentence vector, no answers
        return named["intent_logits"], named["tag_logits"], named.get("sentence"), named.get("answer_logits")
