"""The grounding check on a fixed set of answers: every deliberately wrong one is refused, every faithful one
accepted (the figures docs/knowledge.md quotes come from these lists)."""

from __future__ import annotations

import pytest

from dialogue.nlg.grounding import uncited, ungrounded

PASSAGES = [
    "Router > Lights: A red light on the Zyxel box means there is no signal on the line. Restart the box and wait "
    "two minutes before you call us.",
    "Billing: Bills are sent on the 3rd of each month. A late payment costs 5 pounds, and Direct Debit customers "
    "pay nothing extra.",
    "Roaming: In France and Spain your plan works as at home. Elsewhere a day pass costs 6.50 pounds.",
]

FAITHFUL = [
    "A red light means there is no signal on the line [1].",
    "Restart the box and wait two minutes before calling [1].",
    "Bills are sent on the 3rd of each month [2].",
    "A late payment costs 5 pounds [2].",
    "Direct Debit customers pay nothing extra for a late payment.",
    "In France and Spain your plan works as at home [3].",
    "Outside France and Spain, a day pass costs 6.50 pounds [3].",
    "A red light on the Zyxel box means no signal. Restart it and wait two minutes [1].",
    "Your bills are sent on the 3rd [2]. Late payments cost 5 pounds [2].",
]

WRONG = {
    "a changed number": "A late payment costs 7 pounds [2].",
    "a changed date": "Bills are sent on the 5th of each month [2].",
    "a changed price": "A day pass costs 5.50 pounds abroad [3].",
    "a changed duration": "Restart the box and wait 10 minutes [1].",
    "an invented brand": "A red light on the Netgear box means there is no signal [1].",
    "an invented person": "Call Dave at the helpdesk after restarting the box.",
    "an invented country": "In Italy your plan works as at home [3].",
    "an invented fact": "A red light means the box is overheating and needs cooling.",
    "an invented remedy": "Unplug the fibre cable and clean the connector.",
    "facts of two passages joined": "A red light means your bill is late.",
    "a fact from another passage": "A red light costs 5 pounds.",
    "a fact from no passage": "Bills can be paid at any post office.",
}


@pytest.mark.parametrize("answer", FAITHFUL)
def test_a_faithful_answer_is_accepted(answer: str) -> None:
    assert ungrounded(answer, PASSAGES) is None


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_a_wrong_answer_is_refused(kind: str) -> None:
    assert ungrounded(WRONG[kind], PASSAGES) is not None


def test_the_reasons_say_what_is_not_in_the_passages() -> None:
    assert ungrounded(WRONG["a changed number"], PASSAGES) == "'7' is not in the passages"
    assert ungrounded(WRONG["an invented brand"], PASSAGES) == "the name 'Netgear' is not in the passages"
    assert "says what no passage does" in ungrounded(WRONG["facts of two passages joined"], PASSAGES)


def test_citations_are_taken_out() -> None:
    assert uncited("It costs 5 pounds [2]. Restart it [billing.md#lights-1].") == "It costs 5 pounds. Restart it."
