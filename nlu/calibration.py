"""Confidence that means a probability: temperature scaling fitted on held-out utterances (Guo et al. 2017).

A fine-tuned model is over-confident: its top score is higher than how often it is right. One temperature T,
chosen to make the held-out utterances' intents most likely under softmax(logits / T), fixes most of that
without changing which intent ranks first. Kept in the model folder as calibration.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from dialogue.nlu.decoding import log_softmax

CALIBRATION = "calibration.json"
TEMPERATURES = (1.0, 8.0)
"""The range searched. Never below 1: held-out examples of a domain are close to its training examples, so a model
that gets them all right would be sharpened, and real users are not that close."""


@dataclass(frozen=True)
class Calibration:
    temperature: float = 1.0
    held_out: int = 0
    """How many utterances it was fitted on (0: not fitted; the model's raw softmax)."""

    def save(self, folder: Path) -> None:
        (folder / CALIBRATION).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Calibration:
        path = folder / CALIBRATION
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.exists() else cls()


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> Calibration:
    """The temperature that minimises the negative log-likelihood of `gold` (indices) under `logits`
    (utterances x intents): a golden-section search on log T, which the likelihood is unimodal in."""
    if len(gold) == 0:
        return Calibration()

    def loss(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t))[np.arange(len(gold)), gold].mean())

    low, high = np.log(TEMPERATURES[0]), np.log(TEMPERATURES[1])
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if loss(left) < loss(right):
            high = right
        else:
            low = left
    return Calibration(round(float(np.exp((low + high) / 2)), 4), len(gold))


def expected_calibration_error(confidences: np.ndarray, right: np.ndarray, bins: int = 15) -> float:
    """How far the top confidence is from the accuracy, averaged over equal-width confidence bins (weighted by
    their size): 0 for a perfectly calibrated model."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in pairwise(edges):
        inside = (confidences > low) & (confidences <= high)
        if inside.any():
            error += inside.mean() * abs(confidences[inside].mean() - right[inside].mean())
    return float(error)
