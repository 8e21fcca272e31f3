from __future__ import annotations

import itertools

import numpy as np

from dialogue.nlu.decoding import bio_constraints, log_softmax, viterbi

TAGS = ("O", "B-a", "I-a", "B-b", "I-b")


def test_viterbi_never_starts_or_jumps_into_an_inside_tag() -> None:
    transitions, start = bio_constraints(TAGS)
    scores = np.log(np.array([
        [0.1, 0.1, 0.6, 0.1, 0.1],   # I-a is likeliest, but cannot start
        [0.1, 0.1, 0.1, 0.1, 0.6],   # I-b likeliest, but cannot follow a
        [0.9, 0.025, 0.025, 0.025, 0.025],
    ]))
    path = [TAGS[i] for i in viterbi(scores, transitions, start)]
    assert path[0] != "I-a" and not (path[0].endswith("a") and path[1] == "I-b")
    for before, after in itertools.pairwise(path):
        assert not after.startswith("I-") or before[2:] == after[2:]


def test_viterbi_follows_the_scores_when_they_are_valid() -> None:
    transitions, start = bio_constraints(TAGS)
    scores = log_softmax(np.array([[0, 5, 0, 0, 0], [0, 0, 5, 0, 0], [5, 0, 0, 0, 0]], dtype=np.float32))
    assert [TAGS[i] for i in viterbi(scores, transitions, start)] == ["B-a", "I-a", "O"]
    assert viterbi(scores[:0], transitions, start) == []
