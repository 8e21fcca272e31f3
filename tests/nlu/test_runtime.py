"""How a batch is cut into model calls: groups of similar length, chosen for the least padded work."""

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
