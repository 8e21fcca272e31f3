"""How a batch is cut into model calls: groups of similar length, chosen for the least padded work (fp32), or one
utterance a call (int8)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dialogue.nlu.runtime import CALL_TOKENS, length_groups


def cost(lengths: list[int], groups: list[list[int]]) -> int:
    return sum(CALL_TOKENS + len(rows) * max(lengths[row] for row in rows) for rows in groups)


def cheapest(lengths: list[int]) -> int:
    """By trying every way to cut the rows, sorted by length, into runs."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    best = None
    for cuts in itertools.product([False, True], repeat=len(order) - 1):
        groups, current = [], [order[0]]
        for row, cut in zip(order[1:], cuts):
            if cut:
                groups.append(current)
                current = []
            current.append(row)
        groups.append(current)
        best = cost(lengths, groups) if best is None else min(best, cost(lengths, groups))
    return best


@given(st.lists(st.integers(min_value=3, max_value=128), min_size=1, max_size=9))
def test_groups_hold_every_row_once_at_the_least_cost(lengths: list[int]) -> None:
    groups = length_groups(lengths)
    assert sorted(row for rows in groups for row in rows) == list(range(len(lengths)))
    assert cost(lengths, groups) == cheapest(lengths)


def test_similar_lengths_share_a_call_and_far_ones_do_not() -> None:
    assert length_groups([8, 9, 8, 10]) == [[0, 2, 1, 3]]
    assert length_groups([6, 60, 7, 64]) == [[0, 2], [1, 3]]
    assert length_groups([]) == []


def test_a_model_exported_before_the_sentence_output_still_parses(tiny_model, tmp_path) -> None:
    """Its two outputs, no calibration.json, no novelty.npz: raw scores, no sentence vector, no rarity, no answers."""
    import shutil

    import onnx
    import pytest

    from dialogue.nlu.artifacts import FP32, INT8
    from dialogue.nlu.runtime import OnnxJointModel

    _, report = tiny_model
    old = tmp_path / "old"
    shutil.copytree(report.folder, old)
    (old / "calibration.json").unlink()
    (old / "novelty.npz").unlink()
    for name in (FP32, INT8):
        graph = onnx.load(str(old / name))
        for output in [o for o in graph.graph.output if o.name in ("sentence", "answer_logits")]:
            graph.graph.output.remove(output)
        onnx.save(graph, str(old / name))
    before = OnnxJointModel(old, quantized=False).predict([["book", "a", "table"]])[0]
    now = OnnxJointModel(report.folder, quantized=False).predict([["book", "a", "table"]])[0]
    assert before.sentence is None and before.rarity is None and before.answer_scores is None
    assert now.sentence is not None and now.rarity is not None and now.answer_scores is not None
    assert before.tags == now.tags
    temperature = OnnxJointModel(report.folder).calibration.temperature
    if temperature == 1.0:
        assert before.intent_scores == pytest.approx(now.intent_scores, abs=1e-5)
    else:
        assert before.intent_scores.argmax() == now.intent_scores.argmax()


def test_the_int8_model_reads_an_utterance_alike_whatever_is_batched_with_it(tiny_model) -> None:
    """Its activations are quantized with one scale a call, so each utterance runs alone: the same words read the
    same when other users' messages (or a message's own clauses) share the batch."""
    import numpy as np

    from dialogue.nlu.runtime import OnnxJointModel

    _, report = tiny_model
    model = OnnxJointModel(report.folder, quantized=True)
    words = ["book", "a", "table", "for", "two"]
    longer = "i would like to book a table for eight people tomorrow at seven in the evening please"
    others = [["hi"], longer.split(" ")]
    alone = model.predict([words])[0]
    for batch in ([words, *others], [*others, words]):
        read = model.predict(batch)[batch.index(words)]
        assert np.array_equal(read.intent_scores, alone.intent_scores) and read.tags == alone.tags
        assert np.array_equal(read.sentence, alone.sentence)
