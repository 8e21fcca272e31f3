"""The joint model at serve time: ONNX Runtime only (no torch), loaded once and shared.

CUDA when a GPU is there (fp32), the CPU otherwise (int8), with session options for the
latency of one utterance. Batches are supported for the simulator and evaluation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from nlu.artifacts import FP32, INT8, LABELS, TOKENIZER
from nlu.data import Labels
from nlu.decoding import bio_constraints, log_softmax, viterbi
from nlu.encoding import first_pieces, load_tokenizer

MAX_TOKENS = 128


@dataclass
class Prediction:
    intent_scores: np.ndarray
    tags: list[str]
    cut_words: int = 0
    """Words that did not fit in MAX_TOKENS word pieces (they get no tag)."""


def gpu_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidia0").exists()


class JointModelBase:
    """What every way of running the joint model shares: tokenizer, labels, and decoding."""

    def __init__(self, labels: Labels, tokenizer: Tokenizer):
        self.labels = labels
        self.max_tokens = MAX_TOKENS
        self.tokenizer = tokenizer
        self.transitions, self.start = bio_constraints(self.labels.tags)

    def infer(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Intent logits (batch x intents) and tag logits (batch x pieces x tags)."""
        raise NotImplementedError

    def predict(self, batch: list[list[str]]) -> list[Prediction]:
        """Intent scores (softmax) and BIO tags for each utterance, given as its words."""
        encodings = self.tokenizer.encode_batch(batch, is_pretokenized=True)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        intent_logits, tag_logits = self.infer(ids, mask)
        intents = np.exp(log_softmax(intent_logits))
        predictions = []
        for row, (words, encoding) in enumerate(zip(batch, encodings)):
            first = first_pieces(encoding, len(words))
            kept = [p for p in first if p >= 0]
            path = viterbi(log_softmax(tag_logits[row, kept]), self.transitions, self.start)
            tags = [self.labels.tags[i] for i in path] + ["O"] * (len(words) - len(kept))
            predictions.append(Prediction(intents[row], tags, len(words) - len(kept)))
        return predictions


class OnnxJointModel(JointModelBase):
    def __init__(self, folder: Path, *, quantized: bool | None = None, threads: int | None = None):
        super().__init__(Labels.load(folder / LABELS), load_tokenizer(folder / TOKENIZER, MAX_TOKENS))
        providers = ["CPUExecutionProvider"]
        if "CUDAExecutionProvider" in ort.get_available_providers() and gpu_present():
            providers.insert(0, "CUDAExecutionProvider")
        self.quantized = providers[0] == "CPUExecutionProvider" if quantized is None else quantized
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        path = folder / (INT8 if self.quantized else FP32)
        self.session = ort.InferenceSession(str(path), options, providers=providers)
        self.provider = self.session.get_providers()[0]

    def infer(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        intent_logits, tag_logits = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return intent_logits, tag_logits
