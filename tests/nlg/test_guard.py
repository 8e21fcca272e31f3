from __future__ import annotations

from dialogue.domains.schema.nlg import NlgSettings
from dialogue.nlg.guard import OutputGuard, facts

TEMPLATE = "Booked: a table for 4 at Golden Dragon on 2026-12-01 at 19:00. Your reference is K7PQ2M."
USED = [{"party_size": 4, "restaurant": "Golden Dragon", "cuisine": "sichuan"}, {"booking": [{"ref": "K7PQ2M"}]}]


def test_facts_are_the_used_values_in_the_text_and_every_token_with_a_digit() -> None:
    assert facts(TEMPLATE, USED) == ["19:00", "2026-12-01", "4", "Golden Dragon", "K7PQ2M"]


def test_a_rephrasing_that_keeps_every_fact_passes() -> None:
    guard = OutputGuard(NlgSettings())
    good = "All set! Golden Dragon expects 4 of you on 2026-12-01 at 19:00 - reference K7PQ2M."
    assert guard.problem(good, required=facts(TEMPLATE, USED), template=TEMPLATE) is None


def test_a_rephrasing_that_drops_a_value_is_rejected() -> None:
    guard = OutputGuard(NlgSettings())
    dropped = "All set! Golden Dragon expects 4 of you on 2026-12-01 at 19:00."
    assert guard.problem(dropped, required=facts(TEMPLATE, USED), template=TEMPLATE) == "the answer lost 'K7PQ2M'"


def test_length_limits_and_banned_patterns() -> None:
    guard = OutputGuard(NlgSettings(max_chars=100, max_growth=1.5, banned=[r"\bguarantee", "free of charge"]))
    assert "more than the 50 allowed" in guard.problem("x" * 60, template="y" * 20)
    assert "more than the 100 allowed" in guard.problem("x" * 101)
    assert guard.problem("We GUARANTEE a table.") == "the answer matches the banned pattern '\\bguarantee'"
    assert guard.problem("  ") == "the answer is empty"
