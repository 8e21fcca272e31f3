from __future__ import annotations

import pytest

from dialogue.domains.annotations import AnnotationError, Span, parse_example


def test_spans_and_plain_text() -> None:
    example = parse_example("table for [4](party_size) at [szechuan](cuisine:sichuan) place")
    assert example.text == "table for 4 at szechuan place"
    assert example.spans == (Span(10, 11, "party_size", "4"), Span(15, 23, "cuisine", "szechuan", "sichuan"))
    assert example.text[15:23] == "szechuan"


def test_no_annotations() -> None:
    assert parse_example("hello [there]").text == "hello [there]"


@pytest.mark.parametrize("bad", ["[4](Party)", "[4](party_size:)", "[4](", "for [4](party size)"])
def test_malformed(bad: str) -> None:
    with pytest.raises(AnnotationError):
        parse_example(bad)
