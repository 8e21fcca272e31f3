"""Turn per-word tag scores into a valid BIO sequence (I-x only after B-x or I-x), by Viterbi search."""

from __future__ import annotations

import numpy as np

from dialogue.nlu.data import OUTSIDE


def bio_constraints(tags: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Allowed transitions (0 or -inf) between tags, and allowed first tags."""
    size = len(tags)
    transitions = np.zeros((size, size), dtype=np.float32)
    start = np.zeros(size, dtype=np.float32)
    for to, tag in enumerate(tags):
        if tag.startswith("I-"):
            start[to] = -np.inf
            for before, previous in enumerate(tags):
                if previous == OUTSIDE or previous[2:] != tag[2:]:
                    transitions[before, to] = -np.inf
    return transitions, start


def viterbi(log_probs: np.ndarray, transitions: np.ndarray, start: np.ndarray) -> list[int]:
    """The best tag sequence under the constraints; `log_probs` is words x tags."""
    if len(log_probs) == 0:
        return []
    score = log_probs[0] + start
    back = []
    for row in log_probs[1:]:
        candidates = score[:, None] + transitions
        best = candidates.argmax(axis=0)
        back.append(best)
        score = candidates[best, np.arange(len(best))] + row
    path = [int(score.argmax())]
    for best in reversed(back):
        path.append(int(best[path[-1]]))
    return path[::-1]


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
