"""Novelty: the distance to the nearest intent, read against held-out in-scope utterances."""

from __future__ import annotations

import numpy as np

from dialogue.nlu.novelty import SHRINKAGE, Novelty, fit_novelty


def _units(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _intents(count: int, dimensions: int = 16, draw: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three intents (always the same) as tight clusters of unit vectors: training vectors, their intents, and
    held-out vectors; `draw` picks other vectors of the same intents."""
    centres = _units(np.random.default_rng(0).normal(size=(3, dimensions)))
    rng = np.random.default_rng(100 + draw)
    intents = rng.integers(0, 3, count)
    vectors = _units(centres[intents] + rng.normal(0, 0.05, (count, dimensions)))
    held = _units(centres[rng.integers(0, 3, count)] + rng.normal(0, 0.05, (count, dimensions)))
    return vectors, intents, held


def test_the_distance_is_the_mahalanobis_distance_to_the_nearest_intent() -> None:
    vectors, intents, held = _intents(300)
    novelty = fit_novelty(vectors, intents, held)
    assert novelty is not None
    means = np.stack([vectors[intents == i].mean(0) for i in range(3)])
    centred = vectors - means[intents]
    covariance = centred.T @ centred / len(vectors)
    covariance = (1 - SHRINKAGE) * covariance + SHRINKAGE * np.trace(covariance) / len(covariance) * np.eye(16)
    precision = np.linalg.inv(covariance)
    probe = _units(np.random.default_rng(5).normal(size=(4, 16)))
    expected = [min(float((x - m) @ precision @ (x - m)) for m in means) for x in probe]
    assert np.allclose(novelty.distance(probe.astype(np.float32)), expected, rtol=1e-3)


def test_rarity_reads_the_distance_against_held_out_utterances() -> None:
    vectors, intents, held = _intents(600)
    novelty = fit_novelty(vectors, intents, held)
    assert novelty is not None
    in_scope = _intents(2000, draw=1)[2]  # new utterances of the same intents
    rarity = novelty.rarity(in_scope)
    assert rarity.min() >= 0.0 and rarity.max() <= 1.0
    assert abs((rarity < 0.05).mean() - 0.05) < 0.03, "about 5% of in-scope input is beyond the 95th percentile"
    unrelated = _units(np.random.default_rng(9).normal(size=(200, 16)))
    assert (novelty.rarity(unrelated) < 0.05).mean() > 0.95, "vectors of no intent are rarer than all in-scope"


def test_saved_and_loaded(tmp_path) -> None:
    novelty = fit_novelty(*_intents(100))
    assert novelty is not None
    assert Novelty.load(tmp_path) is None
    novelty.save(tmp_path)
    loaded = Novelty.load(tmp_path)
    assert loaded is not None
    probe = _intents(10, draw=3)[0]
    assert np.array_equal(loaded.rarity(probe), novelty.rarity(probe))


def test_no_held_out_utterances_no_novelty() -> None:
    vectors, intents, _ = _intents(50)
    assert fit_novelty(vectors, intents, np.empty((0, 16))) is None
