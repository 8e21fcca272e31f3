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


def test_the_cost_of_reading_in_context_is_measured_on_the_domains_model(bundled_models) -> None:
    from dialogue.bench.nlu import domain_texts, in_context
    from dialogue.domains import load_domain
    from dialogue.nlu.understander import Understander

    understander = Understander.for_domain(load_domain("restaurant"), bundled_models)
    assert understander is not None
    texts = domain_texts(understander.domain, 120)
    assert len(texts) == 120 and len(set(texts)) > 60
    figures = in_context(understander, texts)
    first_slot = next(iter(understander.domain.slots))
    assert list(figures) == ["alone", f"after asked {first_slot}", "after a yes/no question"]
    assert all(0 < f["p50_ms"] <= f["p99_ms"] for f in figures.values())
