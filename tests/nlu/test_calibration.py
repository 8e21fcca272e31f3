"""Temperature scaling: the fit finds the temperature the data was drawn with, and it lowers the calibration error."""

from __future__ import annotations

import numpy as np

from dialogue.nlu.calibration import Calibration, expected_calibration_error, fit_temperature
from dialogue.nlu.decoding import log_softmax


def _drawn(temperature: float, count: int = 4000, classes: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits, and labels drawn from softmax(logits / temperature): a model over-confident by that factor."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4, (count, classes))
    probabilities = np.exp(log_softmax(logits / temperature))
    gold = np.array([rng.choice(classes, p=row) for row in probabilities])
    return logits, gold


def test_the_fit_finds_the_temperature_the_labels_were_drawn_with() -> None:
    logits, gold = _drawn(2.5)
    fitted = fit_temperature(logits, gold)
    assert abs(fitted.temperature - 2.5) < 0.25
    assert fitted.held_out == len(gold)


def test_calibration_lowers_the_expected_calibration_error() -> None:
    logits, gold = _drawn(3.0, seed=1)
    right = logits.argmax(1) == gold
    fitted = fit_temperature(logits, gold)
    before = expected_calibration_error(np.exp(log_softmax(logits)).max(1), right)
    after = expected_calibration_error(np.exp(log_softmax(logits / fitted.temperature)).max(1), right)
    assert before > 0.2 and after < 0.05


def test_a_model_that_is_always_right_is_never_sharpened() -> None:
    logits = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0]] * 20)
    gold = logits.argmax(1)
    assert fit_temperature(logits, gold).temperature == 1.0


def test_nothing_held_out_leaves_the_raw_softmax(tmp_path) -> None:
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=np.int64)) == Calibration()
    assert Calibration.load(tmp_path) == Calibration()
    Calibration(1.7, 40).save(tmp_path)
    assert Calibration.load(tmp_path) == Calibration(1.7, 40)


def test_a_perfectly_calibrated_model_has_no_error() -> None:
    confidences = np.array([0.9] * 10)
    right = np.array([True] * 9 + [False])
    assert expected_calibration_error(confidences, right) < 1e-9
