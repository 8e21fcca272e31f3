"""`bench nlu`'s latencies: every variant parses every text, the variants taking turns on blocks of texts."""

from __future__ import annotations

from dialogue.bench.nlu import BLOCK, SETTLE, latencies


def test_variants_take_turns_on_blocks_in_rotating_order() -> None:
    calls: list[tuple[str, str]] = []
    parsers = {name: (lambda text, name=name: calls.append((name, text))) for name in ("a", "b", "c")}
    texts = [f"text {i}" for i in range(3 * BLOCK)]
    figures = latencies(parsers, texts)
    turns = calls[3 * 50:]  # after each variant's 50 warm-up texts
    turn = SETTLE + BLOCK
    assert len(turns) == 3 * 3 * turn
    order = [turns[i * turn][0] for i in range(9)]
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"], "the order rotates from block to block"
    for i in range(9):
        block = texts[(i // 3) * BLOCK:(i // 3 + 1) * BLOCK]
        assert [text for _, text in turns[i * turn:(i + 1) * turn]] == block[:SETTLE] + block
    assert set(figures) == {"a", "b", "c"}
    assert all(0 <= f["p50_ms"] <= f["p99_ms"] for f in figures.values())
