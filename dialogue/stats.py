"""Figures over samples, shared by the benchmarks and the simulation's reports."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    """The sample at quantile `q` (0 to 1) of the samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
