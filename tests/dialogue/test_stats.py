from __future__ import annotations

from dialogue.stats import percentile


def test_percentile_is_the_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 51.0
    assert percentile(samples, 0.99) == 100.0
    assert percentile(list(reversed(samples)), 0.0) == 1.0
    assert percentile([7.0], 0.99) == 7.0
