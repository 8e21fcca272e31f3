"""`bench nlu`'s latencies: every variant parses every text, interleaved, in rotating order."""

from __future__ import annotations

from dialogue.bench.nlu import latencies


def test_variants_take_turns_on_each_text_in_rotating_order() -> None:
    calls: list[tuple[str, str]] = []
    parsers = {name: (lambda text, name=name: calls.append((name, text))) for name in ("a", "b", "c")}
    texts = [f"text {i}" for i in range(60)]
    figures = latencies(parsers, texts)
    measured = calls[50 * 3:]  # after the 50 warm-up texts
    assert sorted(measured) == sorted((name, text) for name in "abc" for text in texts)
    assert [name for name, _ in measured[:9]] == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert set(figures) == {"a", "b", "c"}
    assert all(0 <= f["p50_ms"] <= f["p99_ms"] for f in figures.values())
