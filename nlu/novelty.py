"""How far an utterance is from everything the model was trained on: input no intent covers.

A softmax always picks some intent, and a confident one for text unlike any example. The sentence vector knows
better: the Mahalanobis distance to the nearest intent's mean vector (one covariance shared by all intents; Lee et
al. 2018, Podolskiy et al. 2021) is large for out-of-scope text. Its scale means nothing by itself, so it is read
against the distances of held-out in-scope utterances: `rarity` is the share of them that were at least as far.
Kept in the model folder as novelty.npz; its cost grows with the number of intents, not of examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NOVELTY = "novelty.npz"
SHRINKAGE = 0.1
"""Share of the identity mixed into the covariance: a domain has fewer examples than the vectors have dimensions."""


@dataclass(frozen=True)
class Novelty:
    means: np.ndarray
    """Each intent's mean sentence vector, whitened (intents x hidden)."""
    whitening: np.ndarray
    """Maps a sentence vector to a space where Euclidean distance is the Mahalanobis distance (hidden x hidden)."""
    reference: np.ndarray
    """The distances of held-out in-scope utterances, sorted."""

    def distance(self, sentences: np.ndarray) -> np.ndarray:
        """The squared Mahalanobis distance of each unit sentence vector (rows) to the nearest intent."""
        whitened = sentences @ self.whitening
        gaps = (whitened ** 2).sum(1)[:, None] - 2 * whitened @ self.means.T + (self.means ** 2).sum(1)[None, :]
        return np.maximum(gaps.min(1), 0.0)

    def rarity(self, sentences: np.ndarray) -> np.ndarray:
        """The share of held-out in-scope utterances at least as far from every intent as each of these (1: as
        close as the closest, 0: farther than all)."""
        distances = self.distance(sentences)
        below = np.searchsorted(self.reference, distances, side="left")
        return 1.0 - below / len(self.reference)

    def save(self, folder: Path) -> None:
        np.savez(folder / NOVELTY, means=self.means, whitening=self.whitening, reference=self.reference)

    @classmethod
    def load(cls, folder: Path) -> Novelty | None:
        path = folder / NOVELTY
        if not path.exists():
            return None
        with np.load(path) as stored:
            return cls(stored["means"], stored["whitening"], stored["reference"])


def fit_novelty(sentences: np.ndarray, intents: np.ndarray, held_out: np.ndarray) -> Novelty | None:
    """Class means and shared covariance from training utterances' unit sentence vectors (rows) and intent indices;
    the reference distances from held-out in-scope ones. None without held-out utterances to read distances by."""
    if len(held_out) == 0 or len(sentences) == 0:
        return None
    labels = np.unique(intents)
    means = np.stack([sentences[intents == label].mean(0) for label in labels])
    centred = sentences - means[np.searchsorted(labels, intents)]
    covariance = centred.T @ centred / len(sentences)
    scale = np.trace(covariance) / len(covariance)
    covariance = (1 - SHRINKAGE) * covariance + SHRINKAGE * scale * np.eye(len(covariance))
    whitening = np.linalg.cholesky(np.linalg.inv(covariance))
    model = Novelty((means @ whitening).astype(np.float32), whitening.astype(np.float32), np.empty(0))
    return Novelty(model.means, model.whitening, np.sort(model.distance(held_out)).astype(np.float32))
